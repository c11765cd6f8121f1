add_executable(tool IMPORTED)
mm_gtest_add_shards(tool SHARDS 0)
