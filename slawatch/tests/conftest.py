"""The SLA clock tests' helpers: Madrid wall-clock instants and an empty calendar cache."""

from sla.tests.conftest import _clear_cache, fresh_calendars  # noqa: F401 - fixtures used here too
