from datetime import timedelta

import pytest
from django.utils import translation

from core.templatetags.desk import hours


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (timedelta(hours=6), "6 h"),
        (timedelta(days=1), "24 h"),
        (timedelta(minutes=90), "1.5 h"),
        (30_600, "8.5 h"),  # seconds
        (None, "—"),
    ],
)
def test_hours_reads_as_people_say_targets(value, shown):  # type: ignore[no-untyped-def]
    with translation.override("en"):
        assert hours(value) == shown


def test_hours_uses_the_readers_decimal_separator():
    with translation.override("es"):
        assert hours(timedelta(minutes=90)) == "1,5 h"
