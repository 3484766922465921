"""Supervisors run the desk's settings in the administration; other staff and customers do not."""

from __future__ import annotations

import pytest

from levels.models import SupportLevel
from sla.models import BusinessCalendar


@pytest.mark.parametrize(
    "path",
    [
        "/admin/sla/businesscalendar/",
        "/admin/sla/slapolicy/",
        "/admin/levels/supportlevel/",
        "/admin/levels/category/",
        "/admin/console/cannedreply/",
        "/admin/triage/routingruleset/",
        "/admin/infogerencia/interventiontype/",
        "/admin/guides/article/",
        "/admin/api/webhook/",
    ],
)
def test_a_supervisor_reaches_the_desks_settings(client, desk, path):  # type: ignore[no-untyped-def]
    client.force_login(desk.supervisor)
    assert client.get(path).status_code == 200
    assert client.get(path + "add/").status_code == 200


def test_a_supervisor_edits_a_level_with_its_teams_lines_and_categories_but_does_not_delete_it(client, desk):  # type: ignore[no-untyped-def]
    client.force_login(desk.supervisor)
    level = SupportLevel.objects.get(code="L2")
    page = client.get(f"/admin/levels/supportlevel/{level.pk}/change/").content.decode()
    assert 'name="teams-0-code"' in page and 'name="categories-0-code"' in page  # the inlines are editable
    assert client.get(f"/admin/levels/supportlevel/{level.pk}/delete/").status_code == 403
    assert (
        client.get(
            f"/admin/sla/businesscalendar/{BusinessCalendar.objects.get(code='madrid-business').pk}/delete/"
        ).status_code
        == 403
    )


def test_people_and_money_stay_with_the_administrators(client, desk):  # type: ignore[no-untyped-def]
    client.force_login(desk.supervisor)
    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get("/admin/infogerencia/invoice/").status_code == 403


@pytest.mark.parametrize("person", ["l1", "l2", "l3", "lucia"])
def test_other_staff_and_customers_are_sent_to_log_in(client, desk, person):  # type: ignore[no-untyped-def]
    client.force_login(getattr(desk, person))
    response = client.get("/admin/sla/businesscalendar/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
