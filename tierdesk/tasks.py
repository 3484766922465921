"""Background jobs of the project itself."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from tierdesk import replay


@task()
def purge_replay_keys() -> int:
    """Forget the replay keys of signed webhooks whose signatures are stale anyway."""
    return replay.purge(timezone.now())
