add_mm_test(NAME t COMMAND prog MEMROY 1G)
