# cmake -P driver: mmtest's MMTEST_GTEST option and the package's components when the GoogleTest
# side was not built. Configures mmtest's own source (no build), with tests and install off.
#   -DMMTEST_SOURCE=<mmtest source dir> -DWORK=<dir> -DGENERATOR=<generator>
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
