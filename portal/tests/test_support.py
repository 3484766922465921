"""Mis productos and Soporte: the customer's services and tickets, filtered and paged."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from tickets import actions

SUPPORT = reverse("portal:support")


def test_my_products_lists_the_customers_services_with_references_and_kinds(client, desk):
    client.force_login(desk.pedro)
    page = client.get(reverse("portal:products")).text
    assert desk.hosting.reference in page and desk.mail.reference in page
    assert "Web hosting" in page or "Alojamiento" in page or "hosting" in page.lower()
    assert desk.server.reference not in page and desk.other_service.reference not in page
    assert f"{reverse('portal:incident_new')}?service={desk.hosting.reference}" in page


def test_support_shows_both_entry_points_and_the_phone_lines_with_what_to_have_at_hand(client, desk):
    client.force_login(desk.lucia)
    page = client.get(SUPPORT).text
    assert reverse("portal:incident_new") in page and reverse("portal:assistance_new") in page
    assert "902 906 033" in page and "902 106 113" in page
    assert "lm4321-ovh" in page


def _ticket(desk, owner, service, code, now, minutes):  # type: ignore[no-untyped-def]
    return actions.open_ticket(
        organisation=owner.organisation,
        requester=owner,
        service=service,
        category=desk.category(code),
        subject=f"{code} {minutes}",
        body="x",
        channel="manager",
        actor=owner,
        now=now + timedelta(minutes=minutes),
    )


def test_newest_activity_first_and_filters_by_status_level_and_service(client, desk, now):
    old = _ticket(desk, desk.pedro, desk.hosting, "hosting_unreachable", now, 1)
    assistance = _ticket(desk, desk.pedro, desk.mail, "configure_mail", now, 2)
    newest = _ticket(desk, desk.pedro, desk.hosting, "install_site", now, 3)
    actions.reply(old, actor=desk.pedro, body="¿novedades?", now=now + timedelta(minutes=10))
    actions.close_ticket(newest, actor=desk.pedro, now=now + timedelta(minutes=4))
    client.force_login(desk.pedro)

    def numbers(**params):  # type: ignore[no-untyped-def]
        page = client.get(SUPPORT, params).text
        return [n for n in (old.number, assistance.number, newest.number) if f"#{n}<" in page], page

    listed, page = numbers()
    assert page.index(f"#{old.number}<") < page.index(f"#{newest.number}<") < page.index(f"#{assistance.number}<")
    assert sorted(numbers(status="closed")[0]) == [newest.number]
    assert sorted(numbers(status="active")[0]) == sorted([old.number, assistance.number])
    assert sorted(numbers(level="L1")[0]) == [old.number]
    assert sorted(numbers(level="L2", service=desk.hosting.reference)[0]) == [newest.number]
    assert sorted(numbers(status="bogus", level="L9")[0]) == sorted(listed)


def test_pages_are_bounded_and_follow_on(client, desk, now, settings):
    from portal import views

    for i in range(views.PAGE_SIZE + 3):
        _ticket(desk, desk.lucia, desk.server, "server_no_ping", now, i)
    client.force_login(desk.lucia)
    first = client.get(SUPPORT)
    assert first.text.count('<a href="/manager/support/tickets/') == views.PAGE_SIZE
    assert 'rel="next"' in first.text
    next_href = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(SUPPORT + next_href)
    assert second.text.count('<a href="/manager/support/tickets/') == 3
    assert 'rel="next"' not in second.text
    # A broken cursor shows the first page rather than an error.
    assert client.get(SUPPORT, {"after": "garbage"}).status_code == 200


def test_the_support_list_costs_the_same_at_any_size(client, desk, now, django_assert_num_queries):
    _ticket(desk, desk.lucia, desk.server, "server_no_ping", now, 0)
    client.force_login(desk.lucia)
    client.get(SUPPORT)
    # session, user, services, levels, tickets, phone lines, the outage banner (none open)
    with django_assert_num_queries(7):
        client.get(SUPPORT, {"status": "active", "level": "L1", "service": desk.server.reference})
    for i in range(40):
        _ticket(desk, desk.lucia, desk.server, "server_no_ping", now, i + 1)
    with django_assert_num_queries(7):
        client.get(SUPPORT, {"status": "active", "level": "L1", "service": desk.server.reference})


def test_dates_are_shown_in_the_customers_time_zone(client, desk, now):
    ticket = _ticket(desk, desk.lucia, desk.server, "server_no_ping", now, 0)  # 10:00 UTC
    desk.lucia.time_zone = "America/New_York"
    desk.lucia.save(update_fields=["time_zone"])
    client.force_login(desk.lucia)
    assert 'datetime="2027-03-02T05:00:00-05:00"' in client.get(SUPPORT).text
    assert 'datetime="2027-03-02T05:00:00-05:00"' in client.get(reverse("portal:ticket", args=[ticket.number])).text
