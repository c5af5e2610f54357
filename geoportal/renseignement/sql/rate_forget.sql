DELETE FROM {rate_counter} WHERE window_start < %(before)s
