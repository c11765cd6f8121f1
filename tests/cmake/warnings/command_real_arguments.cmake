# Arguments of the program that are not misspelled keywords: no warning.
add_mm_test(NAME t COMMAND prog --memory memory Memroy MEMORY_SIZE=3 /opt/MEMROY EXTRA "MEMROY 1G"
  TIMEOUT_MS ALL NONE DEBUG MEMORY 64M)
