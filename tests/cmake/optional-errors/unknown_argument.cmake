add_mm_test(NAME t MEMROY 1G COMMAND prog)
