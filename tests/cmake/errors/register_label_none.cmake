mm_register_labels(TIMEOUT 5)
