"""Dates as each reader writes them: English day first on a 24-hour clock, like Spanish and French."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django import forms
from django.utils import formats, timezone, translation

MORNING = datetime(2027, 3, 7, 8, 10, tzinfo=UTC)  # 09:10 in Madrid
EVENING = datetime(2027, 3, 7, 20, 5, tzinfo=UTC)  # 21:05 in Madrid


@pytest.mark.parametrize(
    ("language", "long", "short"),
    [
        ("es", "7 de marzo de 2027 a las 09:10", "07/03/2027 09:10"),
        ("en", "7 March 2027, 09:10", "07/03/2027 09:10"),
        ("fr", "7 mars 2027 09:10", "07/03/2027 09:10"),
    ],
)
def test_it_writes_the_day_first_on_a_24_hour_clock(language, long, short):
    with translation.override(language), timezone.override("Europe/Madrid"):
        local = timezone.localtime(MORNING)
        assert formats.date_format(local, "DATETIME_FORMAT") == long
        assert formats.date_format(local, "SHORT_DATETIME_FORMAT") == short
        evening = timezone.localtime(EVENING)
        assert formats.time_format(evening, "TIME_FORMAT") == "21:05"
        assert not formats.date_format(evening, "SHORT_DATETIME_FORMAT").endswith(".")


@pytest.mark.parametrize("language", ["es", "en", "fr"])
def test_a_date_input_reads_iso_and_day_first_dates(language):
    field = forms.DateField()
    with translation.override(language):
        assert field.clean("2027-07-03") == date(2027, 7, 3)
        assert field.clean("03/07/2027") == date(2027, 7, 3)  # 3 July, never 7 March
