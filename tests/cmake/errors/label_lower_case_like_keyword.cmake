# Only an upper-case word is taken for a misspelled keyword.
add_mm_test(NAME t COMMAND prog LABELS memroy)
