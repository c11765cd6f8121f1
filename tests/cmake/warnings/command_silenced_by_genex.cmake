add_mm_test(NAME t COMMAND prog $<1:MEMROY> 1G)
