add_mm_test(NAME t COMMAND prog LAUNCHER_ARGS --max-processes 4 --timeout=3)
