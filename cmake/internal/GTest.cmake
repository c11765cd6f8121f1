# Distributed with mmtest. Private part of MMTest.cmake: mm_gtest_discover_tests() and
# mm_gtest_add_shards(), with their CASE_TIMEOUTS and checks. MMTestGTest.cmake is the ctest-time
# half of mm_gtest_discover_tests: it lists the cases and adds a test for each.

include_guard(GLOBAL)

# _mm_case_timeouts(<caller> <pairs> <out> <out_manifest>): CASE_TIMEOUTS <pattern> <seconds>...
# checked, as "<regex>;<seconds>;<CTest TIMEOUT>;..." for the ctest-time script (<out>) and as
# ` "<pattern>" <whole seconds>...` for the manifest line (<out_manifest>). A pattern is a
# GoogleTest-style glob over "<Suite>.<Case>": `*` any characters, `?` one character.
function(_mm_case_timeouts caller pairs out out_manifest)
  set(triplets "")
  set(manifest "")
  list(LENGTH pairs count)
  math(EXPR odd "${count} % 2")
  if(odd)
    message(FATAL_ERROR "${caller}: CASE_TIMEOUTS expects <pattern> <seconds> pairs, got ${count} items: '${pairs}'")
  endif()
  while(pairs)
    list(POP_FRONT pairs pattern seconds)
    if(pattern STREQUAL "" OR pattern MATCHES "[ \t\n]")
      message(FATAL_ERROR "${caller}: CASE_TIMEOUTS expects a pattern like 'Replay.*' (no spaces), got '${pattern}'")
    endif()
    _mm_check_seconds("${caller}" "CASE_TIMEOUTS ${pattern}" "${seconds}")
    _mm_ceil_seconds("${seconds}" seconds_ceil)
    math(EXPR ctest_timeout "${seconds_ceil} + ${_MM_GRACE_SECONDS} + ${_MM_CTEST_MARGIN_SECONDS}")
    _mm_glob_regex("${pattern}" regex)
    list(APPEND triplets "${regex}" "${seconds}" "${ctest_timeout}")
    _mm_quote(quoted "${pattern}")
    string(APPEND manifest " ${quoted} ${seconds_ceil}")
  endwhile()
  set(${out} "${triplets}" PARENT_SCOPE)
  set(${out_manifest} "${manifest}" PARENT_SCOPE)
endfunction()

# _mm_check_gtest_call(<caller> <target> <argc>), a macro to see the caller's arg_* variables and
# ARGV<n> (<argc>: the caller's ARGC; a macro's own ${ARGC} would be its two arguments): every
# argument parsed, each keyword with its value, and <target> an executable target; the checks
# mm_gtest_discover_tests and mm_gtest_add_shards share.
macro(_mm_check_gtest_call caller target argc)
  if(arg_UNPARSED_ARGUMENTS)
    list(JOIN arg_UNPARSED_ARGUMENTS "', '" _mm_unparsed)
    _mm_hint_unknown_arguments("${caller}" "${arg_UNPARSED_ARGUMENTS}" _mm_hint)
    message(FATAL_ERROR "${caller}: unknown argument '${_mm_unparsed}'${_mm_hint}")
  endif()
  if(arg_KEYWORDS_MISSING_VALUES)
    _mm_check_properties_start("${caller}" ${argc})
    list(JOIN arg_KEYWORDS_MISSING_VALUES ", " _mm_missing)
    message(FATAL_ERROR "${caller}: ${_mm_missing} needs a value")
  endif()
  if(NOT TARGET "${target}")
    message(FATAL_ERROR "${caller}: '${target}' is not a target; pass the GoogleTest executable target")
  endif()
  get_target_property(_mm_type "${target}" TYPE)
  if(NOT _mm_type STREQUAL "EXECUTABLE")
    message(FATAL_ERROR "${caller}: '${target}' is a ${_mm_type}, expected an executable target")
  endif()
endmacro()

function(mm_gtest_discover_tests target)
  _mm_constants()
  cmake_parse_arguments(PARSE_ARGV 1 arg
    "ALLOW_LEAKS;PIN_CPUS;FIXED_PROCESSORS"
    "MEMORY;TIMEOUT;PROCESSORS;TEST_PREFIX;TEST_SUFFIX;WORKING_DIRECTORY;DISCOVERY_TIMEOUT"
    "LABELS;EXTRA_ARGS;ENVIRONMENT;PROPERTIES;LAUNCHER_ARGS;CASE_TIMEOUTS")
  set(caller "mm_gtest_discover_tests(${target})")
  _mm_check_gtest_call("${caller}" "${target}" ${ARGC})

  set(labels "${arg_LABELS}")
  list(REMOVE_DUPLICATES labels)
  _mm_resolve_limits("${caller}" "${arg_MEMORY}" "${arg_TIMEOUT}" "${labels}")
  _mm_check_processors("${caller}" cpus)
  _mm_launcher_flags(launcher_flags "${arg_ALLOW_LEAKS}" "${arg_PIN_CPUS}" "${labels}" "${arg_MEMORY}")
  _mm_case_timeouts("${caller}" "${arg_CASE_TIMEOUTS}" case_timeouts case_timeouts_manifest)
  set(discovery_timeout ${_MM_DISCOVERY_TIMEOUT_SECONDS})
  if(DEFINED arg_DISCOVERY_TIMEOUT)
    _mm_check_seconds("${caller}" DISCOVERY_TIMEOUT "${arg_DISCOVERY_TIMEOUT}")
    set(discovery_timeout "${arg_DISCOVERY_TIMEOUT}")
  endif()
  _mm_check_pass_through("${caller}")
  if(";${arg_EXTRA_ARGS};" MATCHES ";[A-Z][A-Z_]+;")
    _mm_warn_keyword_like_arguments(mm_gtest_discover_tests "${caller}" EXTRA_ARGS "${arg_EXTRA_ARGS}")
  endif()
  _mm_launcher("${caller}" launcher)
  _mm_results_dir(results_dir)
  set(working_directory "${CMAKE_CURRENT_BINARY_DIR}")
  if(DEFINED arg_WORKING_DIRECTORY)
    set(working_directory "${arg_WORKING_DIRECTORY}")
  endif()
  set(run_serial FALSE)
  if("performance" IN_LIST labels)
    set(run_serial TRUE)
  endif()

  # One set of files per call: a target may be discovered twice with different prefixes.
  get_property(calls DIRECTORY PROPERTY "_MM_GTEST_CALLS_${target}")
  if(NOT calls)
    set(calls 0)
  endif()
  math(EXPR calls "${calls} + 1")
  set_property(DIRECTORY PROPERTY "_MM_GTEST_CALLS_${target}" ${calls})
  set(file_base "${CMAKE_CURRENT_BINARY_DIR}/${target}_mmtest")
  if(calls GREATER 1)
    string(APPEND file_base "_${calls}")
  endif()

  _mm_test_wrappers(wrappers "${target}")

  # MMTestGTest.cmake lives one directory up from this file, wherever mmtest was installed.
  cmake_path(GET CMAKE_CURRENT_FUNCTION_LIST_DIR PARENT_PATH module_dir)
  set(content "# Generated by mm_gtest_discover_tests(${target}): read by ctest, see MMTestGTest.cmake.\n")
  string(APPEND content "include(\"${module_dir}/MMTestGTest.cmake\")\n_mm_gtest_add_tests(\n")
  foreach(pair
      "TARGET;${target}" "EXECUTABLE;$<TARGET_FILE:${target}>" "LAUNCHER;${launcher}"
      "LIST_FILE;${file_base}_list.txt" "RESULTS_DIR;${results_dir}"
      "PREFIX;${arg_TEST_PREFIX}" "SUFFIX;${arg_TEST_SUFFIX}" "MEMORY;${_mm_memory}"
      "MEMORY_MIB;${_mm_memory_mib}" "TIMEOUT;${_mm_timeout}" "CTEST_TIMEOUT;${_mm_ctest_timeout}"
      "COST;${_mm_cost}" "GRACE;${_MM_GRACE_SECONDS}" "CPUS;${cpus}" "CPUS_WHOLE;${cpus_whole}"
      "RUN_SERIAL;${run_serial}" "WORKING_DIRECTORY;${working_directory}"
      "DISCOVERY_TIMEOUT;${discovery_timeout}")
    list(POP_FRONT pair key)
    _mm_bracket(value "${pair}")
    string(APPEND content "  ${key} ${value}\n")
  endforeach()
  # Lists keep their escaped ';' inside one bracket argument; the script splits them itself.
  set(arg_LAUNCHER_FLAGS "${launcher_flags}")
  set(arg_CASE_TIMEOUTS "${case_timeouts}")
  foreach(key LABELS EXTRA_ARGS ENVIRONMENT PROPERTIES LAUNCHER_FLAGS LAUNCHER_ARGS CASE_TIMEOUTS)
    _mm_bracket(value "${arg_${key}}")
    string(APPEND content "  ${key}_LIST ${value}\n")
  endforeach()
  _mm_bracket(value "${wrappers}")
  string(APPEND content "  WRAPPERS_LIST ${value})\n")

  get_property(multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
  if(multi_config)
    file(GENERATE OUTPUT "${file_base}-$<CONFIG>.cmake" CONTENT "${content}")
    _mm_quote_per_config(per_config "${file_base}")
    _mm_quote(not_built "${arg_TEST_PREFIX}${target}_NOT_BUILT")
    file(WRITE "${file_base}.cmake"
      "if(EXISTS ${per_config})\n  include(${per_config})\nelseif(NOT _MM_GTEST_LIST_ONLY)\n  add_test(${not_built} ${not_built})\nendif()\n")
  else()
    file(GENERATE OUTPUT "${file_base}.cmake" CONTENT "${content}")
  endif()
  _mm_hook_directory()
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${file_base}.cmake")
  set_property(GLOBAL APPEND PROPERTY _MM_GTEST_FILES "${file_base}.cmake")
  # The planner finds the cases in the list the last discovery wrote. (Written here rather than
  # by _mm_add_need: quoted values may hold a ';'.)
  _mm_quote(subject "each test of '${target}' (mm_gtest_discover_tests)")
  _mm_quote(list_file "${file_base}_list.txt")
  _mm_quote(prefix "${arg_TEST_PREFIX}")
  _mm_quote(suffix "${arg_TEST_SUFFIX}")
  set_property(GLOBAL APPEND_STRING PROPERTY _MM_MANIFEST
    "_mm_need(${subject} ${_mm_memory_mib} 0 ${_mm_timeout_ceil} ${cpus}${cpus_fixed} CASES ${list_file} ${prefix} ${suffix}${case_timeouts_manifest})\n")
endfunction()

# ---- mm_gtest_add_shards -------------------------------------------------------------------------

function(mm_gtest_add_shards target)
  _mm_constants()
  cmake_parse_arguments(PARSE_ARGV 1 arg
    "ALLOW_LEAKS;PIN_CPUS;FIXED_PROCESSORS"
    "SHARDS;MEMORY;TIMEOUT;PROCESSORS;TEST_PREFIX;WORKING_DIRECTORY"
    "LABELS;EXTRA_ARGS;ENVIRONMENT;PROPERTIES;LAUNCHER_ARGS")
  set(caller "mm_gtest_add_shards(${target})")
  _mm_check_gtest_call("${caller}" "${target}" ${ARGC})
  if(NOT DEFINED arg_SHARDS)
    message(FATAL_ERROR "${caller}: SHARDS is required: how many CTest tests share the test cases")
  endif()
  string(LENGTH "${arg_SHARDS}" shards_length)
  if(NOT arg_SHARDS MATCHES "^0*[1-9][0-9]*$" OR shards_length GREATER 4)
    message(FATAL_ERROR "${caller}: SHARDS expects a count from 1 to 9999, got '${arg_SHARDS}'")
  endif()
  math(EXPR shards "${arg_SHARDS}")
  foreach(entry IN LISTS arg_ENVIRONMENT)
    if(entry MATCHES "^(GTEST_TOTAL_SHARDS|GTEST_SHARD_INDEX)=")
      message(FATAL_ERROR "${caller}: ENVIRONMENT may not set ${CMAKE_MATCH_1}: mm_gtest_add_shards sets it for each shard")
    endif()
  endforeach()

  # Every value is checked once here, so that a mistake names this call, not one of its shards.
  set(labels "${arg_LABELS}")
  list(REMOVE_DUPLICATES labels)
  _mm_resolve_limits("${caller}" "${arg_MEMORY}" "${arg_TIMEOUT}" "${labels}")
  _mm_check_processors("${caller}" cpus)
  _mm_check_pass_through("${caller}")
  if(";${arg_EXTRA_ARGS};" MATCHES ";[A-Z][A-Z_]+;")
    _mm_warn_keyword_like_arguments(mm_gtest_add_shards "${caller}" EXTRA_ARGS "${arg_EXTRA_ARGS}")
  endif()

  set(forwarded "")
  foreach(keyword MEMORY TIMEOUT PROCESSORS WORKING_DIRECTORY)
    if(DEFINED arg_${keyword})
      list(APPEND forwarded ${keyword} "${arg_${keyword}}")
    endif()
  endforeach()
  foreach(flag ALLOW_LEAKS PIN_CPUS FIXED_PROCESSORS)
    if(arg_${flag})
      list(APPEND forwarded ${flag})
    endif()
  endforeach()
  if(labels)
    list(APPEND forwarded LABELS ${labels})
  endif()
  # GoogleTest's own sharding: each process runs the cases whose index modulo the total is its own.
  math(EXPR last "${shards} - 1")
  foreach(index RANGE 0 ${last})
    math(EXPR number "${index} + 1")
    set(name "${arg_TEST_PREFIX}${target}.shard_${number}_of_${shards}")
    add_mm_test(NAME "${name}" COMMAND ${target} ${arg_EXTRA_ARGS}
      ${forwarded}
      ENVIRONMENT ${arg_ENVIRONMENT} "GTEST_TOTAL_SHARDS=${shards}" "GTEST_SHARD_INDEX=${index}"
      LAUNCHER_ARGS --gtest --skip-code=77 ${arg_LAUNCHER_ARGS})
    # A shard that skipped every case exits 77 (--skip-code): CTest shows it Skipped, as its record.
    set_property(TEST "${name}" PROPERTY SKIP_RETURN_CODE 77)
    # One by one, as add_mm_test does: a list value stays one value.
    set(pairs "${arg_PROPERTIES}")
    while(pairs)
      list(POP_FRONT pairs property value)
      set_property(TEST "${name}" PROPERTY "${property}" "${value}")
    endwhile()
  endforeach()
endfunction()
