mm_register_labels(ok "not ok")
