"""Fixed-window rate limits kept in the database, shared by every web process.

One row per bucket and window. A request takes a slot with a conditional UPDATE
(``count < limit``); when no row matched, it inserts the window's row. Two processes inserting
the same new window race on the unique ``bucket``: the loser retries the UPDATE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F

from api.models import RateLimitWindow


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    retry_after: int  # seconds until the window ends (0 when allowed)


def hit(bucket: str, *, limit: int, window_seconds: int, now: datetime) -> Verdict:
    """Count one request in ``bucket``; refuse it when the window already holds ``limit``."""
    epoch = int(now.timestamp())
    window = epoch // window_seconds
    ends = (window + 1) * window_seconds
    key = f"{bucket}:{window}"[:200]
    for _attempt in range(2):
        if RateLimitWindow.objects.filter(bucket=key, count__lt=limit).update(count=F("count") + 1):
            return Verdict(True, limit, 0)
        if RateLimitWindow.objects.filter(bucket=key).exists():
            return Verdict(False, limit, max(1, ends - epoch))
        try:
            with transaction.atomic():
                RateLimitWindow.objects.create(bucket=key, count=1, expires_at=now + timedelta(seconds=ends - epoch))
            return Verdict(True, limit, 0)
        except IntegrityError:
            continue  # Another process opened this window first; count against its row.
    return Verdict(False, limit, max(1, ends - epoch))


def purge(now: datetime) -> int:
    """Forget windows that have ended."""
    deleted, _ = RateLimitWindow.objects.filter(expires_at__lt=now).delete()
    return deleted
