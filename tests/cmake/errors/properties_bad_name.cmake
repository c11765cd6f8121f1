add_mm_test(NAME t COMMAND prog PROPERTIES "my prop" 5)
