# Dates and times as Dutch schools write them: "2 december 2026", "2 december 2026, 14:05".
# Django's own Dutch formats are the fallback for everything not set here (input formats, separators).
DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j-n-Y"
SHORT_DATETIME_FORMAT = "j-n-Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
