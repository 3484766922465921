"""Replay protection for the signed webhooks the desk receives (payments, monitoring, PBX).

:func:`core.signing.verify` proves who sent a delivery and that it is fresh; this module
remembers each accepted delivery's replay key until its signature would be stale anyway, so the
same signed request is applied once. Call :func:`claim` inside the transaction that applies the
delivery: two identical deliveries at once meet at the unique index, and the loser gets False.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import IntegrityError, transaction

from core.models import ReplayKey
from core.signing import VerifiedSignature


def claim(source: str, verified: VerifiedSignature, *, now: datetime) -> bool:
    """Remember this delivery's key; False when the same delivery was already accepted."""
    try:
        with transaction.atomic():
            ReplayKey.objects.create(
                source=source,
                replay_key=verified.replay_key,
                received_at=now,
                expires_at=datetime.fromtimestamp(verified.expires_at, tz=UTC),
            )
    except IntegrityError:
        return False
    return True


def purge(now: datetime) -> int:
    """Forget the keys whose signatures are stale: a replay of those is refused as stale."""
    deleted, _ = ReplayKey.objects.filter(expires_at__lt=now).delete()
    return deleted
