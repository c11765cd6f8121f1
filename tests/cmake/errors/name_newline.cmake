add_mm_test(NAME "a
b" COMMAND prog)
