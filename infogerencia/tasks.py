"""Background work of the level 3 pipeline: the expiry of quotes (its e-mails go through notifications)."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from infogerencia import actions


@task()
def expire_quotes() -> int:
    """Sent or accepted quotes past their validity date become expired (periodic)."""
    return actions.expire_quotes(now=timezone.now())
