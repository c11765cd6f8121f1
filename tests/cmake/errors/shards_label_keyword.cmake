add_executable(tool IMPORTED)
mm_gtest_add_shards(tool SHARDS 2 LABELS unit SHRADS 3)
