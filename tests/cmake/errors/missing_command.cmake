add_mm_test(NAME t MEMORY 1G)
