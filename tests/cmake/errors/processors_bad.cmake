add_mm_test(NAME t COMMAND prog PROCESSORS 0)
