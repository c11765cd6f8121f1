add_executable(tool IMPORTED)
mm_gtest_add_shards(tool SHARDS 4 ENVIRONMENT A=1 GTEST_SHARD_INDEX=2)
