# cmake -P driver: configures calibration/, whose calibration file gives PROCESSORS, and checks
# what add_mm_test() made of each call through `ctest --show-only=json-v1` and the manifest: a
# calibrated PROCESSORS is the test's declaration (also where add_mm_test's fast path would have
# taken the call), unless the call gives PROCESSORS, says NO_CALIBRATION or pins the test; a
# malformed one stops the configure naming the line and the file.
#   -DMMTEST_MODULE=<MMTest.cmake> -DMMTEST_RUN=<mmtest-run> -DWORK=<dir> -DGENERATOR=<generator>
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
set(source "${CMAKE_CURRENT_LIST_DIR}/calibration")
file(REMOVE_RECURSE "${WORK}")
mm_test_run(configure COMMAND ${CMAKE_COMMAND} -S "${source}" -B "${WORK}/build"
  -G "${GENERATOR}" "-DMMTEST_MODULE=${MMTEST_MODULE}" "-DMMTEST_RUN=${MMTEST_RUN}")
mm_test_expect_not("${configure_err}" "CMake (Error|Warning)" "configure")
mm_test_run(show COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${WORK}/build" --show-only=json-v1)
set(json "${show_out}")

# "<name>: cpus=<mmtest_cpus slots> memory=<MiB> processors=<PROCESSORS or ->" per test (ctest
# lists PROCESSORS only above its default, 1).
set(seen "")
string(JSON test_count LENGTH "${json}" tests)
math(EXPR test_last "${test_count} - 1")
foreach(t RANGE 0 ${test_last})
  string(JSON name GET "${json}" tests ${t} name)
  set(cpus 0)
  set(memory 0)
  set(processors "-")
  mm_test_property("${json}" "${name}" PROCESSORS value)
  if(NOT value STREQUAL "")
    set(processors "${value}")
  endif()
  mm_test_resource_groups("${json}" "${name}" groups)
  foreach(group IN LISTS groups)
    if(group MATCHES "^mmtest_cpus:([0-9]+)$")
      math(EXPR cpus "${cpus} + ${CMAKE_MATCH_1}")
    elseif(group MATCHES "^mmtest_memory_mib:([0-9]+)$")
      math(EXPR memory "${memory} + ${CMAKE_MATCH_1}")
    endif()
  endforeach()
  string(APPEND seen "${name}: cpus=${cpus} memory=${memory} processors=${processors}\n")
endforeach()

file(READ "${WORK}/build/mmtest/manifest.cmake" manifest)
# expect(<name> <slots> <MiB> <PROCESSORS property> <manifest CPUs>)
function(expect name slots memory processors manifest_cpus)
  mm_test_expect("${seen}" "(^| )${name}: cpus=${slots} memory=${memory} processors=${processors} " "show-only")
  mm_test_expect("${manifest}" "_mm_need\\(\"test '${name}'\" ${memory} 0 [0-9]+ ${manifest_cpus}\\)" "manifest")
endfunction()
expect(warm 10 64 - 1)
expect(calibrated 3 64 - 0.3)              # the fast path's combination, yet 0.3 of a CPU
expect(threads 25 64 3 2.5)                # whole CPUs and a half; CTest's PROCESSORS counts 3
expect(explicit 20 64 2 2)                 # the call's PROCESSORS wins
expect(fixed 10 64 - "1 FIXED")
expect(opted_out 10 64 - 1)                # NO_CALIBRATION keeps everything its own
expect(pinned 10 64 - "1 FIXED")           # pinned to a whole CPU of its own, held as declared
expect(bench 10 64 - "1 FIXED")            # a performance test: the same
expect(memory_only 10 96 - 1)              # a line without PROCESSORS: the declaration's 1

# A malformed PROCESSORS in the file: configure stops naming the line and the file.
file(WRITE "${WORK}/bad-calibration.cmake" "mm_calibrated([[calibrated]] MEMORY 64M PROCESSORS 0)\n")
mm_test_run(bad EXPECT_FAILURE COMMAND ${CMAKE_COMMAND} -S "${source}" -B "${WORK}/bad"
  -G "${GENERATOR}" "-DMMTEST_MODULE=${MMTEST_MODULE}" "-DMMTEST_RUN=${MMTEST_RUN}"
  "-DCALIBRATION_FILE=${WORK}/bad-calibration.cmake")
if(bad_rc EQUAL 0)
  message(FATAL_ERROR "a calibration file with PROCESSORS 0 configured:\n${bad_out}\n${bad_err}")
endif()
mm_test_expect("${bad_err}"
  "mm_calibrated\\(calibrated\\) in [^ ]*bad-calibration.cmake: PROCESSORS expects a number of CPUs above zero, got '0'"
  "PROCESSORS 0")
