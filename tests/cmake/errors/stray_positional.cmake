add_mm_test(t COMMAND prog)
