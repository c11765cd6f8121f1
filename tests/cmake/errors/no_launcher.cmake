unset(MMTEST_RUN CACHE)
unset(MMTEST_RUN)
add_mm_test(NAME t COMMAND prog)
