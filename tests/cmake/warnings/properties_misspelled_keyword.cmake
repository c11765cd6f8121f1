# A misspelled keyword after PROPERTIES becomes a test property of that name: warn.
add_mm_test(NAME t COMMAND prog MEMORY 64M PROPERTIES COST 2 MEMROY 1G)
