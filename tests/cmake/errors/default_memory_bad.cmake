set(MMTEST_DEFAULT_MEMORY lots)
add_mm_test(NAME t COMMAND prog)
