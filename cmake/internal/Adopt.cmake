# Distributed with mmtest. Private part of MMTestAdopt.cmake: an unmodified CTest project's tests
# run under mmtest-run. Three moments:
#
#   add_test()       (replaced while the project configures) runs the test's command under
#                    `mmtest-run --options-from-environment --`, or notes a program that is not a
#                    target yet (a target defined after its test) for the door at the end;
#   each directory's end: the test's properties are final there, so its own options (name,
#                    memory, timeout, record) go into its ENVIRONMENT as MMTEST_RUN_OPTIONS, its
#                    RESOURCE_GROUPS, TIMEOUT and LABELS are completed, and its need goes into the
#                    manifest (CMake 3.25 reads a test's properties only in its own directory);
#   the top-level end: the doors (TEST_LAUNCHER from CMake 3.29, CROSSCOMPILING_EMULATOR before),
#                    the tests that could not be supervised named once, the hook and manifest
#                    written (Hook.cmake's _mm_finish).
#
# gtest_discover_tests() calls become mm_gtest_discover_tests() calls: a variable_watch on the
# variable GoogleTest.cmake sets last replaces the command each time the module is included.

include_guard(GLOBAL)

# _mm_adopt_start(): once, from MMTestAdopt.cmake at the top-level project() call.
function(_mm_adopt_start)
  set_property(GLOBAL PROPERTY _MM_ADOPTING TRUE)
  # The hook and manifest are written once, after every directory's adopted tests: by the top-level
  # end below, never by the first add_mm_test or mm_gtest_discover_tests (Hook.cmake).
  set_property(GLOBAL PROPERTY _MM_FINISH_SCHEDULED TRUE)
  cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" ID_VAR id CALL _mm_adopt_finish)
  set_property(GLOBAL PROPERTY _MM_ADOPT_FINISH_ID "${id}")

  # The launcher's file: adopted commands and doors hold a path, not a generator expression, as
  # add_test's old signature and the emulator of CMake 3.25 evaluate none.
  if(NOT "${MMTEST_RUN}" STREQUAL "")
    set(launcher "${MMTEST_RUN}")
  elseif(TARGET mmtest::run)
    get_target_property(launcher mmtest::run LOCATION)
  else()
    message(FATAL_ERROR "MMTestAdopt.cmake: the launcher target mmtest::run does not exist and MMTEST_RUN is not set")
  endif()
  set_property(GLOBAL PROPERTY _MM_ADOPT_LAUNCHER "${launcher}")

  # The declarations: the calibration file, by default beside the build's CMakeCache.txt.
  if("${MMTEST_CALIBRATION_FILE}" STREQUAL "")
    set(MMTEST_CALIBRATION_FILE "${CMAKE_BINARY_DIR}/mmtest-calibration.cmake")
    set(MMTEST_CALIBRATION_FILE "${MMTEST_CALIBRATION_FILE}" PARENT_SCOPE)
  endif()
  _mm_read_calibration()

  # GoogleTest.cmake sets this variable after defining gtest_discover_tests(), each time it is
  # included; a project that included it before project() has the command already.
  variable_watch(_GOOGLETEST_DISCOVER_TESTS_SCRIPT _mm_adopt_googletest_included)
  if(COMMAND gtest_discover_tests)
    _mm_adopt_replace_gtest_discover_tests()
  endif()
endfunction()

# ---- add_test ----------------------------------------------------------------------------------

# The project's add_test(): the same test, its command run under the launcher. The original
# command is _add_test (CMake keeps a replaced command under that name).
function(add_test)
  get_property(inside GLOBAL PROPERTY _MM_ADOPT_IN_ADD_TEST)
  if(inside)
    message(FATAL_ERROR "MMTestAdopt.cmake: add_test() was replaced twice (the project or another "
      "CMAKE_PROJECT_TOP_LEVEL_INCLUDES file defines its own add_test): mmtest cannot adopt this project's tests")
  endif()
  set_property(GLOBAL PROPERTY _MM_ADOPT_IN_ADD_TEST TRUE)
  # Every argument as given, ARGV<i> one by one: ${ARGV} would lose empty ones and split at a ';'.
  if(ARGC EQUAL 0)
    set_property(GLOBAL PROPERTY _MM_ADOPT_IN_ADD_TEST FALSE)
    _add_test()
    return()
  endif()
  math(EXPR last "${ARGC} - 1")
  get_property(launcher GLOBAL PROPERTY _MM_ADOPT_LAUNCHER)
  set(code "")
  set(name "")
  set(how "")
  if(ARGC GREATER 0 AND "${ARGV0}" STREQUAL "NAME")
    # add_test(NAME <name> COMMAND <command>... [CONFIGURATIONS ...] [WORKING_DIRECTORY <dir>]
    #          [COMMAND_EXPAND_LISTS]), keywords in any order.
    set(mode "")
    set(command_index -1)
    foreach(i RANGE 0 ${last})
      set(word "${ARGV${i}}")
      if(word MATCHES "^(NAME|COMMAND|CONFIGURATIONS|WORKING_DIRECTORY|COMMAND_EXPAND_LISTS)$")
        set(mode "${word}")
        if(mode STREQUAL "COMMAND")
          math(EXPR command_index "${i} + 1")
        endif()
        string(APPEND code " ${word}")
        continue()
      endif()
      if(mode STREQUAL "NAME")
        set(name "${word}")
      endif()
      _mm_quote(quoted "${word}")
      if(mode STREQUAL "COMMAND" AND i EQUAL command_index)
        _mm_adopt_program("${word}" "${launcher}" quoted how)
      endif()
      string(APPEND code " ${quoted}")
    endforeach()
  elseif(ARGC GREATER 1)
    # add_test(<name> <command> <arg>...): no target names, no generator expressions.
    set(name "${ARGV0}")
    foreach(i RANGE 0 ${last})
      _mm_quote(quoted "${ARGV${i}}")
      if(i EQUAL 1)
        _mm_quote(quoted_launcher "${launcher}")
        string(APPEND code " ${quoted_launcher} --options-from-environment --")
        set(how command)
      endif()
      string(APPEND code " ${quoted}")
    endforeach()
  else()
    # Wrong calls reach add_test itself, which says what is wrong.
    foreach(i RANGE 0 ${last})
      _mm_quote(quoted "${ARGV${i}}")
      string(APPEND code " ${quoted}")
    endforeach()
  endif()
  cmake_language(EVAL CODE "_add_test(${code})")
  set_property(GLOBAL PROPERTY _MM_ADOPT_IN_ADD_TEST FALSE)

  if(NOT "${how}" STREQUAL "" AND NOT "${name}" STREQUAL "")
    set_property(GLOBAL PROPERTY "_MM_ADOPT_HOW_${CMAKE_CURRENT_SOURCE_DIR}|${name}" "${how}")
    get_property(scheduled DIRECTORY PROPERTY _MM_ADOPT_DIRECTORY_SCHEDULED)
    if(NOT scheduled)
      set_property(DIRECTORY PROPERTY _MM_ADOPT_DIRECTORY_SCHEDULED TRUE)
      cmake_language(DEFER CALL _mm_adopt_directory_end 0)
    endif()
  endif()
endfunction()

# _mm_adopt_program(<program> <launcher> <out_code> <out_how>): how add_test(NAME) runs
# <program>, its command's first word. <out_code>: the code that replaces the word in the call;
# <out_how>: "command" (run under the launcher), "door;<name>" (a bare name that is no target nor
# program on PATH yet, most likely a target defined after this test: its launcher or emulator, at
# the end) or "" (add_mm_test's own command, already supervised).
function(_mm_adopt_program program launcher out_code out_how)
  _mm_quote(quoted_launcher "${launcher}")
  _mm_quote(quoted_program "${program}")
  set(code "${quoted_launcher} --options-from-environment --")
  set(how command)
  if(program STREQUAL launcher OR program STREQUAL "$<TARGET_FILE:mmtest::run>"
      OR (NOT "${MMTEST_RUN}" STREQUAL "" AND program STREQUAL MMTEST_RUN))
    set(code "${quoted_program}")
    set(how "")
  elseif(TARGET "${program}")
    get_target_property(type "${program}" TYPE)
    if(type STREQUAL "EXECUTABLE")
      # add_test would run the target's file under its TEST_LAUNCHER and emulator: mmtest-run runs
      # them, inside the budget, as add_mm_test does (Command.cmake).
      _mm_test_wrappers(wrappers "${program}")
      foreach(word IN LISTS wrappers)
        _mm_command_word(quoted "${word}")
        string(APPEND code " ${quoted}")
      endforeach()
      _mm_quote(quoted_program "$<TARGET_FILE:${program}>")
    endif()
    string(APPEND code " ${quoted_program}")
  elseif(NOT program MATCHES "[/$]")
    # A bare name: a program on PATH, or a target the project defines after this test.
    get_property(found GLOBAL PROPERTY "_MM_ADOPT_ON_PATH_${program}")
    if("${found}" STREQUAL "")
      find_program(on_path NAMES "${program}" NO_CACHE NO_CMAKE_PATH NO_CMAKE_ENVIRONMENT_PATH
        NO_CMAKE_SYSTEM_PATH NO_CMAKE_INSTALL_PREFIX)
      if(on_path)
        set(found TRUE)
      else()
        set(found FALSE)
      endif()
      set_property(GLOBAL PROPERTY "_MM_ADOPT_ON_PATH_${program}" "${found}")
    endif()
    if(found)
      string(APPEND code " ${quoted_program}")
    else()
      set(code "${quoted_program}")
      set(how "door;${program}")
    endif()
  else()
    string(APPEND code " ${quoted_program}")
  endif()
  set(${out_code} "${code}" PARENT_SCOPE)
  set(${out_how} "${how}" PARENT_SCOPE)
endfunction()

# ---- Each directory's end: the tests' own options --------------------------------------------------

# _mm_adopt_directory_end(<round>): deferred to the end of a directory with adopted tests, after
# the project's own deferred calls there (it goes to the back of the queue while there are any).
function(_mm_adopt_directory_end round)
  cmake_language(DEFER GET_CALL_IDS pending)
  # In the top-level directory the top-level end waits for this one, not the other way round.
  get_property(finish_id GLOBAL PROPERTY _MM_ADOPT_FINISH_ID)
  list(REMOVE_ITEM pending "${finish_id}")
  if(NOT "${pending}" STREQUAL "" AND round LESS 20)
    math(EXPR round "${round} + 1")
    # (A deferred call's arguments are evaluated when it runs: the count is written in.)
    cmake_language(EVAL CODE "cmake_language(DEFER CALL _mm_adopt_directory_end ${round})")
    return()
  endif()
  _mm_constants()
  get_property(tests DIRECTORY PROPERTY TESTS)
  foreach(name IN LISTS tests)
    get_property(how GLOBAL PROPERTY "_MM_ADOPT_HOW_${CMAKE_CURRENT_SOURCE_DIR}|${name}")
    get_property(done GLOBAL PROPERTY "_MM_ADOPT_DONE_${CMAKE_CURRENT_SOURCE_DIR}|${name}")
    if("${how}" STREQUAL "" OR done)
      continue()  # an mmtest test, or one the top-level end names
    endif()
    set_property(GLOBAL PROPERTY "_MM_ADOPT_DONE_${CMAKE_CURRENT_SOURCE_DIR}|${name}" TRUE)
    if(how MATCHES "^door;(.*)$")
      # Whether the program became a target is known at the top-level end, which sets its door.
      set_property(GLOBAL APPEND PROPERTY _MM_ADOPT_DOORS "${CMAKE_CURRENT_SOURCE_DIR}|${name}")
    endif()
    _mm_adopt_supervise("${name}")
  endforeach()
endfunction()

# _mm_adopt_declared(<name> <prefix>): what the declarations (mm_calibrated() lines) give the test
# <name>: <prefix>_memory, _timeout, _processors, _labels in the caller's scope, each empty when
# none says. The line for the exact name first, then the patterns in the order written; each
# field from the first that gives it, the labels of all of them.
function(_mm_adopt_declared name prefix)
  set(memory "")
  set(timeout "")
  set(processors "")
  set(labels "")
  get_property(exact GLOBAL PROPERTY "_MM_DECLARED_${name}")
  set(found "")
  if(NOT "${exact}" STREQUAL "")
    list(APPEND found "${exact}")
  endif()
  get_property(patterns GLOBAL PROPERTY _MM_DECLARED_PATTERNS)
  foreach(pattern IN LISTS patterns)
    get_property(regex GLOBAL PROPERTY "_MM_DECLARED_REGEX_${pattern}")
    if(name MATCHES "${regex}")
      get_property(entry GLOBAL PROPERTY "_MM_DECLARED_${pattern}")
      list(APPEND found "${entry}")
    endif()
  endforeach()
  foreach(entry IN LISTS found)
    # <memory>|<timeout>|<processors>|<labels joined by ','>
    string(REPLACE "|" ";" fields "${entry}|")
    list(GET fields 0 entry_memory)
    list(GET fields 1 entry_timeout)
    list(GET fields 2 entry_processors)
    list(GET fields 3 entry_labels)
    foreach(field memory timeout processors)
      if("${${field}}" STREQUAL "" AND NOT "${entry_${field}}" STREQUAL "")
        set(${field} "${entry_${field}}")
      endif()
    endforeach()
    string(REPLACE "," ";" entry_labels "${entry_labels}")
    list(APPEND labels ${entry_labels})
  endforeach()
  list(REMOVE_DUPLICATES labels)
  foreach(field memory timeout processors labels)
    set(${prefix}_${field} "${${field}}" PARENT_SCOPE)
  endforeach()
endfunction()

# _mm_adopt_supervise(<name>): the test <name> of the current directory, run under the launcher,
# gets its options, resources, timeout, labels and manifest line from its final properties and
# the declarations.
function(_mm_adopt_supervise name)
  foreach(property TIMEOUT LABELS PROCESSORS RESOURCE_GROUPS ENVIRONMENT SKIP_RETURN_CODE
      PASS_REGULAR_EXPRESSION FAIL_REGULAR_EXPRESSION SKIP_REGULAR_EXPRESSION)
    get_property(own_${property} TEST "${name}" PROPERTY ${property})
  endforeach()
  _mm_adopt_declared("${name}" declared)
  set(caller "mm_calibrated(${name}) for the adopted test '${name}'")

  # TIMEOUT: declared, else the test's own CTest TIMEOUT, else its labels' or the default
  # (_mm_resolve_limits). Only labels mmtest knows have a timeout; the others are the project's.
  set(timeout "${declared_timeout}")
  if("${timeout}" STREQUAL "" AND NOT "${own_TIMEOUT}" STREQUAL "")
    _mm_seconds_error("${own_TIMEOUT}" error)
    if("${error}" STREQUAL "")
      set(timeout "${own_TIMEOUT}")
    endif()
  endif()
  set(labels ${own_LABELS} ${declared_labels})
  list(REMOVE_DUPLICATES labels)
  set(known_labels "")
  foreach(label IN LISTS labels)
    get_property(known GLOBAL PROPERTY "_MM_LABEL_KNOWN_${label}")
    if(known)
      list(APPEND known_labels "${label}")
    endif()
  endforeach()
  _mm_resolve_limits("${caller}" "${declared_memory}" "${timeout}" "${known_labels}")

  set(cpus 1)
  if(NOT "${declared_processors}" STREQUAL "")
    set(cpus "${declared_processors}")
    set_property(TEST "${name}" PROPERTY PROCESSORS "${cpus}")
  elseif(own_PROCESSORS MATCHES "^0*[1-9][0-9]?[0-9]?[0-9]?[0-9]?[0-9]?$")
    math(EXPR cpus "${own_PROCESSORS}")
  endif()

  # The launcher's options, one a line (mmtest-run --options-from-environment).
  _mm_results_dir(results_dir)
  _mm_result_file(result_file "${results_dir}" "${name}")
  # Labels reach the record as one comma-separated option: those with a comma stay out of it.
  set(record_labels "${labels}")
  list(FILTER record_labels EXCLUDE REGEX "[,\n]|^$")
  _mm_launcher_flags(flags FALSE FALSE "${record_labels}" "${declared_memory}")
  if(NOT "${own_PASS_REGULAR_EXPRESSION}${own_FAIL_REGULAR_EXPRESSION}${own_SKIP_REGULAR_EXPRESSION}" STREQUAL "")
    # The project's regular expressions see the test's output alone, without measurement tags.
    list(REMOVE_ITEM flags --measurements)
  endif()
  if(NOT "${own_SKIP_RETURN_CODE}" STREQUAL "")
    # Matched first: if() evaluates parentheses before MATCHES sets CMAKE_MATCH_1.
    set(code "")
    if(own_SKIP_RETURN_CODE MATCHES "^0*([1-9][0-9]?[0-9]?)$")
      set(code "${CMAKE_MATCH_1}")
    endif()
    if(NOT code STREQUAL "" AND code LESS_EQUAL 255 AND (code LESS 121 OR code GREATER 127))
      list(APPEND flags "--skip-code=${code}")
    else()
      set_property(GLOBAL APPEND PROPERTY _MM_ADOPT_NOTES
        "test '${name}': its SKIP_RETURN_CODE ${own_SKIP_RETURN_CODE} is not an exit code mmtest-run can tell from its own (121 to 127): its record says failed when CTest says skipped")
    endif()
  endif()
  set(options "--name=${name}" "--memory=${_mm_memory}" "--timeout=${_mm_timeout}"
    "--grace=${_MM_GRACE_SECONDS}" "--result=${result_file}" ${flags})
  list(JOIN options "\n" options)
  # A ';' in a name or path stays inside the one ENVIRONMENT entry.
  string(REPLACE ";" "\\;" options "${options}")
  set_property(TEST "${name}" PROPERTY ENVIRONMENT ${own_ENVIRONMENT} "MMTEST_RUN_OPTIONS=${options}")

  # CTest's TIMEOUT after the launcher's, so that the launcher stops the test and reports first.
  set_property(TEST "${name}" PROPERTY TIMEOUT "${_mm_ctest_timeout}")
  # The project's resource groups stay; mmtest's are added.
  _mm_resource_groups(groups "${_mm_memory_mib}" "${cpus}" 0)
  set_property(TEST "${name}" PROPERTY RESOURCE_GROUPS ${own_RESOURCE_GROUPS} ${groups})
  if(NOT "${declared_labels}" STREQUAL "")
    set_property(TEST "${name}" PROPERTY LABELS "${labels}")
  endif()
  if("performance" IN_LIST known_labels)
    set_property(TEST "${name}" PROPERTY RUN_SERIAL TRUE)
  endif()
  _mm_add_need("test '${name}'" "${_mm_memory_mib}" 0 "${_mm_timeout_ceil}" "${cpus}")
  get_property(count GLOBAL PROPERTY _MM_ADOPT_SUPERVISED)
  if("${count}" STREQUAL "")
    set(count 0)
  endif()
  math(EXPR count "${count} + 1")
  set_property(GLOBAL PROPERTY _MM_ADOPT_SUPERVISED ${count})
endfunction()

# ---- The top-level end: doors, what could not be supervised, the hook ------------------------------

# _mm_adopt_finish(<round>): deferred to the end of the top-level directory at project(); goes to
# the back of the queue while other calls are pending there (the top-level directory's own end
# above, the project's).
function(_mm_adopt_finish)
  set(round 0)
  if(ARGC GREATER 0)
    set(round "${ARGV0}")
  endif()
  cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" GET_CALL_IDS pending)
  if(NOT "${pending}" STREQUAL "" AND round LESS 20)
    math(EXPR round "${round} + 1")
    cmake_language(EVAL CODE "cmake_language(DEFER DIRECTORY \"\${CMAKE_SOURCE_DIR}\" ID_VAR id CALL _mm_adopt_finish ${round})")
    set_property(GLOBAL PROPERTY _MM_ADOPT_FINISH_ID "${id}")
    return()
  endif()
  get_property(launcher GLOBAL PROPERTY _MM_ADOPT_LAUNCHER)
  get_property(notes GLOBAL PROPERTY _MM_ADOPT_NOTES)

  # Tests whose first word was a bare name, neither a target nor on PATH when they were added.
  get_property(doors GLOBAL PROPERTY _MM_ADOPT_DOORS)
  set(not_opened 0)
  foreach(key IN LISTS doors)
    get_property(how GLOBAL PROPERTY "_MM_ADOPT_HOW_${key}")
    string(REGEX REPLACE "^door;" "" program "${how}")
    string(REGEX REPLACE "^.*\\|" "" name "${key}")
    set(type "")
    if(TARGET "${program}")
      get_target_property(type "${program}" TYPE)
    endif()
    if(NOT type STREQUAL "EXECUTABLE")
      list(APPEND notes "test '${name}': runs '${program}', which was neither a target nor a program on PATH when the test was added: not run under mmtest-run (its memory is still budgeted)")
      math(EXPR not_opened "${not_opened} + 1")
      continue()
    endif()
    get_property(opened GLOBAL PROPERTY "_MM_ADOPT_DOOR_OPEN_${program}")
    if(opened)
      continue()
    endif()
    set_property(GLOBAL PROPERTY "_MM_ADOPT_DOOR_OPEN_${program}" TRUE)
    # CTest runs a test whose command starts with an executable target's name under the
    # target's TEST_LAUNCHER (CMake 3.29 and later), else under its CROSSCOMPILING_EMULATOR: the
    # launcher goes first there, taking each test's options from its ENVIRONMENT, and runs what
    # was there after it. Run by anything but such a test (a custom command running the target
    # under its emulator), the launcher finds no options and runs the command as it is.
    if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.29)
      set(door TEST_LAUNCHER)
    else()
      set(door CROSSCOMPILING_EMULATOR)
    endif()
    get_property(previous TARGET "${program}" PROPERTY ${door})
    set_property(TARGET "${program}" PROPERTY ${door} "${launcher}" --options-from-environment -- ${previous})
  endforeach()

  # Tests added when ctest starts by an include file that is not mmtest's nor replaced by it
  # (catch_discover_tests, doctest_discover_tests, gtest_discover_tests before adoption...).
  get_property(gtest_files GLOBAL PROPERTY _MM_GTEST_FILES)
  set(pending_dirs "${CMAKE_SOURCE_DIR}")
  while(pending_dirs)
    list(POP_FRONT pending_dirs dir)
    get_property(includes DIRECTORY "${dir}" PROPERTY TEST_INCLUDE_FILES)
    foreach(file IN LISTS includes)
      if(NOT file IN_LIST gtest_files)
        get_property(named GLOBAL PROPERTY "_MM_ADOPT_NAMED_INCLUDE_${file}")
        if(NOT named)
          list(APPEND notes "the tests that ${file} adds when ctest starts (a discovery mmtest does not replace): not run under mmtest-run")
        endif()
      endif()
    endforeach()
    # Tests add_test() never saw (added before adoption began).
    get_property(tests DIRECTORY "${dir}" PROPERTY TESTS)
    foreach(name IN LISTS tests)
      get_property(how GLOBAL PROPERTY "_MM_ADOPT_HOW_${dir}|${name}")
      get_property(first_dir GLOBAL PROPERTY "_MM_TEST_DEFINED_IN_${name}")
      if("${how}" STREQUAL "" AND "${first_dir}" STREQUAL "")
        list(APPEND notes "test '${name}' (in ${dir}): added before mmtest's add_test() was in place: not run under mmtest-run")
      endif()
    endforeach()
    get_property(subdirectories DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
    list(APPEND pending_dirs ${subdirectories})
  endwhile()

  get_property(supervised GLOBAL PROPERTY _MM_ADOPT_SUPERVISED)
  get_property(gtest_calls GLOBAL PROPERTY _MM_ADOPT_GTEST_CALLS)
  if("${supervised}" STREQUAL "")
    set(supervised 0)
  endif()
  math(EXPR supervised "${supervised} - ${not_opened}")
  if("${gtest_calls}" STREQUAL "")
    set(gtest_calls 0)
  endif()
  list(LENGTH notes unsupervised)
  # What adoption did, in the build tree, and one line on the configure output.
  set(report "# Written by MMTestAdopt.cmake at each configure.\nsupervised ${supervised}\ngtest_discover_tests ${gtest_calls}\n")
  foreach(note IN LISTS notes)
    string(APPEND report "not supervised: ${note}\n")
  endforeach()
  _mm_write_if_changed("${CMAKE_BINARY_DIR}/mmtest/adopted.txt" "${report}")
  message(STATUS "mmtest: adopted ${supervised} tests and ${gtest_calls} gtest_discover_tests() calls; "
    "records in ${CMAKE_BINARY_DIR}/mmtest-results")
  if(notes)
    list(JOIN notes "\n  " text)
    message(AUTHOR_WARNING "mmtest: ${unsupervised} of this project's tests or test sources are not supervised:\n  ${text}\n"
      "(listed in ${CMAKE_BINARY_DIR}/mmtest/adopted.txt)")
  endif()
  _mm_finish()
endfunction()

# ---- gtest_discover_tests --------------------------------------------------------------------------

# The variable_watch callback: GoogleTest.cmake has just (re)defined gtest_discover_tests().
function(_mm_adopt_googletest_included variable access)
  if(access MATCHES "MODIFIED_ACCESS$")
    _mm_adopt_replace_gtest_discover_tests()
  endif()
endfunction()

# Replaces gtest_discover_tests() by mmtest's; GoogleTest's stays callable as
# _gtest_discover_tests, for the calls mmtest cannot take over.
function(_mm_adopt_replace_gtest_discover_tests)
  # As GoogleTest.cmake parses it: ${ARGV}, where empty arguments are lost anyway.
  cmake_language(EVAL CODE "function(gtest_discover_tests)\n  _mm_adopt_gtest_discover_tests(\${ARGV})\nendfunction()")
endfunction()

# _mm_adopt_gtest_discover_tests(<target> <gtest_discover_tests arguments>...): the call made
# with mm_gtest_discover_tests(), each case a test under mmtest-run; or, when it uses what that
# command has not, GoogleTest's own, named with the reason.
function(_mm_adopt_gtest_discover_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_PRETTY_TYPES;NO_PRETTY_VALUES"
    "TEST_PREFIX;TEST_SUFFIX;WORKING_DIRECTORY;TEST_LIST;DISCOVERY_TIMEOUT;XML_OUTPUT_DIR;DISCOVERY_MODE"
    "EXTRA_ARGS;PROPERTIES;TEST_FILTER")
  set(reasons "")
  if(arg_UNPARSED_ARGUMENTS)
    list(JOIN arg_UNPARSED_ARGUMENTS " " unparsed)
    list(APPEND reasons "arguments mmtest does not know ('${unparsed}')")
  endif()
  foreach(keyword TEST_FILTER XML_OUTPUT_DIR)
    if(DEFINED arg_${keyword})
      list(APPEND reasons "${keyword}")
    endif()
  endforeach()
  set(args "")
  foreach(keyword TEST_PREFIX TEST_SUFFIX WORKING_DIRECTORY DISCOVERY_TIMEOUT)
    if(DEFINED arg_${keyword})
      list(APPEND args ${keyword} "${arg_${keyword}}")
    endif()
  endforeach()
  if(DEFINED arg_EXTRA_ARGS)
    list(APPEND args EXTRA_ARGS ${arg_EXTRA_ARGS})
  endif()

  # The properties: those mm_gtest_discover_tests sets itself become its keywords.
  _mm_adopt_declared("${target}" declared)
  set(memory "${declared_memory}")
  set(timeout "${declared_timeout}")
  set(processors "${declared_processors}")
  set(labels "${declared_labels}")
  set(environment "")
  set(properties "")
  set(pairs "${arg_PROPERTIES}")
  while(pairs)
    list(POP_FRONT pairs property value)
    if(property STREQUAL "LABELS")
      list(APPEND labels ${value})
    elseif(property STREQUAL "TIMEOUT")
      _mm_seconds_error("${value}" error)
      if(error)
        list(APPEND reasons "PROPERTIES TIMEOUT '${value}'")
      elseif("${timeout}" STREQUAL "")
        set(timeout "${value}")
      endif()
    elseif(property STREQUAL "ENVIRONMENT")
      list(APPEND environment ${value})
    elseif(property STREQUAL "WORKING_DIRECTORY")
      list(APPEND args WORKING_DIRECTORY "${value}")
    elseif(property STREQUAL "PROCESSORS")
      if("${processors}" STREQUAL "")
        set(processors "${value}")
      endif()
    elseif(property MATCHES "^(RESOURCE_GROUPS|WILL_FAIL|SKIP_RETURN_CODE)$")
      list(APPEND reasons "PROPERTIES ${property}")
    else()
      list(APPEND properties "${property}" "${value}")
    endif()
  endwhile()
  list(REMOVE_DUPLICATES labels)
  foreach(label IN LISTS labels)
    if(NOT label MATCHES "^[A-Za-z][A-Za-z0-9_.-]*$")
      list(APPEND reasons "the label '${label}' (mmtest labels are letters, digits, '_', '.' and '-')")
    endif()
  endforeach()

  get_property(count GLOBAL PROPERTY _MM_ADOPT_GTEST_CALLS)
  if(reasons)
    # GoogleTest's own call, its tests named once at the top-level end with the reason.
    get_property(before DIRECTORY PROPERTY TEST_INCLUDE_FILES)
    _gtest_discover_tests(${target} ${ARGN})
    get_property(after DIRECTORY PROPERTY TEST_INCLUDE_FILES)
    list(REMOVE_ITEM after ${before})
    foreach(file IN LISTS after)
      set_property(GLOBAL PROPERTY "_MM_ADOPT_NAMED_INCLUDE_${file}" TRUE)
    endforeach()
    list(JOIN reasons ", " reasons)
    set_property(GLOBAL APPEND PROPERTY _MM_ADOPT_NOTES
      "the tests of gtest_discover_tests(${target}) in ${CMAKE_CURRENT_SOURCE_DIR}: it uses ${reasons}, which mm_gtest_discover_tests() has not: left to GoogleTest, not run under mmtest-run")
    return()
  endif()
  foreach(label IN LISTS labels)
    get_property(known GLOBAL PROPERTY "_MM_LABEL_KNOWN_${label}")
    if(NOT known)
      mm_register_labels("${label}")
    endif()
  endforeach()
  foreach(keyword MEMORY TIMEOUT PROCESSORS)
    string(TOLOWER "${keyword}" variable)
    if(NOT "${${variable}}" STREQUAL "")
      list(APPEND args ${keyword} "${${variable}}")
    endif()
  endforeach()
  if(labels)
    list(APPEND args LABELS ${labels})
  endif()
  if(environment)
    list(APPEND args ENVIRONMENT ${environment})
  endif()
  if(properties)
    list(APPEND args PROPERTIES ${properties})
  endif()
  mm_gtest_discover_tests(${target} ${args})
  if("${count}" STREQUAL "")
    set(count 0)
  endif()
  math(EXPR count "${count} + 1")
  set_property(GLOBAL PROPERTY _MM_ADOPT_GTEST_CALLS ${count})
endfunction()
