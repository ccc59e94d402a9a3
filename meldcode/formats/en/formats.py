# English for those who chose it, with the same day-month order and 24-hour clock as the Dutch pages.
DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j-n-Y"
SHORT_DATETIME_FORMAT = "j-n-Y H:i"
