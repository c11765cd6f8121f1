add_mm_test(COMMAND prog)
