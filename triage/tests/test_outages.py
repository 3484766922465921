"""Services behind one host or rack failing together: one outage groups the alerts and the
tickets, affected customers see a status message, closing it resolves everything once."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.db.models import Count
from django.utils import translation

from accounts.actions import create_customer
from services.models import Endpoint, Service
from tickets.models import Channel, Message, Status, Ticket
from triage import queries
from triage.models import GroupedTicket, MonitoringAlert, Outage, OutageStatus, ProbeRun

pytestmark = pytest.mark.django_db


def customers_with_services(count: int, *, prefix: str, per_customer: int = 1, **where: str) -> list[Service]:
    services = []
    for index in range(count // per_customer):
        person = create_customer(
            name=f"Cliente {prefix} {index}",
            email=f"{prefix}{index}@example.com",
            password="a-long-test-password-1",
            identifier=f"{prefix[:2]}{10000 + index}-ovh",
            language=["es", "en", "fr"][index % 3],
        )
        for n in range(per_customer):
            assert person.organisation is not None
            service = Service.objects.create(
                organisation=person.organisation,
                reference=f"ns{index:03d}{n}.{prefix}.example.net",
                product="dedicated",
                **{key: value.format(i=index, n=n) for key, value in where.items()},
            )
            services.append(service)
    return services


def problem(service: Service, number: int, check: str = "ping") -> dict[str, Any]:
    return {
        "alert_id": f"{service.reference}-{number}",
        "service": service.reference,
        "check": check,
        "state": "problem",
        "time": "2027-03-02T10:00:00Z",
    }


def test_a_burst_of_500_alerts_for_50_services_on_one_host_gives_50_incidents_and_one_outage(
    desk: Any, monitoring: Any
) -> None:
    services = customers_with_services(50, prefix="burst", per_customer=5, host_node="hv-042", rack="rack-{i}")
    deliveries = [problem(service, n) for n in range(10) for service in services]
    random.Random(8).shuffle(deliveries)
    statuses = [monitoring(payload).status_code for payload in deliveries]
    assert statuses.count(201) == 50 and statuses.count(200) == 450

    incidents = Ticket.objects.filter(channel=Channel.MONITORING)
    assert incidents.count() == 50
    assert set(incidents.values_list("service_id", flat=True)) == {s.pk for s in services}
    assert set(incidents.values_list("level__code", flat=True)) == {"L1"}
    outage = Outage.objects.get()
    assert (outage.scope_kind, outage.scope_value, outage.status) == ("host_node", "hv-042", OutageStatus.OPEN)
    assert GroupedTicket.objects.filter(outage=outage).count() == 50
    assert MonitoringAlert.objects.filter(outage=outage).count() == 50
    assert sum(MonitoringAlert.objects.values_list("alert_count", flat=True)) == 500
    # One public message per ticket (the opening one), however many alerts arrived.
    per_ticket = Message.objects.filter(ticket__in=incidents, internal=False).values("ticket").annotate(n=Count("id"))
    assert {row["n"] for row in per_ticket} == {1}


def test_services_failing_on_different_hosts_open_no_outage(desk: Any, monitoring: Any) -> None:
    services = customers_with_services(6, prefix="apart", host_node="hv-{i}")
    for service in services:
        monitoring(problem(service, 1))
    assert Ticket.objects.filter(channel=Channel.MONITORING).count() == 6
    assert not Outage.objects.exists()


def test_journey_6_a_rack_loses_power(desk: Any, monitoring: Any, declare: Any, client: Any) -> None:
    servers = customers_with_services(40, prefix="rack", host_node="hv-r7-{i}", rack="r7")
    owners = {s.pk: s.organisation.contacts.get() for s in servers}
    Endpoint.objects.filter(service__in=servers).delete()

    # Two owners notice first and declare before monitoring says anything.
    early = [declare(owners[s.pk], s, "server_no_ping") for s in servers[:2]]
    assert all(ProbeRun.objects.filter(ticket=t).exists() for t in early)

    for service in servers:
        monitoring(problem(service, 1))
        monitoring(problem(service, 2))
    outage = Outage.objects.get()
    assert (outage.scope_kind, outage.scope_value) == ("rack", "r7")

    # Ten more declare while the outage is on: grouped at once, not probed.
    late = [declare(owners[s.pk], s, "server_no_ping") for s in servers[10:20]]
    assert not ProbeRun.objects.filter(ticket__in=late).exists()
    grouped = set(GroupedTicket.objects.filter(outage=outage).values_list("ticket_id", flat=True))
    assert {t.pk for t in early + late} <= grouped
    assert len(grouped) == 50  # 38 from monitoring, 2 early ones the alerts joined, 10 late ones
    assert Ticket.objects.filter(channel=Channel.MONITORING).count() == 38

    # The affected customer sees the status message, in their language; someone elsewhere does not.
    affected = owners[servers[15].pk]
    assert affected.language == "es"
    with translation.override(affected.language):
        banner = translation.gettext("Ongoing outage")
    assert banner == "Avería en curso"
    client.force_login(affected)
    page = client.get("/manager/support/").content.decode()
    assert banner in page and servers[15].reference in page
    client.force_login(desk.lucia)
    assert "Ongoing outage" not in client.get("/manager/support/").content.decode()
    evidence = queries.evidence_for(late[0], owners[servers[10].pk])
    assert evidence.outage == outage

    # Power is back: L1 closes the outage from its page.
    client.force_login(desk.l1)
    assert client.get(f"/triage/outages/{outage.pk}/").status_code == 200
    response = client.post(f"/triage/outages/{outage.pk}/", {"message": "Power supply replaced."})
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.status == OutageStatus.CLOSED and outage.closed_by == desk.l1
    tickets = Ticket.objects.filter(pk__in=grouped)
    assert set(tickets.values_list("status", flat=True)) == {Status.RESOLVED}
    # Each customer is told in their own language (the rack's customers read Spanish, English, French).
    language_of = {owner.organisation_id: owner.language for owner in owners.values()}
    assert {language_of[t.organisation_id] for t in tickets} == {"es", "en", "fr"}
    for ticket in tickets:
        with translation.override(language_of[ticket.organisation_id]):
            repaired = translation.gettext(
                "The failure of our infrastructure that affected your service %(service)s has been repaired "
                "and the service works again. We consider this incident resolved; reply to this message if "
                "the problem continues."
            ) % {"service": ticket.service.reference if ticket.service else ""}
        last = ticket.messages.filter(internal=False).order_by("id").last()
        assert (
            last is not None
            and last.author == desk.l1
            and repaired in last.body
            and "Power supply replaced." in last.body
        )
    assert not MonitoringAlert.objects.filter(resolved_at__isnull=True).exists()
    # No customer got one ticket per alert: one each, two for those who also declared during it.
    per_customer = dict(tickets.values_list("organisation").annotate(n=Count("id")))
    declared_late = {t.organisation_id for t in late}
    assert {n for org, n in per_customer.items() if org not in declared_late} == {1}
    assert {per_customer[org] for org in declared_late} == {2}
    client.force_login(affected)
    assert banner not in client.get("/manager/support/").content.decode()
    client.force_login(desk.l1)
    again = client.post(f"/triage/outages/{outage.pk}/", {"message": ""})
    assert again.status_code == 409


def test_only_l1_staff_or_a_supervisor_close_an_outage(desk: Any, monitoring: Any) -> None:
    from tickets.errors import Forbidden
    from triage.actions import close_outage

    servers = customers_with_services(3, prefix="small", host_node="hv-9")
    for service in servers:
        monitoring(problem(service, 1))
    outage = Outage.objects.get()
    with pytest.raises(Forbidden):
        close_outage(outage, actor=desk.l2)
    assert close_outage(outage, actor=desk.supervisor) == 3


def test_the_status_banner_costs_one_query_without_an_outage(desk: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        assert queries.outages_for_customer(desk.lucia) == []
    Service.objects.filter(pk=desk.server.pk).update(rack="r1")
    Outage.objects.create(scope_kind="rack", scope_value="r1", started_at=desk.server.created_at)
    with django_assert_num_queries(2):
        found = queries.outages_for_customer(desk.lucia)
    assert [item.services for item in found] == [[desk.server.reference]]


def test_the_outage_page_costs_the_same_with_more_tickets(desk: Any, monitoring: Any, client: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    servers = customers_with_services(12, prefix="cost", host_node="hv-5")
    client.force_login(desk.l1)
    counts = []
    for batch in (servers[:4], servers[4:]):
        for service in batch:
            monitoring(problem(service, 1))
        outage = Outage.objects.get()
        with CaptureQueriesContext(connection) as queries_run:
            assert client.get(f"/triage/outages/{outage.pk}/").status_code == 200
        counts.append(len(queries_run.captured_queries))
    assert GroupedTicket.objects.count() == 12
    assert counts[0] == counts[1]
