add_mm_test(NAME twice COMMAND prog)
file(WRITE "${CMAKE_BINARY_DIR}/sub-src/CMakeLists.txt" "add_mm_test(NAME twice COMMAND prog)\n")
add_subdirectory("${CMAKE_BINARY_DIR}/sub-src" "${CMAKE_BINARY_DIR}/sub-build")
