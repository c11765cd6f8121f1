# cmake -P driver: builds the consumer/ fixture against mmtest one way (MODE) and runs its ctest.
#   -DMODE=install|buildtree|subdirectory|fetchcontent -DWORK=<dir> -DGENERATOR=<generator>
#   -DMMTEST_BUILD=<mmtest build dir> (install, buildtree) -DMMTEST_SOURCE=<mmtest source dir>
#   [-DCONSUMER_SANITIZE_FLAGS=<-fsanitize=... of that build>]
# The fixture's GoogleTest part (mmtest::metrics, mmtest::gtest_main) is always built: mmtest's own
# build has it, and a subproject build finds the same prometheus-cpp and GoogleTest.
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
file(REMOVE_RECURSE "${WORK}")
set(fixture "${CMAKE_CURRENT_LIST_DIR}/consumer")
set(build "${WORK}/build")
set(expect_launcher "")

if(MODE STREQUAL "install")
  # Install, then move the prefix: the package must not remember where it was installed.
  mm_test_run(install COMMAND ${CMAKE_COMMAND} --install "${MMTEST_BUILD}" --prefix "${WORK}/first-prefix")
  file(RENAME "${WORK}/first-prefix" "${WORK}/moved-prefix")
  set(args -DMODE=find_package "-DCMAKE_PREFIX_PATH=${WORK}/moved-prefix")
  set(expect_launcher "${WORK}/moved-prefix/bin/mmtest-run")
  # A version the package is not compatible with is refused.
  mm_test_run(too_new EXPECT_FAILURE COMMAND ${CMAKE_COMMAND} -S "${fixture}" -B "${WORK}/too-new"
    -G "${GENERATOR}" ${args} -DMMTEST_VERSION=99.0)
  if(too_new_rc EQUAL 0)
    message(FATAL_ERROR "find_package(mmtest 99.0) succeeded")
  endif()
  mm_test_expect("${too_new_err}" "compatible with requested version \"99.0\".*mmtestConfig.cmake, version: [0-9.]+" "version refusal")
elseif(MODE STREQUAL "buildtree")
  set(args -DMODE=find_package "-Dmmtest_DIR=${MMTEST_BUILD}")
  set(expect_launcher "${MMTEST_BUILD}/")
elseif(MODE STREQUAL "subdirectory" OR MODE STREQUAL "fetchcontent")
  set(args -DMODE=${MODE} "-DMMTEST_SOURCE=${MMTEST_SOURCE}")
  set(expect_launcher "${build}/")
else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()

if(CONSUMER_SANITIZE_FLAGS)  # mmtest was built with sanitizers: so are the libraries it installed
  list(APPEND args "-DCMAKE_CXX_FLAGS=${CONSUMER_SANITIZE_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_SANITIZE_FLAGS}"
       "-DCMAKE_SHARED_LINKER_FLAGS=${CONSUMER_SANITIZE_FLAGS}")
endif()
mm_test_run(configure COMMAND ${CMAKE_COMMAND} -S "${fixture}" -B "${build}" -G "${GENERATOR}" ${args} -DWITH_GTEST=ON)
mm_test_run(compile COMMAND ${CMAKE_COMMAND} --build "${build}")
mm_test_run(test COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${build}" -j2 --output-on-failure)
# consumer.hello, consumer.sub.hello, the two cases of listener_test one per test, and the whole binary.
mm_test_expect("${test_out}" "100% tests passed, 0 tests failed out of 5" "consumer ctest")
mm_test_expect("${test_err}" "mmtest: memory budget [0-9]+ MiB" "budget line")
# The hook found this way's mmtest tool (mmtest::tool) and planned every test with `mmtest plan`.
mm_test_expect("${test_err}" "mmtest: start order of 5 tests" "planner line")
# The tests really ran under the launcher this way of consuming provides.
mm_test_run(show COMMAND ${CMAKE_CTEST_COMMAND} --test-dir "${build}" --show-only=json-v1)
mm_test_index("${show_out}" consumer.hello hello_index)
string(JSON launcher GET "${show_out}" tests ${hello_index} command 0)
string(FIND "${launcher}" "${expect_launcher}" at)
if(NOT at EQUAL 0 OR NOT launcher MATCHES "/mmtest-run$")
  message(FATAL_ERROR "tests run ${launcher}, expected the mmtest-run under ${expect_launcher}")
endif()
foreach(record consumer.hello consumer.sub.hello consumer.case.Consumer.CountsItsOrder consumer.whole)
  if(NOT EXISTS "${build}/mmtest-results/${record}.json")
    message(FATAL_ERROR "no result record for ${record}")
  endif()
endforeach()
# The whole binary is one ctest test, and its record still shows its cases, each with its figures.
file(READ "${build}/mmtest-results/consumer.whole.json" whole)
string(JSON cases LENGTH "${whole}" cases)
if(NOT cases EQUAL 2)
  message(FATAL_ERROR "consumer.whole's record has ${cases} cases, expected 2:\n${whole}")
endif()
foreach(i 0 1)
  string(JSON outcome GET "${whole}" cases ${i} outcome)
  string(JSON peak GET "${whole}" cases ${i} peak_rss_bytes)
  if(NOT outcome STREQUAL "passed" OR NOT peak GREATER 0)
    message(FATAL_ERROR "case ${i} of consumer.whole: outcome '${outcome}', peak '${peak}':\n${whole}")
  endif()
endforeach()
