"""Helpers for the SLA clock tests: Madrid wall-clock instants and a scan at a pinned time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

MADRID = ZoneInfo("Europe/Madrid")


def madrid(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MADRID)


@pytest.fixture
def fresh_calendars():
    """Each test starts with an empty calendar cache (rows are recreated per test)."""
    from sla import adapter

    adapter.clear()
    yield
    adapter.clear()


@pytest.fixture(autouse=True)
def _clear_cache(fresh_calendars):
    yield
