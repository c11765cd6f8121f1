# cmake -P driver: mmtest's MMTEST_GTEST option and the package's components when the GoogleTest
# side was not built. Configures mmtest's own source (no build), with tests and install off.
#   -DMMTEST_SOURCE=<mmtest source dir> -DWORK=<dir> -DGENERATOR=<generator> [-DBUILD_TOOL=ON]
# With BUILD_TOOL, also builds the mmtest tool of the build without prometheus-cpp (a minute or
# two) and checks that `mmtest report` refuses --prometheus and --push in one line, exit code 2,
# before reading anything, and still reports.
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
file(REMOVE_RECURSE "${WORK}")
set(common -S "${MMTEST_SOURCE}" -G "${GENERATOR}" -DMMTEST_BUILD_TESTS=OFF)

# A value that is not AUTO, ON or OFF.
mm_test_run(bad EXPECT_FAILURE COMMAND ${CMAKE_COMMAND} ${common} -B "${WORK}/bad" -DMMTEST_GTEST=maybe)
if(bad_rc EQUAL 0)
  message(FATAL_ERROR "MMTEST_GTEST=maybe was accepted")
endif()
mm_test_expect("${bad_err}" "mmtest: MMTEST_GTEST expects AUTO, ON or OFF, got 'maybe'" "bad value")

# AUTO without prometheus-cpp: one line says what is not built and why; the rest configures.
mm_test_run(auto COMMAND ${CMAKE_COMMAND} ${common} -B "${WORK}/auto" -DCMAKE_DISABLE_FIND_PACKAGE_prometheus-cpp=ON)
mm_test_expect("${auto_out}" "-- mmtest: mmtest::metrics, mmtest::gtest and mmtest::gtest_main not built: prometheus-cpp \\(prometheus-cpp-config.cmake\\) not found; set MMTEST_GTEST=ON to require them" "AUTO line")
# The tool is built all the same, without --prometheus and --push, and says so.
mm_test_expect("${auto_out}" "-- mmtest: `mmtest report --prometheus` and `--push` not built: prometheus-cpp \\(prometheus-cpp-config.cmake, core and push\\) not found" "tool line")

# ON without prometheus-cpp: an error.
mm_test_run(on EXPECT_FAILURE COMMAND ${CMAKE_COMMAND} ${common} -B "${WORK}/on" -DMMTEST_GTEST=ON
  -DCMAKE_DISABLE_FIND_PACKAGE_prometheus-cpp=ON)
if(on_rc EQUAL 0)
  message(FATAL_ERROR "MMTEST_GTEST=ON configured without prometheus-cpp")
endif()
mm_test_expect("${on_err}" "prometheus-cpp" "ON error")

# A consumer asking that build tree for the gtest component is told why there is none; without
# components it is found as before.
set(consumer "${WORK}/consumer-source")
file(WRITE "${consumer}/CMakeLists.txt" "cmake_minimum_required(VERSION 3.25)
project(asks CXX)
if(COMPONENT)
  find_package(mmtest CONFIG REQUIRED COMPONENTS \${COMPONENT})
else()
  find_package(mmtest CONFIG REQUIRED)
endif()
")
mm_test_run(plain COMMAND ${CMAKE_COMMAND} -S "${consumer}" -B "${WORK}/plain" -G "${GENERATOR}" "-Dmmtest_DIR=${WORK}/auto")
mm_test_run(asks EXPECT_FAILURE COMMAND ${CMAKE_COMMAND} -S "${consumer}" -B "${WORK}/asks" -G "${GENERATOR}"
  "-Dmmtest_DIR=${WORK}/auto" -DCOMPONENT=gtest)
if(asks_rc EQUAL 0)
  message(FATAL_ERROR "find_package(mmtest COMPONENTS gtest) succeeded against a build without it")
endif()
mm_test_expect("${asks_err}" "was built without metrics and gtest \\(MMTEST_GTEST was OFF, or AUTO without prometheus-cpp and GoogleTest\\)" "component refusal")

if(NOT BUILD_TOOL)
  return()
endif()
# Built where prometheus-cpp's headers cannot be seen either, not only its package file: a source
# that includes them while the option is off fails here. Hiding them takes a mount namespace
# (root, unshare); without one the headers stay visible and the line below says so.
set(hidden_headers "/usr/include/prometheus")
find_program(unshare NAMES unshare)
execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
if(uid STREQUAL "0" AND unshare AND IS_DIRECTORY "${hidden_headers}")
  mm_test_run(build COMMAND "${unshare}" --mount --propagation private /bin/sh -c
    "mount -t tmpfs -o ro mmtest-no-prometheus \"$1\" && test ! -e \"$1/registry.h\" && exec \"$2\" --build \"$3\" --target mmtest_tool"
    sh "${hidden_headers}" "${CMAKE_COMMAND}" "${WORK}/auto")
  message("prometheus-cpp's headers (${hidden_headers}) were hidden from the build")
else()
  message("prometheus-cpp's headers could not be hidden (uid ${uid}, unshare '${unshare}'): built with them visible")
  mm_test_run(build COMMAND ${CMAKE_COMMAND} --build "${WORK}/auto" --target mmtest_tool)
endif()
find_program(tool NAMES mmtest PATHS "${WORK}/auto/harness/run" NO_DEFAULT_PATH REQUIRED)
# A folder of records that does not exist: the refusal comes first, so the code is 2, not 3.
foreach(option --prometheus --push)
  if(option STREQUAL "--push")
    set(value "http://127.0.0.1:9")
  else()
    set(value "${WORK}/metrics.prom")
  endif()
  mm_test_run(refused EXPECT_FAILURE COMMAND "${tool}" report "${WORK}/no-such-records" ${option} "${value}")
  if(NOT refused_rc EQUAL 2)
    message(FATAL_ERROR "mmtest report ${option} without prometheus-cpp: exit code ${refused_rc}, expected 2\n${refused_err}")
  endif()
  mm_test_expect("${refused_err}" "mmtest report: ${option}: this mmtest was built without prometheus-cpp; install it \\(Debian: libprometheus-cpp-dev\\) and rebuild mmtest, or leave the option out \\(see mmtest report --help\\)" "${option} refusal")
endforeach()
if(EXISTS "${WORK}/metrics.prom")
  message(FATAL_ERROR "mmtest report wrote ${WORK}/metrics.prom although it refused --prometheus")
endif()
# Without those options it reports: one record is enough.
file(WRITE "${WORK}/records/one.json" [=[{"schema_version":3,"name":"one","outcome":"passed","exit_code":0,"peak_memory_bytes":1048576,"memory_limit_bytes":33554432,"wall_seconds":0.5,"cpu_seconds":0.25,"started_at":"2026-11-30T10:00:00.000Z","finished_at":"2026-11-30T10:00:00.500Z"}]=])
mm_test_run(report COMMAND "${tool}" report "${WORK}/records" --no-history --junit "${WORK}/junit.xml")
mm_test_expect("${report_out}" "1 passed" "report without prometheus-cpp")
if(NOT EXISTS "${WORK}/junit.xml")
  message(FATAL_ERROR "mmtest report without prometheus-cpp did not write --junit ${WORK}/junit.xml")
endif()
