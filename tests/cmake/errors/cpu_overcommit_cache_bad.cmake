add_mm_test(NAME t COMMAND prog)
