"""One replay guard for every signed webhook the desk receives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import replay
from core.models import ReplayKey
from core.signing import build_header, verify

SECRET = b"a-shared-secret"
NOW = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)


def verified(body: bytes, at: datetime = NOW):  # type: ignore[no-untyped-def]
    timestamp = int(at.timestamp())
    return verify([SECRET], build_header(SECRET, timestamp, body), body, now=timestamp, tolerance=300)


@pytest.mark.django_db
def test_a_delivery_is_claimed_once_per_source():
    delivery = verified(b'{"event": 1}')
    assert replay.claim("payment", delivery, now=NOW)
    assert not replay.claim("payment", delivery, now=NOW)
    # The same bytes signed for another receiver (another secret in practice) are not a replay there.
    assert replay.claim("cti", delivery, now=NOW)
    assert replay.claim("payment", verified(b'{"event": 2}'), now=NOW)
    key = ReplayKey.objects.get(source="payment", replay_key=delivery.replay_key)
    assert key.expires_at == NOW + timedelta(seconds=300)


@pytest.mark.django_db
def test_purge_forgets_only_stale_keys():
    replay.claim("monitoring", verified(b"old", at=NOW - timedelta(hours=1)), now=NOW - timedelta(hours=1))
    replay.claim("monitoring", verified(b"fresh"), now=NOW)
    assert replay.purge(NOW + timedelta(seconds=1)) == 1
    assert list(ReplayKey.objects.values_list("replay_key", flat=True)) == [verified(b"fresh").replay_key]
