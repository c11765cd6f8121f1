set(MMTEST_DEFAULT_TIMEOUT soon)
add_mm_test(NAME t COMMAND prog)
