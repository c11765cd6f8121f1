mm_calibrated(t PROCESSORS 0.25)
