mm_register_labels(nightly TIMEOUT 10)
add_mm_test(NAME t COMMAND prog LABELS nightly unit nighlty)
