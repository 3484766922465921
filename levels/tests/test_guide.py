"""The guide's defaults load once, reproduce the guide, and survive a second run."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command

from levels.models import Category, PhoneLine, SupportLevel
from sla.models import SlaPolicy


def test_the_fixture_reproduces_the_guide(db):
    call_command("setup_desk")
    levels = {level.code: level for level in SupportLevel.objects.all()}
    assert (levels["L1"].name_es, levels["L2"].name_es, levels["L3"].name_es) == (
        "Incidencias",
        "Asistencia",
        "Infogerencia",
    )
    always, business = levels["L1"].calendar, levels["L2"].calendar
    assert always is not None and always.always_open
    assert business is not None and not business.always_open and business.subdivision == "MD"
    assert levels["L2"].technical and levels["L2"].commercial
    assert {p.level.code: p.number for p in PhoneLine.objects.all()} == {"L1": "902 906 033", "L2": "902 106 113"}
    l1 = SlaPolicy.objects.get(level__code="L1")
    assert (l1.first_response_warning, l1.first_response_target) == (timedelta(hours=1), timedelta(hours=6))
    l2 = SlaPolicy.objects.get(level__code="L2")
    assert (l2.first_response_warning, l2.first_response_target) == (timedelta(hours=12), timedelta(hours=24))
    incident_types = set(Category.objects.filter(level__code="L1").values_list("code", flat=True))
    assert incident_types == {
        "server_no_ping", "hosting_unreachable", "mail_cannot_send", "domain_dns_failure", "incident_other",
    }  # fmt: skip
    kinds = set(Category.objects.filter(level__code="L2").values_list("kind", flat=True))
    assert kinds == {"assistance_technical", "assistance_commercial"}
    assert set(levels["L2"].teams.values_list("code", flat=True)) == {"l2-technical", "l2-commercial"}


def test_setup_keeps_what_an_administrator_edited(db):
    call_command("setup_desk")
    SupportLevel.objects.filter(code="L1").update(name_es="Urgencias")
    call_command("setup_desk")
    assert SupportLevel.objects.get(code="L1").name_es == "Urgencias"


def test_names_follow_the_active_language(db):
    from django.utils import translation

    call_command("setup_desk")
    level = SupportLevel.objects.get(code="L3")
    with translation.override("fr"):
        assert level.name == "Infogérance"
    with translation.override("en"):
        assert level.name == "Managed services"


def test_the_admin_shows_levels_categories_and_phone_lines(admin_client, db):
    call_command("setup_desk")
    page = admin_client.get("/admin/levels/supportlevel/").text
    assert "Incidencias" in page and "Infogerencia" in page
    detail = admin_client.get(f"/admin/levels/supportlevel/{SupportLevel.objects.get(code='L1').pk}/change/").text
    assert "902 906 033" in detail and "server_no_ping" in detail
    assert admin_client.get("/admin/levels/category/").status_code == 200
    assert admin_client.get("/admin/levels/phoneline/").status_code == 200
