# cmake -P driver: configures error-project with one case of errors/, which must fail, and
# matches its stderr against errors/<case>-stderr.txt (one regex, whitespace folded).
#   -DCASE=<name> -DMMTEST_MODULE=<MMTest.cmake> -DWORK=<dir> -DGENERATOR=<generator>
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
set(case_file "${CMAKE_CURRENT_LIST_DIR}/errors/${CASE}.cmake")
set(pre_file "${CMAKE_CURRENT_LIST_DIR}/errors/${CASE}-pre.cmake")
set(pre_arg "")
if(EXISTS "${pre_file}")
  set(pre_arg "-DMMTEST_CASE_PRE=${pre_file}")
endif()
file(READ "${CMAKE_CURRENT_LIST_DIR}/errors/${CASE}-stderr.txt" expected)
string(STRIP "${expected}" expected)
file(REMOVE_RECURSE "${WORK}")
mm_test_run(configure EXPECT_FAILURE COMMAND
  ${CMAKE_COMMAND} -S "${CMAKE_CURRENT_LIST_DIR}/error-project" -B "${WORK}" -G "${GENERATOR}"
  "-DMMTEST_MODULE=${MMTEST_MODULE}" "-DMMTEST_CASE=${case_file}" "-DMMTEST_RUN=/bin/true" ${pre_arg})
if(configure_rc EQUAL 0)
  message(FATAL_ERROR "case ${CASE}: configure succeeded but must fail\n${configure_out}\n${configure_err}")
endif()
mm_test_expect("${configure_err}" "${expected}" "case ${CASE}")
# The diagnostic is CMake's error for the caller, not a crash of the module.
mm_test_expect("${configure_err}" "CMake Error at " "case ${CASE}")
