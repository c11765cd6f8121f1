# cmake -P driver: mm_gtest_discover_tests() end to end. Discovery runs the executable directly;
# every test case becomes a CTest test under the launcher with the declared limits and
# properties; a changed executable is discovered again; a missing one is a failing test.
#   -DMMTEST_MODULE=<MMTest.cmake> -DMMTEST_RUN=<mmtest-run> -DSAMPLE=<gtest exe> -DWORK=<dir>
#   -DGENERATOR=<generator> [-DCONFIG=<config>: a multi-config generator; ctest gets -C <config>]
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/MMTestRuntime.cmake")
file(REMOVE_RECURSE "${WORK}")
set(config_args "")
if(DEFINED CONFIG)
  set(config_args -C "${CONFIG}")
endif()

# A fake GoogleTest executable: lists what list.txt says, passes whatever it is asked to run.
file(WRITE "${WORK}/list.txt" "A.\n  one\n")
file(WRITE "${WORK}/fake-gtest.in" "#!/bin/sh\ncase \"$1\" in --gtest_list_tests) cat '${WORK}/list.txt' ;; *) echo \"ran $*\" ;; esac\n")
file(COPY_FILE "${WORK}/fake-gtest.in" "${WORK}/fake-gtest")
file(CHMOD "${WORK}/fake-gtest" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)

mm_test_run(configure COMMAND ${CMAKE_COMMAND} -S "${CMAKE_CURRENT_LIST_DIR}/gtest" -B "${WORK}"
  -G "${GENERATOR}" "-DMMTEST_MODULE=${MMTEST_MODULE}" "-DMMTEST_RUN=${MMTEST_RUN}" "-DSAMPLE=${SAMPLE}")
mm_test_run(show COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${WORK}" ${config_args} --show-only=json-v1)
set(json "${show_out}")

# expect_property(<test> <property> <regex>): the property's JSON text must match.
function(expect_property test property regex)
  mm_test_index("${json}" "${test}" i)
  string(JSON props GET "${json}" tests ${i} properties)
  string(JSON n LENGTH "${props}")
  math(EXPR last "${n} - 1")
  foreach(p RANGE 0 ${last})
    string(JSON pname GET "${props}" ${p} name)
    if(pname STREQUAL property)
      string(JSON value GET "${props}" ${p} value)
      string(REGEX REPLACE "[ \n]" "" value "${value}")
      if(NOT value MATCHES "${regex}")
        message(FATAL_ERROR "${test}: ${property} is ${value}, expected ${regex}")
      endif()
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "${test}: no property ${property} in ${props}")
endfunction()

set(cases gt.Sample.Passes gt.Sample.SeesItsEnvironment gt.Sample.DISABLED_NeverRuns
  gt.Values/ParamTest.Positive/0 gt.Values/ParamTest.Positive/1
  gt.TypedTest/0.DefaultIsZero gt.TypedTest/1.DefaultIsZero gt.Hog.ExceedsItsMemory)
foreach(case IN LISTS cases)
  mm_test_index("${json}" "${case}" i)
  string(JSON command GET "${json}" tests ${i} command)
  string(JSON argv0 GET "${command}" 0)
  string(JSON after_dashes GET "${command}" 7)
  string(JSON filter GET "${command}" 8)
  string(JSON extra GET "${command}" 9)
  string(REGEX REPLACE "^gt\\." "" bare "${case}")
  if(NOT argv0 STREQUAL MMTEST_RUN OR NOT after_dashes STREQUAL SAMPLE
     OR NOT filter STREQUAL "--gtest_filter=${bare}" OR NOT extra STREQUAL "--gtest_color=no")
    message(FATAL_ERROR "${case}: unexpected command ${command}")
  endif()
  expect_property("${case}" RESOURCE_GROUPS "mmtest_memory_mib\",\"slots\":64")
  expect_property("${case}" TIMEOUT "^35")
  expect_property("${case}" LABELS "^\\[\"unit\"\\]$")
  expect_property("${case}" ATTACHED_FILES "^\\[\".*a.txt\",\".*b.txt\"\\]$")
  expect_property("${case}" ENVIRONMENT "MM_SAMPLE=1")
endforeach()
expect_property(gt.Sample.DISABLED_NeverRuns DISABLED "^(ON|TRUE|true)$")
expect_property(fake.A.one LABELS "integration")
expect_property(fake.A.one TIMEOUT "^315")
mm_test_index("${json}" missing_NOT_BUILT not_built)

# Run the real ones: all pass but the hog, which the launcher kills and explains.
mm_test_run(run EXPECT_FAILURE COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${WORK}" ${config_args} -R "^gt\\." -j4 --output-on-failure)
# The hook found mmtest-plan (per configuration with a multi-config generator); GoogleTest cases
# keep their COST, so there is no add_mm_test test to plan.
mm_test_expect("${run_err}" "mmtest: no test to plan for the [0-9]+ MiB budget" "planner line")
foreach(case IN LISTS cases)
  mm_test_regex_escape(case_regex "${case}")
  if(case STREQUAL "gt.Hog.ExceedsItsMemory")
    mm_test_expect("${run_out}" "${case_regex} \\.+\\*+Failed" "hog result")
  elseif(case MATCHES "DISABLED_")
    mm_test_expect("${run_out}" "${case_regex} \\.+\\*+Not Run \\(Disabled\\)" "disabled result")
  else()
    mm_test_expect("${run_out}" "${case_regex} \\.+ +Passed" "result of ${case}")
  endif()
endforeach()
mm_test_expect("${run_out}" "mmtest: gt\\.Hog\\.ExceedsItsMemory killed: memory .* exceeded budget 64\\.0 MiB" "hog diagnosis")
_mm_result_file(record "${WORK}/mmtest-results" gt.Hog.ExceedsItsMemory)
file(READ "${record}" record_json)
string(JSON outcome GET "${record_json}" outcome)
if(NOT outcome STREQUAL "memory")
  message(FATAL_ERROR "hog record outcome '${outcome}', expected 'memory'")
endif()

# A changed executable is listed again on the next ctest, without reconfiguring.
file(WRITE "${WORK}/list.txt" "A.\n  one\n  two\nB/0.  # TypeParam = int\n  three\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E sleep 1.1)
file(TOUCH "${WORK}/fake-gtest")
mm_test_run(again COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${WORK}" ${config_args} -R "^fake\\." -V)
mm_test_expect("${again_out}" "fake\\.A\\.two \\.+ +Passed" "rediscovered test")
mm_test_expect("${again_out}" "ran --gtest_filter=B/0\\.three" "rediscovered typed test")
mm_test_expect("${again_out}" "100% tests passed, 0 tests failed out of 3" "rediscovered count")
