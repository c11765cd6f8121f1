# The first call leaves its MEMORY/TIMEOUT/LABELS combination ready; the second, with the
# same combination and plain words only, is declared by the fast path, which must warn too.
add_mm_test(NAME first COMMAND prog MEMORY 1G)
add_mm_test(NAME second COMMAND prog TIMOUT 5 MEMORY 1G)
