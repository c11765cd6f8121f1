# Distributed with mmtest. Private part of MMTest.cmake and MMTestGTest.cmake: where the result
# records go. The file name of a test's record is computed at configure time for add_mm_test and
# when ctest runs for each GoogleTest case, by the same function.

include_guard(GLOBAL)

# _mm_results_dir(<out>): the records directory, created once per configure.
function(_mm_results_dir out)
  if(DEFINED MMTEST_RESULTS_DIR AND NOT "${MMTEST_RESULTS_DIR}" STREQUAL "")
    set(dir "${MMTEST_RESULTS_DIR}")
  else()
    set(dir "${CMAKE_BINARY_DIR}/mmtest-results")
  endif()
  get_property(made GLOBAL PROPERTY "_MM_RESULTS_DIR_MADE_${dir}")
  if(NOT made)
    file(MAKE_DIRECTORY "${dir}")
    set_property(GLOBAL PROPERTY "_MM_RESULTS_DIR_MADE_${dir}" TRUE)
    # Where `mmtest plan` looks for the last run's durations.
    set_property(GLOBAL APPEND PROPERTY _MM_RESULTS_DIRS "${dir}")
  endif()
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

# _mm_result_file(<out> <results_dir> <test_name>)
#
# The result record path of a test: the name with every character outside [A-Za-z0-9._-] (and a
# leading dot) replaced by "_", cut to 100 characters, plus a hash of the full name whenever it
# had to change, so "a b" and "a_b" never share a file.
function(_mm_result_file out results_dir name)
  string(REGEX REPLACE "[^A-Za-z0-9._-]" "_" safe "${name}")
  string(REGEX REPLACE "^\\." "_" safe "${safe}")
  string(LENGTH "${safe}" safe_len)
  if(safe_len GREATER 100)
    string(SUBSTRING "${safe}" 0 100 safe)
  endif()
  if(NOT safe STREQUAL name)
    string(MD5 hash "${name}")
    string(SUBSTRING "${hash}" 0 8 hash)
    string(APPEND safe "-${hash}")
  endif()
  set(${out} "${results_dir}/${safe}.json" PARENT_SCOPE)
endfunction()
