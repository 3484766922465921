"""The guide's business calendars by their names in the reader's language, in the administration too."""

from __future__ import annotations

from django.utils import translation

from sla.models import BusinessCalendar


def test_the_guides_calendars_read_in_each_language_and_a_renamed_one_as_named(desk):
    business = BusinessCalendar.objects.get(code="madrid-business")
    always = BusinessCalendar.objects.get(code="always-open")
    names = {
        "es": ("Lunes a viernes 09:00–18:00 (Madrid)", "24 h / 365 días"),
        "en": ("Monday to Friday 09:00–18:00 (Madrid)", "24 h / 365 days"),
        "fr": ("Du lundi au vendredi, 09:00–18:00 (Madrid)", "24 h / 365 jours"),
    }
    for language, (business_name, always_name) in names.items():
        with translation.override(language):
            assert (str(business), str(always)) == (business_name, always_name)
    business.name = "Horario de Canarias"
    with translation.override("en"):
        assert str(business) == "Horario de Canarias"


def test_the_administration_lists_calendars_by_name(client, desk):
    type(desk.supervisor).objects.filter(pk=desk.supervisor.pk).update(language="fr")
    client.force_login(desk.supervisor)
    page = client.get("/admin/sla/businesscalendar/").text
    assert "Du lundi au vendredi, 09:00–18:00 (Madrid)" in page and "Lunes a viernes" not in page
    assert "madrid-business" not in page
