mm_calibrated(t LABELS unit "two words")
