add_test(NAME twice COMMAND prog)
add_mm_test(NAME twice COMMAND prog)
