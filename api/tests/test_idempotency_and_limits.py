"""Idempotency-Key on creates, and rate limits with 429 and Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from api import ratelimit
from api.models import IdempotencyRecord, RateLimitWindow
from tickets.models import Message, Ticket

BODY = {"subject": "Servidor caído", "body": "No responde", "category": "server_no_ping"}


def test_the_same_key_and_body_give_the_same_answer_once(desk, make_api):  # type: ignore[no-untyped-def]
    api = make_api(desk.lucia)
    first = api.post("/tickets", BODY, headers={"Idempotency-Key": "create-1"})
    again = api.post("/tickets", BODY, headers={"Idempotency-Key": "create-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    other_key = api.post("/tickets", BODY, headers={"Idempotency-Key": "create-2"})
    assert other_key.json()["number"] != first.json()["number"]
    assert make_api(desk.pedro).post("/tickets", BODY, headers={"Idempotency-Key": "create-1"}).status_code == 201
    assert Ticket.objects.count() == 3


def test_the_same_key_with_another_body_is_refused(desk, make_api):  # type: ignore[no-untyped-def]
    api = make_api(desk.lucia)
    assert api.post("/tickets", BODY, headers={"Idempotency-Key": "k"}).status_code == 201
    reused = api.post("/tickets", {**BODY, "subject": "Otro"}, headers={"Idempotency-Key": "k"})
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert reused.json()["error"]["field"] == "Idempotency-Key"
    bad = api.post("/tickets", BODY, headers={"Idempotency-Key": "con espacio ñ"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "idempotency_key_invalid"
    assert Ticket.objects.count() == 1


def test_refusals_are_remembered_and_a_key_in_progress_is_not_run_twice(desk, make_api, open_incident):  # type: ignore[no-untyped-def]
    api = make_api(desk.lucia)
    wrong = {**BODY, "category": "nope"}
    assert api.post("/tickets", wrong, headers={"Idempotency-Key": "w"}).status_code == 400
    replay = api.post("/tickets", wrong, headers={"Idempotency-Key": "w"})
    assert replay.status_code == 400 and replay["Idempotent-Replayed"] == "true"
    record = IdempotencyRecord.objects.get(key="w")
    IdempotencyRecord.objects.filter(pk=record.pk).update(status_code=None, response_body=b"")
    busy = api.post("/tickets", wrong, headers={"Idempotency-Key": "w"})
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "idempotency_in_progress"


def test_replies_and_uploads_honour_the_key(desk, make_api, open_incident):  # type: ignore[no-untyped-def]
    ticket = open_incident()
    api = make_api(desk.lucia)
    for _ in range(2):
        assert (
            api.post(
                f"/tickets/{ticket.number}/messages", {"body": "hola"}, headers={"Idempotency-Key": "r"}
            ).status_code
            == 201
        )
    headers = {"Authorization": f"Bearer {api.token}", "Idempotency-Key": "u"}
    for _ in range(2):
        sent = api.client.post(
            f"/api/v1/tickets/{ticket.number}/messages/upload",
            {"body": "adjunto", "files": [SimpleUploadedFile("a.txt", b"abc")]},
            headers=headers,
        )
        assert sent.status_code == 201
    assert Message.objects.filter(ticket=ticket).count() == 3


@override_settings(API_RATE_LIMIT=3, API_RATE_WINDOW_SECONDS=3600)
def test_a_token_over_its_limit_gets_429_with_retry_after(desk, make_api):  # type: ignore[no-untyped-def]
    api = make_api(desk.lucia)
    with time_machine.travel(datetime(2027, 3, 2, 10, 0, 5, tzinfo=UTC), tick=False):  # all in one window
        answers = [api.get("/tickets") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert 1 <= int(answers[-1]["Retry-After"]) <= 3600
    assert make_api(desk.pedro).get("/tickets").status_code == 200


@override_settings(API_RATE_LIMIT=5, API_RATE_WINDOW_SECONDS=3600)
def test_creates_count_once_each_whatever_their_answer(desk, make_api):  # type: ignore[no-untyped-def]
    """A create counts in the ticket's own transaction; refused creates count on their own."""
    api = make_api(desk.lucia)
    reader = make_api(desk.lucia, scope="read")
    with time_machine.travel(datetime(2027, 3, 2, 10, 0, 5, tzinfo=UTC), tick=False):  # all in one window
        answers = [
            api.post("/tickets", BODY),  # 201
            api.post("/tickets", {**BODY, "category": "no_such_thing"}),  # 400 before the transaction
            api.post("/tickets", {**BODY, "subject": "   "}),  # 400 inside it (rolled back)
            api.post("/tickets", {"body": "no subject"}),  # 422 before the handler
            reader.post("/tickets", BODY),  # 403 insufficient_scope (another token)
            api.post("/tickets", BODY, headers={"Idempotency-Key": "over"}),  # 201, the fifth call
            api.post("/tickets", BODY, headers={"Idempotency-Key": "limited"}),  # 429
            api.post("/tickets", {"body": "no subject"}),  # 429 before 422
        ]
        assert [a.status_code for a in answers] == [201, 400, 400, 422, 403, 201, 429, 429]
        windows = dict(RateLimitWindow.objects.values_list("bucket", "count"))
        assert sorted(windows.values()) == [1, 5]
        assert Ticket.objects.filter(subject=BODY["subject"]).count() == 2
    # A 429 is not remembered against the key: the same key works in the next window.
    with time_machine.travel(datetime(2027, 3, 2, 11, 0, 5, tzinfo=UTC), tick=False):
        retried = api.post("/tickets", BODY, headers={"Idempotency-Key": "limited"})
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried


@override_settings(API_RATE_LIMIT_ANONYMOUS=2, API_RATE_WINDOW_SECONDS=3600)
def test_calls_without_a_valid_token_are_limited_per_address(desk, client):  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2027, 3, 2, 10, 0, 5, tzinfo=UTC), tick=False):
        answers = [client.get("/api/v1/tickets", headers={"Authorization": "Bearer tdk_x_y"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    assert "Retry-After" in answers[-1]


def test_windows_roll_over_and_are_purged(db):  # type: ignore[no-untyped-def]
    start = datetime(2027, 3, 2, 10, 0, 0, tzinfo=UTC)
    verdicts = [ratelimit.hit("t", limit=2, window_seconds=60, now=start + timedelta(seconds=s)) for s in (0, 10, 20)]
    assert [v.allowed for v in verdicts] == [True, True, False]
    assert verdicts[-1].retry_after == 40
    assert ratelimit.hit("t", limit=2, window_seconds=60, now=start + timedelta(seconds=61)).allowed
    assert ratelimit.purge(start + timedelta(minutes=5)) == 2
    assert not RateLimitWindow.objects.exists()


def test_processes_share_one_limit(transactional_db):  # type: ignore[no-untyped-def]
    """Eight connections at once (as eight web processes would) never let more than the limit through."""
    from django.db import connection

    from core.testing import run_at_once

    if connection.vendor != "postgresql":
        import pytest

        pytest.skip("SQLite's in-memory test database is one connection; the PostgreSQL run covers this")
    now = datetime.now(UTC)
    batches = run_at_once(
        8, lambda _i: [ratelimit.hit("shared", limit=10, window_seconds=3600, now=now).allowed for _ in range(5)]
    )
    allowed = [verdict for batch in batches for verdict in batch]
    assert len(allowed) == 40 and allowed.count(True) == 10
