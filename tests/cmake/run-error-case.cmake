# cmake -P driver: configures error-project with one case of errors/, warnings/ or
# optional-errors/ and matches its stderr against <dir>/<case>-stderr.txt (one regex, whitespace
# folded). A case of errors/ must fail to configure; a case of warnings/ must configure, and its
# regex "^$" means "prints nothing on stderr". A case of optional-errors/ must fail with
# MMTestOptional.cmake as the module and mmtest not found. The stderr is kept in
# <WORK>/stderr.txt for check-doc-messages.cmake.
#   -DCASE=<name> -DMMTEST_MODULE=<MMTest.cmake or MMTestOptional.cmake> -DWORK=<dir>
#   -DGENERATOR=<generator> [-DKIND=errors|warnings|optional-errors, default errors]
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
if(NOT DEFINED KIND)
  set(KIND errors)
endif()
set(case_file "${CMAKE_CURRENT_LIST_DIR}/${KIND}/${CASE}.cmake")
set(pre_file "${CMAKE_CURRENT_LIST_DIR}/${KIND}/${CASE}-pre.cmake")
set(extra_args "")
if(EXISTS "${pre_file}")
  list(APPEND extra_args "-DMMTEST_CASE_PRE=${pre_file}")
endif()
if(KIND STREQUAL "optional-errors")
  list(APPEND extra_args -DCMAKE_DISABLE_FIND_PACKAGE_mmtest=ON)
endif()
file(READ "${CMAKE_CURRENT_LIST_DIR}/${KIND}/${CASE}-stderr.txt" expected)
string(STRIP "${expected}" expected)
file(REMOVE_RECURSE "${WORK}")
mm_test_run(configure EXPECT_FAILURE COMMAND
  ${CMAKE_COMMAND} -S "${CMAKE_CURRENT_LIST_DIR}/error-project" -B "${WORK}" -G "${GENERATOR}"
  "-DMMTEST_MODULE=${MMTEST_MODULE}" "-DMMTEST_CASE=${case_file}" "-DMMTEST_RUN=/bin/true" ${extra_args})
file(WRITE "${WORK}/stderr.txt" "${configure_err}")
if(KIND STREQUAL "warnings")
  if(NOT configure_rc EQUAL 0)
    message(FATAL_ERROR "case ${CASE}: configure failed but must succeed\n${configure_out}\n${configure_err}")
  endif()
  mm_test_expect("${configure_err}" "${expected}" "case ${CASE}")
  if(NOT expected STREQUAL "^$")
    # A warning for the author, which -Wno-dev silences and -Werror=dev makes an error.
    mm_test_expect("${configure_err}" "CMake Warning \\(dev\\) at " "case ${CASE}")
  endif()
  return()
endif()
if(configure_rc EQUAL 0)
  message(FATAL_ERROR "case ${CASE}: configure succeeded but must fail\n${configure_out}\n${configure_err}")
endif()
mm_test_expect("${configure_err}" "${expected}" "case ${CASE}")
# The diagnostic is CMake's error for the caller, not a crash of the module.
mm_test_expect("${configure_err}" "CMake Error at " "case ${CASE}")
