mm_register_labels(nightly TIMEOUT forever)
