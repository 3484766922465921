"""The signed monitoring webhook: problems open L1 incidents once, recoveries resolve them, and
every bad delivery gets a clear 4xx JSON answer and changes nothing."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from core.models import ReplayKey
from tickets.models import Channel, EventKind, Status, Ticket
from triage.models import MonitoringAlert, ProbeRun

pytestmark = pytest.mark.django_db


def alert(service: str = "ns3012345.ip-51-75-1.eu", state: str = "problem", **extra: Any) -> dict[str, Any]:
    return {
        "alert_id": "a-1",
        "service": service,
        "check": "ping",
        "state": state,
        "time": "2027-03-02T10:00:00Z",
    } | extra


def test_a_problem_opens_an_l1_incident_from_monitoring(desk: Any, monitoring: Any) -> None:
    response = monitoring(alert())
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(number=body["ticket"])
    assert body["result"] == "opened"
    assert ticket.category is not None
    assert (ticket.channel, ticket.level.code, ticket.category.code, ticket.requester) == (
        Channel.MONITORING,
        "L1",
        "server_no_ping",
        None,
    )
    assert ticket.service == desk.server and ticket.organisation == desk.lucia.organisation
    assert ticket.events.get(kind=EventKind.CREATED).actor is None
    assert not ProbeRun.objects.filter(ticket=ticket).exists()  # monitoring is evidence enough


def test_repeated_problems_count_on_the_same_incident_and_the_recovery_resolves_it(desk: Any, monitoring: Any) -> None:
    first = monitoring(alert()).json()
    again = monitoring(alert(alert_id="a-2"))
    assert again.status_code == 200 and again.json() == first | {"result": "duplicate"}
    http = monitoring(alert(alert_id="a-3", check="http"))  # another check, same service: same ticket
    assert http.json()["ticket"] == first["ticket"]
    assert Ticket.objects.filter(service=desk.server).count() == 1
    ping_alert = MonitoringAlert.objects.get(check_name="ping")
    assert ping_alert.alert_count == 2

    recovered = monitoring(alert(alert_id="a-4", state="recovery"))
    assert recovered.json()["result"] == "resolved"
    ticket = Ticket.objects.get(number=first["ticket"])
    assert ticket.status != Status.RESOLVED  # the http check still fails
    monitoring(alert(alert_id="a-5", state="recovery", check="http"))
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    status_event = ticket.events.filter(kind=EventKind.STATUS).last()
    assert status_event is not None and status_event.actor is None and status_event.data["after"] == "resolved"
    last = ticket.messages.filter(internal=False).last()
    assert last is not None and "works again" in last.body
    # A new problem after the recovery is a new incident.
    assert monitoring(alert(alert_id="a-6")).json()["ticket"] != first["ticket"]


def test_a_recovery_without_a_problem_is_ignored(desk: Any, monitoring: Any) -> None:
    response = monitoring(alert(state="recovery"))
    assert response.status_code == 200 and response.json()["result"] == "ignored"


def test_the_service_can_be_named_by_its_host(desk: Any, monitoring: Any) -> None:
    from services.models import Endpoint

    Endpoint.objects.filter(service=desk.server).update(host="51.75.1.10")
    payload = alert() | {"host": "51.75.1.10"}
    del payload["service"]
    response = monitoring(payload)
    assert response.status_code == 201 and Ticket.objects.get(number=response.json()["ticket"]).service == desk.server


def test_a_tampered_body_is_refused(desk: Any, monitoring: Any) -> None:
    raw = json.dumps(alert()).encode()
    from core.signing import build_header
    from triage.tests.conftest import SECRET

    header = build_header(SECRET.encode(), int(time.time()), raw)
    response = monitoring(body=raw.replace(b"problem", b"recovery"), header=header)
    assert response.status_code == 401 and response.json()["error"] == "bad_signature"
    assert monitoring(alert(), secret="another-secret").json()["error"] == "bad_signature"
    assert not Ticket.objects.exists()


def test_a_stale_delivery_is_refused(desk: Any, monitoring: Any) -> None:
    response = monitoring(alert(), timestamp=int(time.time()) - 3600)
    assert response.status_code == 401 and response.json()["error"] == "stale_timestamp"
    assert not Ticket.objects.exists()


def test_a_replayed_delivery_is_refused_and_changes_nothing(desk: Any, monitoring: Any) -> None:
    raw = json.dumps(alert()).encode()
    from core.signing import build_header
    from triage.tests.conftest import SECRET

    header = build_header(SECRET.encode(), int(time.time()), raw)
    assert monitoring(body=raw, header=header).status_code == 201
    replay = monitoring(body=raw, header=header)
    assert replay.status_code == 409 and replay.json()["error"] == "replayed"
    assert MonitoringAlert.objects.get().alert_count == 1
    assert ReplayKey.objects.filter(source="monitoring").count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        (b"[1, 2]", 400, "malformed_json"),
        (b"\xff\xfe", 400, "malformed_json"),
        (
            json.dumps({"service": "x", "check": "ping", "state": "problem", "time": "2027-03-02T10:00:00Z"}),
            400,
            "missing_field",
        ),
        (json.dumps(alert(state="maybe")), 400, "invalid_field"),
        (json.dumps(alert(time="yesterday")), 400, "invalid_field"),
        (json.dumps(alert(time="2027-03-02T10:00:00")), 400, "invalid_field"),
        (json.dumps(alert(check="PING NOW!")), 400, "invalid_field"),
        (json.dumps(alert(extra=1)), 400, "unknown_field"),
        (json.dumps(alert(service="nobody.example.com")), 422, "unknown_service"),
    ],
)
def test_bad_input_gets_a_clear_4xx(desk: Any, monitoring: Any, body: Any, status: int, code: str) -> None:
    raw = body if isinstance(body, bytes) else body.encode()
    response = monitoring(body=raw)
    assert response.status_code == status, response.content
    assert response.json()["error"] == code and response.json()["message"]
    assert not Ticket.objects.exists() and not ReplayKey.objects.exists()


def test_missing_signature_wrong_method_and_no_secret(desk: Any, client: Any) -> None:
    with override_settings(TIERDESK_MONITORING_SECRET="s3cret-value"):
        response = client.post("/triage/monitoring/alerts", data=b"{}", content_type="application/json")
        assert response.status_code == 401 and response.json()["error"] == "missing_header"
        assert client.get("/triage/monitoring/alerts").status_code == 405
    with override_settings(TIERDESK_MONITORING_SECRET=""):
        response = client.post("/triage/monitoring/alerts", data=b"{}", content_type="application/json")
        assert response.status_code == 503 and response.json()["error"] == "not_configured"


def test_an_ambiguous_host_asks_for_the_reference(desk: Any, monitoring: Any) -> None:
    payload = alert() | {"host": "127.0.0.1"}
    del payload["service"]
    response = monitoring(payload)
    assert response.status_code == 422 and response.json()["error"] == "ambiguous_host"


def test_the_database_refuses_a_second_open_alert_for_the_same_check(desk: Any) -> None:
    now = timezone.now()
    values = dict(
        service=desk.server, check_name="ping", first_alert_id="x", problem_at=now, received_at=now, last_seen_at=now
    )
    MonitoringAlert.objects.create(**values)
    with pytest.raises(IntegrityError), transaction.atomic():
        MonitoringAlert.objects.create(**values)
    MonitoringAlert.objects.update(resolved_at=now)
    MonitoringAlert.objects.create(**values)  # once recovered, a new problem may open
