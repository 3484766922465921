"""Phone intake: the desk verifies the caller's customer identifier and service before opening."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from console.models import CallLog, CallState
from core import signing
from core.models import ReplayKey
from levels.models import PhoneLine
from tickets.models import Ticket

SECRET = "cti-test-secret"


def incident_line() -> PhoneLine:
    return PhoneLine.objects.get(number="902 906 033")


def form(desk, **overrides):  # type: ignore[no-untyped-def]
    values = {
        "customer_identifier": "LM4321-OVH ",
        "service_reference": desk.server.reference.upper(),
        "caller_number": "+34 600 000 000",
        "category": desk.category("server_no_ping").pk,
        "subject": "El servidor no responde",
        "body": "Llama porque no responde al ping.",
        "duration": "240",
        "notes": "Cliente tranquilo.",
        "action": "open",
    }
    values.update(overrides)
    return values


class TestIntake:
    def test_it_opens_a_phone_ticket_and_logs_the_call(self, client, desk):
        client.force_login(desk.l1)
        line = incident_line()
        response = client.post(reverse("console:phone", args=[line.pk]), form(desk))
        ticket = Ticket.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse("console:ticket", args=[ticket.number])
        assert ticket.channel == "phone" and ticket.organisation == desk.lucia.organisation
        assert ticket.service == desk.server and ticket.requester == desk.lucia
        assert ticket.events.get(kind="created").actor == desk.l1
        call = CallLog.objects.get()
        assert (call.line, call.agent, call.ticket, call.caller_number) == (line, desk.l1, ticket, "+34 600 000 000")
        assert call.duration_seconds == 240 and call.notes == "Cliente tranquilo."
        assert call.state == CallState.HUNG_UP

    def test_what_the_agent_types_is_theirs_not_the_customers(self, client, desk):
        client.force_login(desk.l1)
        client.post(reverse("console:phone", args=[incident_line().pk]), form(desk))
        first = Ticket.objects.get().messages.get()
        assert (first.author, first.sender, first.internal) == (desk.l1, "support", False)
        assert first.body == "Llama porque no responde al ping."
        client.force_login(desk.lucia)
        page = client.get(f"/manager/support/tickets/{first.ticket.number}/").content.decode()
        assert "Llama porque no responde al ping." in page and "Lucía Martín" not in page.split("conversation", 1)[-1]

    def test_a_service_of_another_customer_is_refused_and_nothing_is_written(self, client, desk):
        client.force_login(desk.l1)
        response = client.post(
            reverse("console:phone", args=[incident_line().pk]),
            form(desk, service_reference=desk.hosting.reference),
        )
        assert response.status_code == 400
        assert "does not belong to the customer lm4321-ovh" in response.text
        assert 'value="Llama porque no responde al ping."' in response.text or "Llama porque" in response.text
        assert not Ticket.objects.exists() and not CallLog.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("customer_identifier", "xx0000-ovh", "There is no customer with the identifier xx0000-ovh."),
            ("service_reference", "nope.example", "There is no service with the reference nope.example."),
            ("customer_identifier", "l1", "There is no customer with the identifier l1."),
        ],
    )
    def test_unknown_customer_or_service_is_said_clearly(self, client, desk, field, value, message):
        client.force_login(desk.l1)
        response = client.post(reverse("console:phone", args=[incident_line().pk]), form(desk, **{field: value}))
        assert response.status_code == 400
        assert message in response.text
        assert not Ticket.objects.exists()

    def test_check_verifies_without_opening(self, client, desk):
        client.force_login(desk.l1)
        response = client.post(
            reverse("console:phone", args=[incident_line().pk]), form(desk, action="check", subject="", body="")
        )
        assert response.status_code == 200
        assert response.context["verified"].service == desk.server
        assert not Ticket.objects.exists()

    def test_opening_needs_a_subject_and_a_description(self, client, desk):
        client.force_login(desk.l1)
        response = client.post(reverse("console:phone", args=[incident_line().pk]), form(desk, subject="", body=""))
        assert response.status_code == 400
        assert set(response.context["form"].errors) == {"subject", "body"}

    def test_a_category_of_another_level_is_not_offered(self, client, desk):
        client.force_login(desk.l1)
        response = client.post(
            reverse("console:phone", args=[incident_line().pk]), form(desk, category=desk.category("install_site").pk)
        )
        assert response.status_code == 400 and "category" in response.context["form"].errors

    def test_the_assistance_line_is_for_level_2(self, client, desk):
        line = PhoneLine.objects.get(number="902 106 113")
        client.force_login(desk.l1)
        response = client.post(
            reverse("console:phone", args=[line.pk]), form(desk, category=desk.category("install_site").pk)
        )
        assert response.status_code == 400 and "answered by L2 staff" in response.text
        client.force_login(desk.l2)
        response = client.post(
            reverse("console:phone", args=[line.pk]),
            form(
                desk,
                customer_identifier="pg2468-ovh",
                service_reference=desk.hosting.reference,
                category=desk.category("install_site").pk,
            ),
        )
        assert response.status_code == 302
        assert Ticket.objects.get().level.code == "L2"

    def test_the_lines_page_lists_both_lines(self, client, desk):
        client.force_login(desk.l1)
        response = client.get(reverse("console:phone_lines"))
        assert "902 906 033" in response.text and "902 106 113" in response.text


def post_event(client, payload, *, secret=SECRET, timestamp=None, tamper=False):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    header = signing.build_header(secret.encode(), timestamp or int(time.time()), body)
    if tamper:
        body = body.replace(b"600", b"700")
    return (
        client.post(
            reverse("console:cti_event"), body, content_type="application/json", HTTP_X_TIERDESK_SIGNATURE=header
        ),
        header,
        body,
    )


@pytest.fixture
def cti(settings):  # type: ignore[no-untyped-def]
    settings.TIERDESK_CTI_SECRET = SECRET


class TestCtiEndpoint:
    def event(self, **overrides):  # type: ignore[no-untyped-def]
        payload = {
            "event": "ringing",
            "call_id": "pbx-1",
            "line": "+34 902 906 033",
            "caller_number": "+34600000000",
            "digits": "lm4321-ovh",
        }
        payload.update(overrides)
        return payload

    def test_ringing_answered_hung_up_fill_one_call(self, client, desk, cti):
        response, _h, _b = post_event(client, self.event())
        assert response.status_code == 200 and response.json()["state"] == "ringing"
        response, _h, _b = post_event(client, self.event(event="answered", agent="L1"))
        assert response.json()["state"] == "answered"
        call = CallLog.objects.get()
        assert call.agent == desk.l1 and call.digits == "lm4321-ovh" and call.answered_at is not None
        # The answering agent's phone screen is pre-filled.
        client.force_login(desk.l1)
        page = client.get(reverse("console:phone", args=[incident_line().pk]))
        initial = page.context["form"].initial
        assert initial == {"caller_number": "+34600000000", "call": call.pk, "customer_identifier": "lm4321-ovh"}
        assert "+34600000000" in page.text
        # Opening the ticket attaches it to the announced call instead of logging a second one.
        client.post(
            reverse("console:phone", args=[incident_line().pk]),
            form(desk, call=call.pk, caller_number="+34600000000", duration=""),
        )
        response, _h, _b = post_event(client, self.event(event="hung_up"))
        assert response.json()["state"] == "hung_up"
        call.refresh_from_db()
        assert CallLog.objects.count() == 1 and call.ticket == Ticket.objects.get()
        assert call.duration_seconds is not None and call.ended_at is not None
        # A late duplicate "ringing" does not move the call back.
        response, _h, _b = post_event(client, self.event(event="ringing"))
        call.refresh_from_db()
        assert call.state == CallState.HUNG_UP

    def test_a_tampered_body_is_refused(self, client, desk, cti):
        response, _h, _b = post_event(client, self.event(), tamper=True)
        assert response.status_code == 401 and response.json()["error"]["code"] == "bad_signature"
        assert not CallLog.objects.exists()

    def test_a_wrong_secret_or_no_header_is_refused(self, client, desk, cti):
        response, _h, _b = post_event(client, self.event(), secret="other")
        assert response.status_code == 401
        response = client.post(reverse("console:cti_event"), b"{}", content_type="application/json")
        assert response.status_code == 401 and response.json()["error"]["code"] == "missing_header"

    def test_a_stale_event_is_refused(self, client, desk, cti):
        response, _h, _b = post_event(client, self.event(), timestamp=int(time.time()) - 3600)
        assert response.status_code == 401 and response.json()["error"]["code"] == "stale_timestamp"

    def test_a_replayed_event_is_refused(self, client, desk, cti):
        response, header, body = post_event(client, self.event())
        assert response.status_code == 200
        again = client.post(
            reverse("console:cti_event"), body, content_type="application/json", HTTP_X_TIERDESK_SIGNATURE=header
        )
        assert again.status_code == 409 and again.json()["error"]["code"] == "replayed"
        assert ReplayKey.objects.filter(source="cti").count() == 1 and CallLog.objects.count() == 1

    @pytest.mark.parametrize(
        ("payload", "status", "code"),
        [
            ({"event": "ringing", "call_id": "x", "line": "999"}, 422, "unknown_line"),
            ({"event": "exploded", "call_id": "x", "line": "902906033"}, 422, "event_invalid"),
            ({"event": "ringing", "call_id": "", "line": "902906033"}, 422, "call_id_invalid"),
            ({"event": "ringing", "call_id": "x", "line": "902906033", "agent": "nobody"}, 422, "unknown_agent"),
            ({"event": "ringing", "call_id": "x", "line": "902906033", "agent": "lm4321-ovh"}, 422, "unknown_agent"),
            ({"event": "ringing", "call_id": 5, "line": "902906033"}, 422, "invalid_field"),
            ([1, 2], 400, "invalid_json"),
        ],
    )
    def test_bad_events_get_a_clear_json_error(self, client, desk, cti, payload, status, code):
        response, _h, _b = post_event(client, payload)
        assert response.status_code == status
        assert response.json()["error"]["code"] == code

    def test_not_json_is_400(self, client, desk, cti):
        body = b"not json"
        header = signing.build_header(SECRET.encode(), int(time.time()), body)
        response = client.post(
            reverse("console:cti_event"), body, content_type="application/json", HTTP_X_TIERDESK_SIGNATURE=header
        )
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"

    def test_without_a_secret_configured_events_are_refused(self, client, desk, settings):
        settings.TIERDESK_CTI_SECRET = ""
        response, _h, _b = post_event(client, self.event())
        assert response.status_code == 503 and response.json()["error"]["code"] == "not_configured"

    def test_get_is_not_allowed(self, client, desk, cti):
        assert client.get(reverse("console:cti_event")).status_code == 405


def test_a_refused_event_leaves_no_replay_key(client, desk, cti):
    # An event the desk refuses (an unknown event name) must not burn its signature: the PBX
    # may correct its connector and the same delivery is not "replayed".
    response, _header, _body = post_event(client, {"event": "exploded", "call_id": "x", "line": "902906033"})
    assert response.status_code == 422
    assert not ReplayKey.objects.exists()


class TestLiveCall:
    """The phone screen's poll: the agent's own call on the line, as JSON."""

    def url(self, line=None):  # type: ignore[no-untyped-def]
        return reverse("console:phone_call", args=[(line or incident_line()).pk])

    def test_no_call_then_ringing_then_answered(self, client, desk, cti):
        client.force_login(desk.l1)
        response = client.get(self.url())
        assert response.status_code == 200 and response.json() == {"call": None}
        assert response["Cache-Control"] == "no-store"
        event = {"call_id": "pbx-9", "line": "902906033", "caller_number": "+34611", "agent": "l1"}
        post_event(client, {**event, "event": "ringing", "digits": "ns1.example.eu"})
        call = client.get(self.url()).json()["call"]
        assert (call["state"], call["caller_number"], call["digits"]) == ("ringing", "+34611", "ns1.example.eu")
        assert call["form"] == {"caller_number": "+34611", "call": call["id"], "service_reference": "ns1.example.eu"}
        post_event(client, {**event, "event": "answered", "digits": "lm4321-ovh"})
        call = client.get(self.url()).json()["call"]
        assert call["state"] == "answered" and call["form"]["customer_identifier"] == "lm4321-ovh"

    def test_only_the_agents_own_call_on_that_line(self, client, desk, cti):
        post_event(client, {"event": "ringing", "call_id": "pbx-5", "line": "902906033", "agent": "l2"})
        client.force_login(desk.l1)
        assert client.get(self.url()).json() == {"call": None}
        client.force_login(desk.l2)
        assert client.get(self.url()).json()["call"]["state"] == "ringing"
        other = PhoneLine.objects.exclude(pk=incident_line().pk).get()
        assert client.get(self.url(other)).json() == {"call": None}

    def test_staff_only_with_json_errors(self, client, desk):
        response = client.get(self.url())
        assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
        client.force_login(desk.lucia)
        response = client.get(self.url())
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
        client.force_login(desk.l1)
        response = client.get(reverse("console:phone_call", args=[999]))
        assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_line"

    def test_the_screen_works_without_javascript_and_loads_the_poller(self, client, desk):
        client.force_login(desk.l1)
        page = client.get(reverse("console:phone", args=[incident_line().pk])).text
        assert 'id="refresh-call"' in page and f'data-poll-url="{self.url()}"' in page
        assert "console/phone" in page and ".js" in page
