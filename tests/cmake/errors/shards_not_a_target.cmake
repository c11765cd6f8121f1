mm_gtest_add_shards(nothing SHARDS 2)
