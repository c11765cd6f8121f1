# Distributed with mmtest. Private part of MMTest.cmake: MEMORY, TIMEOUT and the launcher
# resolved to what a test gets (argument, then project variable, then Defaults.cmake), and the
# checks of the arguments the commands share.

include_guard(GLOBAL)

# _mm_check_constants(): what the commands set themselves and refuse from their callers. A macro,
# as _mm_defaults().
macro(_mm_check_constants)
  set(_MM_MANAGED_PROPERTIES RESOURCE_GROUPS TIMEOUT LABELS ENVIRONMENT WORKING_DIRECTORY WILL_FAIL PROCESSORS)
  set(_MM_MANAGED_LAUNCHER_OPTIONS --name --memory --timeout --grace --result)
endmacro()

# _mm_check_seconds(<caller> <keyword> <value>): positive seconds, fractions allowed.
function(_mm_check_seconds caller keyword value)
  _mm_seconds_error("${value}" error)
  if(error)
    message(FATAL_ERROR "${caller}: ${keyword} ${error}")
  endif()
endfunction()

# _mm_resolve_limits(<caller> <memory> <timeout> <labels>)
#
# Applies the defaults and validates; sets in the caller's scope: _mm_memory (the size string for
# the launcher), _mm_memory_mib (rounded up), _mm_timeout (seconds string), _mm_timeout_ceil,
# _mm_ctest_timeout, _mm_cost.
function(_mm_resolve_limits caller memory timeout labels)
  # Suites repeat a few MEMORY/TIMEOUT/LABELS combinations thousands of times: resolve each once
  # (the key holds everything the result depends on; mm_register_labels() forgets them all).
  set(key "_MM_LIMITS_${memory}|${timeout}|${labels}|${MMTEST_DEFAULT_MEMORY}|${MMTEST_DEFAULT_TIMEOUT}")
  get_property(cached GLOBAL PROPERTY "${key}")
  if(cached)
    list(POP_FRONT cached memory memory_mib timeout timeout_ceil ctest_timeout cost)
    set(_mm_memory "${memory}" PARENT_SCOPE)
    set(_mm_memory_mib "${memory_mib}" PARENT_SCOPE)
    set(_mm_timeout "${timeout}" PARENT_SCOPE)
    set(_mm_timeout_ceil "${timeout_ceil}" PARENT_SCOPE)
    set(_mm_ctest_timeout "${ctest_timeout}" PARENT_SCOPE)
    set(_mm_cost "${cost}" PARENT_SCOPE)
    return()
  endif()
  _mm_check_labels("${caller}" "${labels}")
  if(NOT "${memory}" STREQUAL "")
    set(memory_from MEMORY)
  elseif(DEFINED MMTEST_DEFAULT_MEMORY AND NOT "${MMTEST_DEFAULT_MEMORY}" STREQUAL "")
    set(memory "${MMTEST_DEFAULT_MEMORY}")
    set(memory_from "MMTEST_DEFAULT_MEMORY")
  else()
    set(memory "${_MM_BUILTIN_MEMORY}")
    set(memory_from MEMORY)
  endif()
  _mm_size_to_mib("${memory}" ROUND_UP memory_mib error)
  if(error)
    message(FATAL_ERROR "${caller}: ${memory_from} ${error}")
  endif()

  if(NOT "${timeout}" STREQUAL "")
    _mm_check_seconds("${caller}" TIMEOUT "${timeout}")
  else()
    # The largest timeout among the labels that have one; compare whole seconds rounded up.
    set(best_ceil -1)
    foreach(label IN LISTS labels)
      get_property(label_timeout GLOBAL PROPERTY "_MM_LABEL_TIMEOUT_${label}")
      if(NOT "${label_timeout}" STREQUAL "")
        _mm_ceil_seconds("${label_timeout}" label_ceil)
        if(label_ceil GREATER best_ceil)
          set(best_ceil ${label_ceil})
          set(timeout "${label_timeout}")
        endif()
      endif()
    endforeach()
    if("${timeout}" STREQUAL "")
      if(DEFINED MMTEST_DEFAULT_TIMEOUT AND NOT "${MMTEST_DEFAULT_TIMEOUT}" STREQUAL "")
        _mm_check_seconds("${caller}" MMTEST_DEFAULT_TIMEOUT "${MMTEST_DEFAULT_TIMEOUT}")
        set(timeout "${MMTEST_DEFAULT_TIMEOUT}")
      else()
        set(timeout ${_MM_BUILTIN_TIMEOUT_SECONDS})
      endif()
    endif()
  endif()
  _mm_ceil_seconds("${timeout}" timeout_ceil)
  math(EXPR ctest_timeout "${timeout_ceil} + ${_MM_GRACE_SECONDS} + ${_MM_CTEST_MARGIN_SECONDS}")
  math(EXPR cost "${memory_mib} * ${timeout_ceil}")

  set_property(GLOBAL PROPERTY "${key}" "${memory};${memory_mib};${timeout};${timeout_ceil};${ctest_timeout};${cost}")
  set_property(GLOBAL APPEND PROPERTY _MM_MEMO_KEYS "${key}")
  set(_mm_memory "${memory}" PARENT_SCOPE)
  set(_mm_memory_mib "${memory_mib}" PARENT_SCOPE)
  set(_mm_timeout "${timeout}" PARENT_SCOPE)
  set(_mm_timeout_ceil "${timeout_ceil}" PARENT_SCOPE)
  set(_mm_ctest_timeout "${ctest_timeout}" PARENT_SCOPE)
  set(_mm_cost "${cost}" PARENT_SCOPE)
endfunction()

# _mm_ceil_seconds(<seconds> <out>): whole seconds, rounded up.
function(_mm_ceil_seconds seconds out)
  if(seconds MATCHES "^0*([0-9]+)\\.([0-9]+)$")
    set(whole "${CMAKE_MATCH_1}")
    if(CMAKE_MATCH_2 MATCHES "[1-9]")
      math(EXPR whole "${whole} + 1")
    endif()
  else()
    string(REGEX REPLACE "^0+([0-9])" "\\1" whole "${seconds}")
  endif()
  set(${out} "${whole}" PARENT_SCOPE)
endfunction()

# _mm_launcher(<caller> <out>): the launcher path or generator expression.
function(_mm_launcher caller out)
  if(DEFINED MMTEST_RUN AND NOT "${MMTEST_RUN}" STREQUAL "")
    set(${out} "${MMTEST_RUN}" PARENT_SCOPE)
  elseif(TARGET mmtest::run)
    set(${out} "$<TARGET_FILE:mmtest::run>" PARENT_SCOPE)
  else()
    message(FATAL_ERROR "${caller}: the launcher target mmtest::run does not exist; call "
      "find_package(mmtest) or add_subdirectory() mmtest first, or set MMTEST_RUN to its path")
  endif()
endfunction()

# _mm_check_launcher_args(<caller> <args>)
function(_mm_check_launcher_args caller args)
  foreach(arg IN LISTS args)
    foreach(option IN LISTS _MM_MANAGED_LAUNCHER_OPTIONS)
      if(arg STREQUAL option OR arg MATCHES "^${option}=")
        message(FATAL_ERROR "${caller}: LAUNCHER_ARGS may not contain ${option}: "
          "it is set from NAME, MEMORY, TIMEOUT and MMTEST_RESULTS_DIR")
      endif()
    endforeach()
  endforeach()
endfunction()

# _mm_check_environment(<caller> <entries>)
function(_mm_check_environment caller entries)
  foreach(entry IN LISTS entries)
    if(NOT entry MATCHES "^[A-Za-z_][A-Za-z0-9_]*=")
      _mm_hint_unknown_arguments("${caller}" "${entry}" hint)
      message(FATAL_ERROR "${caller}: ENVIRONMENT expects VAR=value, got '${entry}'${hint}")
    endif()
  endforeach()
endfunction()

# _mm_check_properties(<caller> <pairs>): name/value pairs, none of the managed ones. CTest takes
# any name as a test property, so `PROPERTIES COST 2 MEMROY 1G` would set a property MEMROY and
# leave the test at the default MEMORY without a word: an upper-case name that is no CTest test
# property but close to one of the command's keywords or to a CTest property gets a warning.
function(_mm_check_properties caller pairs)
  list(LENGTH pairs count)
  math(EXPR odd "${count} % 2")
  if(odd)
    message(FATAL_ERROR "${caller}: PROPERTIES expects <name> <value> pairs, got ${count} items: '${pairs}'")
  endif()
  set(is_name TRUE)
  foreach(item IN LISTS pairs)
    if(is_name)
      if(NOT item MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
        message(FATAL_ERROR "${caller}: PROPERTIES expects a property name, got '${item}'")
      endif()
      if(item IN_LIST _MM_MANAGED_PROPERTIES)
        _mm_managed_property_error("${caller}" "${item}")
      endif()
      if(NOT MMTEST_NO_KEYWORD_WARNINGS AND item MATCHES "^[A-Z][A-Z_]+$" AND NOT item IN_LIST _MM_CTEST_TEST_PROPERTIES)
        _mm_keyword_like("${caller}" "${item}" like)
        set(what "the keyword")
        if(NOT like)
          _mm_nearest("${item}" "${_MM_CTEST_TEST_PROPERTIES}" like)
          set(what "the CTest test property")
        endif()
        if(like)
          message(AUTHOR_WARNING "${caller}: PROPERTIES name '${item}' is no CTest test property and looks like a "
            "misspelling of ${what} ${like}; the test gets a property named ${item}. If that is meant, set "
            "MMTEST_NO_KEYWORD_WARNINGS to ON")
        endif()
      endif()
      set(is_name FALSE)
    else()
      set(is_name TRUE)
    endif()
  endforeach()
endfunction()

function(_mm_managed_property_error caller property)
  if(property STREQUAL "RESOURCE_GROUPS")
    message(FATAL_ERROR "${caller}: PROPERTIES may not set RESOURCE_GROUPS: it comes from MEMORY, PROCESSORS and GPUS")
  endif()
  message(FATAL_ERROR "${caller}: PROPERTIES may not set ${property}: use the ${property} keyword")
endfunction()

# _mm_check_pass_through(<caller>): the caller's parsed ENVIRONMENT, PROPERTIES and LAUNCHER_ARGS
# (its arg_* variables, visible here), checked alike for add_mm_test and mm_gtest_discover_tests.
function(_mm_check_pass_through caller)
  if(DEFINED arg_ENVIRONMENT)
    _mm_check_environment("${caller}" "${arg_ENVIRONMENT}")
  endif()
  if(DEFINED arg_PROPERTIES)
    _mm_check_properties("${caller}" "${arg_PROPERTIES}")
  endif()
  if(DEFINED arg_LAUNCHER_ARGS)
    _mm_check_launcher_args("${caller}" "${arg_LAUNCHER_ARGS}")
  endif()
endfunction()

# _mm_check_properties_start(<caller> <argc>), a macro to see the caller's ARGV<n>: a managed
# property right after PROPERTIES would be parsed as the keyword of the same name and leave
# PROPERTIES empty; name the real mistake instead.
macro(_mm_check_properties_start caller argc)
  math(EXPR _mm_last "${argc} - 2")
  if(_mm_last GREATER_EQUAL 0)
    foreach(_mm_i RANGE 0 ${_mm_last})
      math(EXPR _mm_next "${_mm_i} + 1")
      if("${ARGV${_mm_i}}" STREQUAL "PROPERTIES" AND "${ARGV${_mm_next}}" IN_LIST _MM_MANAGED_PROPERTIES)
        _mm_managed_property_error("${caller}" "${ARGV${_mm_next}}")
      endif()
    endforeach()
  endif()
endmacro()

# _mm_check_processors(<caller> <out>), a macro to see the caller's arg_PROCESSORS,
# arg_FIXED_PROCESSORS, arg_PIN_CPUS and labels: the test's CPU demand as declared, 1 without
# PROCESSORS. Sets <out> to it as the manifest writes it ("2", "0.5"), <out>_whole to the whole
# CPUs it spans (CTest's PROCESSORS property) and <out>_fixed to " FIXED" when it is held as
# declared on every run (FIXED_PROCESSORS; PIN_CPUS and performance tests, pinned to whole CPUs of
# their own), else to "" (the ctest-time hook may hold the demand it learns instead).
macro(_mm_check_processors caller out)
  set(${out} 1)
  set(${out}_whole 1)
  set(${out}_fixed "")
  if(arg_FIXED_PROCESSORS OR arg_PIN_CPUS OR "performance" IN_LIST labels)
    set(${out}_fixed " FIXED")
  endif()
  if(DEFINED arg_PROCESSORS)
    _mm_cpu_tenths("${arg_PROCESSORS}" _mm_tenths _mm_processors_error)
    if(_mm_processors_error)
      message(FATAL_ERROR "${caller}: PROCESSORS ${_mm_processors_error}")
    endif()
    math(EXPR _mm_whole "${_mm_tenths} / 10")
    math(EXPR _mm_rest "${_mm_tenths} % 10")
    if(_mm_rest EQUAL 0)
      set(${out} "${_mm_whole}")
      set(${out}_whole "${_mm_whole}")
    else()
      if(arg_PIN_CPUS OR "performance" IN_LIST labels)
        message(FATAL_ERROR "${caller}: PROCESSORS expects whole CPUs for a test pinned to CPUs of its own "
          "(PIN_CPUS, or the label performance), got '${arg_PROCESSORS}'")
      endif()
      set(${out} "${_mm_whole}.${_mm_rest}")
      math(EXPR ${out}_whole "${_mm_whole} + 1")
    endif()
  elseif(arg_FIXED_PROCESSORS)
    message(FATAL_ERROR "${caller}: FIXED_PROCESSORS needs PROCESSORS: it holds the declared CPUs on every run")
  endif()
endmacro()
