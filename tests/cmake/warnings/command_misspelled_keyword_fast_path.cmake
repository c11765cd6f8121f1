# The first call leaves its MEMORY/TIMEOUT/LABELS combination ready and finds FAST far from every
# keyword; the next ones, with the same combination, are declared by the fast path: the second
# must warn about TIMOUT all the same, the third (FAST alone) not at all.
add_mm_test(NAME first COMMAND prog FAST MEMORY 1G)
add_mm_test(NAME second COMMAND prog FAST TIMOUT 5 MEMORY 1G)
add_mm_test(NAME third COMMAND prog FAST MEMORY 1G)
