"""Fixed-window rate limits kept in the database, shared by every web process.

One row per bucket and window. A request takes a slot with a conditional UPDATE
(``count < limit``); when no row matched, it inserts the window's row. Two processes inserting
the same new window race on the unique ``bucket``: the loser retries the UPDATE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connections, router, transaction

from api.models import RateLimitWindow


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    retry_after: int  # seconds until the window ends (0 when allowed)


def _take_slot(key: str, limit: int) -> bool:
    """One ``UPDATE … WHERE count < limit`` on the window's row; True when it took a slot.

    Written as SQL because it runs on every API call: the ORM's ``update(count=F(...) + 1)``
    costs more to build than the statement costs to run.
    """
    connection = connections[router.db_for_write(RateLimitWindow)]
    quote = connection.ops.quote_name
    table, count, bucket = quote(RateLimitWindow._meta.db_table), quote("count"), quote("bucket")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {count} = {count} + 1 WHERE {bucket} = %s AND {count} < %s",  # noqa: S608 - our own names
            [key, limit],
        )
        return bool(cursor.rowcount)


def hit(bucket: str, *, limit: int, window_seconds: int, now: datetime) -> Verdict:
    """Count one request in ``bucket``; refuse it when the window already holds ``limit``."""
    epoch = int(now.timestamp())
    window = epoch // window_seconds
    ends = (window + 1) * window_seconds
    key = f"{bucket}:{window}"[:200]
    for _attempt in range(2):
        if _take_slot(key, limit):
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
