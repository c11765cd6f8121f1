# Distributed with mmtest.
#[=======================================================================[.rst:
MMTestGTest
-----------

The ctest-time half of :command:`mm_gtest_discover_tests`. Each call of that command generates a
small file that ``CTestTestfile.cmake`` includes; it calls ``_mm_gtest_add_tests()`` below, which

1. runs the GoogleTest executable with ``--gtest_list_tests`` (directly, never under the launcher)
   when the cached list is missing or older than the executable. The ctest-time hook does this
   first, with ``_MM_GTEST_LIST_ONLY`` set, before ``mmtest plan`` reads the lists, so that the
   first ``ctest`` already plans every case;
2. adds one CTest test per test case, run under ``mmtest-run --gtest`` (a case that calls
   ``GTEST_SKIP()`` is recorded as ``skipped``) with ``--gtest_filter=<case>``, with the memory,
   timeout, labels and properties given at configure time, and no ``COST``: ``mmtest plan``
   reads the list file when ctest starts and writes each case's planned cost into CTest's cost
   file, as for :command:`add_mm_test`.

Configure-time values reach it as bracket arguments, so list-valued properties survive intact.
#]=======================================================================]

include_guard(GLOBAL)
cmake_policy(PUSH)
cmake_policy(VERSION 3.25...3.31)

# The record file names, the RESOURCE_GROUPS and mmtest-run's invocation of a test: the same
# functions add_mm_test uses (Command.cmake's use Quote.cmake's).
include("${CMAKE_CURRENT_LIST_DIR}/internal/Names.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/internal/Records.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/internal/Units.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/internal/Resources.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/internal/Quote.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/internal/Command.cmake")

# _mm_gtest_list(<exe> <wrappers> <workdir> <timeout> <list_file> <caller>): runs discovery, under
# the target's test launcher and emulator (<wrappers>) as the tests run, and writes one
# "<Suite>.<Case>" per line to <list_file>.
function(_mm_gtest_list exe wrappers workdir timeout list_file caller)
  execute_process(COMMAND ${wrappers} "${exe}" --gtest_list_tests
    WORKING_DIRECTORY "${workdir}" TIMEOUT ${timeout}
    RESULT_VARIABLE rc OUTPUT_VARIABLE output ERROR_VARIABLE errors)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${caller}: test discovery failed: '${exe} --gtest_list_tests' "
      "exited with '${rc}' (DISCOVERY_TIMEOUT ${timeout} s)\n${output}${errors}")
  endif()
  # Output: "Suite." lines, then "  Case" lines; parameterised ones end in "  # GetParam() = ...".
  string(REPLACE ";" "\\;" output "${output}")
  string(REPLACE "\n" ";" lines "${output}")
  set(suite "")
  set(names "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE " *#.*$" "" line "${line}")
    if(line MATCHES "^([^ ].*)\\.$")
      set(suite "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^  +([^ ]+)$" AND NOT suite STREQUAL "")
      string(APPEND names "${suite}.${CMAKE_MATCH_1}\n")
    endif()
  endforeach()
  string(RANDOM LENGTH 8 suffix)
  file(WRITE "${list_file}.${suffix}.tmp" "${names}")
  file(RENAME "${list_file}.${suffix}.tmp" "${list_file}")
endfunction()

# _mm_gtest_add_case(): adds the test of one case, from the variables _mm_gtest_add_tests() sets
# for it (case, name, timeout, result, launcher_flags) and from its arguments (arg_*), with
# mmtest-run's invocation as _mm_launcher_call() writes it for add_mm_test too. A macro made once
# from that code, which reads the variables when called: it costs a case a few microseconds, where
# calling a function per case would cost about 12 and evaluating the code per case about 18
# (ctest -N of 4,000 cases; all it does for a case takes about 90).
_mm_launcher_call(_mm_call CTEST arg_LAUNCHER name arg_MEMORY timeout arg_GRACE result
  launcher_flags arg_LAUNCHER_ARGS_LIST)
string(CONFIGURE [[
macro(_mm_gtest_add_case)
  add_test("${name}" @_mm_call@ -- ${arg_WRAPPERS_LIST} "${arg_EXECUTABLE}" "--gtest_filter=${case}"
    ${arg_EXTRA_ARGS_LIST})
endmacro()]] _mm_code @ONLY)
cmake_language(EVAL CODE "${_mm_code}")
unset(_mm_call)
unset(_mm_code)

function(_mm_gtest_add_tests)
  cmake_parse_arguments(PARSE_ARGV 0 arg ""
    "TARGET;EXECUTABLE;LAUNCHER;LIST_FILE;RESULTS_DIR;PREFIX;SUFFIX;MEMORY;MEMORY_MIB;TIMEOUT;CTEST_TIMEOUT;COST;GRACE;CPUS;CPUS_WHOLE;RUN_SERIAL;WORKING_DIRECTORY;DISCOVERY_TIMEOUT;LABELS_LIST;EXTRA_ARGS_LIST;ENVIRONMENT_LIST;PROPERTIES_LIST;LAUNCHER_FLAGS_LIST;LAUNCHER_ARGS_LIST;CASE_TIMEOUTS_LIST;WRAPPERS_LIST"
    "")
  set(caller "mm_gtest_discover_tests(${arg_TARGET})")
  if(NOT EXISTS "${arg_EXECUTABLE}")
    # Not built yet: one failing test says so, instead of silently having no tests.
    if(NOT _MM_GTEST_LIST_ONLY)
      add_test("${arg_PREFIX}${arg_TARGET}_NOT_BUILT" "${arg_EXECUTABLE}")
    endif()
    return()
  endif()
  if(NOT EXISTS "${arg_LIST_FILE}" OR "${arg_EXECUTABLE}" IS_NEWER_THAN "${arg_LIST_FILE}")
    _mm_gtest_list("${arg_EXECUTABLE}" "${arg_WRAPPERS_LIST}" "${arg_WORKING_DIRECTORY}"
      "${arg_DISCOVERY_TIMEOUT}" "${arg_LIST_FILE}" "${caller}")
  endif()
  # The ctest-time hook includes this file once before planning, to bring the list up to date.
  if(_MM_GTEST_LIST_ONLY)
    return()
  endif()
  file(STRINGS "${arg_LIST_FILE}" cases)

  _mm_resource_groups(resource_groups "${arg_MEMORY_MIB}" "${arg_CPUS}" 0)
  # --gtest: a case that calls GTEST_SKIP() is recorded as skipped, and mmtest-run exits 77
  # (--skip-code), which SKIP_RETURN_CODE makes CTest show as Skipped. Never a match on the output:
  # a case killed for memory after printing "[  SKIPPED ]" is a failure, as its record says.
  set(launcher_flags "--gtest;--skip-code=77;${arg_LAUNCHER_FLAGS_LIST}")
  foreach(case IN LISTS cases)
    set(name "${arg_PREFIX}${case}${arg_SUFFIX}")
    _mm_result_file(result "${arg_RESULTS_DIR}" "${name}")
    # CASE_TIMEOUTS: the first pattern that matches the case sets its timeout.
    set(timeout "${arg_TIMEOUT}")
    set(ctest_timeout "${arg_CTEST_TIMEOUT}")
    set(patterns "${arg_CASE_TIMEOUTS_LIST}")
    while(patterns)
      list(POP_FRONT patterns regex seconds seconds_for_ctest)
      if(case MATCHES "${regex}")
        set(timeout "${seconds}")
        set(ctest_timeout "${seconds_for_ctest}")
        break()
      endif()
    endwhile()
    # The target's test launcher and emulator run inside mmtest-run, under the budget.
    _mm_gtest_add_case()
    set_tests_properties("${name}" PROPERTIES
      RESOURCE_GROUPS "${resource_groups}"
      TIMEOUT "${ctest_timeout}"
      WORKING_DIRECTORY "${arg_WORKING_DIRECTORY}"
      SKIP_RETURN_CODE 77)
    # No COST: CTest takes it from its cost file, where `mmtest plan` writes the planned order from
    # the cases listed last time. A name that file cannot hold (a prefix or suffix with a space)
    # keeps MiB x timeout, on the same scale.
    _mm_cost_file_can_hold("${name}" in_cost_file)
    if(NOT in_cost_file)
      set_tests_properties("${name}" PROPERTIES COST "${arg_COST}")
    endif()
    if(NOT "${arg_LABELS_LIST}" STREQUAL "")
      set_tests_properties("${name}" PROPERTIES LABELS "${arg_LABELS_LIST}")
    endif()
    if(arg_RUN_SERIAL)
      set_tests_properties("${name}" PROPERTIES RUN_SERIAL TRUE)
    endif()
    if(arg_CPUS_WHOLE GREATER 1)
      set_tests_properties("${name}" PROPERTIES PROCESSORS "${arg_CPUS_WHOLE}")
    endif()
    if(NOT "${arg_ENVIRONMENT_LIST}" STREQUAL "")
      set_tests_properties("${name}" PROPERTIES ENVIRONMENT "${arg_ENVIRONMENT_LIST}")
    endif()
    _mm_case_disabled("${case}" disabled)
    if(disabled)
      set_tests_properties("${name}" PROPERTIES DISABLED TRUE)
    endif()
    set(pairs "${arg_PROPERTIES_LIST}")
    while(pairs)
      list(POP_FRONT pairs property value)
      set_tests_properties("${name}" PROPERTIES "${property}" "${value}")
    endwhile()
  endforeach()
endfunction()

cmake_policy(POP)
