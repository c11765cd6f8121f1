add_mm_test(NAME order_book COMMAND prog MEMORY 12Q)
