"""Background work of the automations: the time-based rules."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from automations.scan import scan


@task()
def run_time_based_automations() -> dict[str, int]:
    """Run the time-based rules on the tickets due for them. Safe to run from several schedulers."""
    return scan(timezone.now())
