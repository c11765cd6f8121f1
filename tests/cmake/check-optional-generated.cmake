# cmake -P driver: cmake/MMTestOptional.cmake, checked in and installed as it is, is what
# cmake/internal/WriteOptional.cmake writes from its template and the built-in defaults: a default
# changed in cmake/internal/Defaults.cmake cannot ship with an old copy of it.
#   -DMMTEST_CMAKE_DIR=<mmtest's cmake/ directory> -DWORK=<scratch dir>
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/support.cmake")
file(REMOVE_RECURSE "${WORK}")
set(generated "${WORK}/MMTestOptional.cmake")
mm_test_run(generate COMMAND ${CMAKE_COMMAND} "-DOUTPUT=${generated}"
  -P "${MMTEST_CMAKE_DIR}/internal/WriteOptional.cmake")
file(READ "${generated}" expected)
file(READ "${MMTEST_CMAKE_DIR}/MMTestOptional.cmake" checked_in)
if(NOT checked_in STREQUAL expected)
  message(FATAL_ERROR "${MMTEST_CMAKE_DIR}/MMTestOptional.cmake is not what its template and the "
    "defaults give (${generated}); edit cmake/MMTestOptional.cmake.in or "
    "cmake/internal/Defaults.cmake, not the generated file, and run "
    "`cmake -P cmake/internal/WriteOptional.cmake`")
endif()
