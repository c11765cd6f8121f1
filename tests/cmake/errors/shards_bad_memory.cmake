add_executable(tool IMPORTED)
mm_gtest_add_shards(tool SHARDS 4 MEMORY 12Q)
