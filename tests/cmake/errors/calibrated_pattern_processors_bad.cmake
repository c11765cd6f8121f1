mm_calibrated("big_*" PROCESSORS many)
