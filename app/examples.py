"""Inputs to pick from on the pages: a few of each way people write dates, in English and Korean."""

DATE_EXAMPLES = [
    "september 27, 1994",
    "TUESDAY, SEPTEMBER 25, 1984",
    "2/10/93",
    "Sept. 5th, 2026",
    "5 March 2026",
    "Wed, Jul 4 1979",
    "27.09.1994",
    "12/31/1999",
    "2026년 3월 5일 목요일",
    "1999년 12월 31일",
    "2002. 6. 14.",
    "1969-07-20",
]
