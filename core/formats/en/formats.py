"""English as the desk writes it for readers in Europe: day first, on a 24-hour clock
("7 March 2027, 09:10", "07/03/2027"), never month first or with a.m./p.m.

Inputs take ISO dates first (what ``<input type="date">`` sends) and day-first dates, never
month-first ones, so "03/07/2027" is read as 3 July everywhere on the desk.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2027-03-07'
    "%d/%m/%Y",  # '07/03/2027'
    "%d/%m/%y",  # '07/03/27'
    "%d %b %Y",  # '7 Mar 2027'
    "%d %B %Y",  # '7 March 2027'
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S.%f",
    "%d/%m/%Y %H:%M",
    "%d/%m/%y %H:%M",
]
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M:%S.%f", "%H:%M"]

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
