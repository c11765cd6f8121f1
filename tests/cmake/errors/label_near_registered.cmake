mm_register_labels(nightly)
add_mm_test(NAME t COMMAND prog LABELS nighlty)
