"""kg/deid/dates.py: every format the recogniser knows shifts and is written back in kind."""

from __future__ import annotations

import pytest

from kg.deid.dates import shift_date_text


@pytest.mark.parametrize("text, days, expected", [
    ("03/02/2024", 30, "04/01/2024"), ("3/2/24", -2, "2/29/24"), ("12/28/23", 10, "01/07/24"),
    ("03.08.2024", 1, "03.09.2024"), ("10-31-2023", 1, "11-01-2023"), ("2024-02-28", 2, "2024-03-01"),
    ("2024/02/20", 10, "2024/03/01"), ("14-Feb-2024", -14, "31-Jan-2024"), ("Jan 12, 2024", 31, "Feb 12, 2024"),
    ("March 21, 2024", 1, "March 22, 2024"), ("Aug. 14, 2024", 1, "Aug. 15, 2024"), ("November 3rd", 19, "November 22nd"),
    ("12 April 2024", 1, "13 April 2024"), ("3rd of June", 1, "4th of June"), ("June 2019", 30, "July 2019"),
    ("Monday, May 13, 2024", 7, "Monday, May 20, 2024"), ("10/05", 1, "10/06"), ("Sept 5, 2024", 1, "Sept 6, 2024"),
])
def test_shift_keeps_the_format(text, days, expected):
    assert shift_date_text(text, days) == expected


@pytest.mark.parametrize("text", ["13/45/2024", "2/30", "hello", "2024"])
def test_non_dates_are_not_shifted(text):
    assert shift_date_text(text, 3) is None
