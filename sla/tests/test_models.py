"""Calendar and policy rows: validation messages an administrator can act on, and the adapter."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from sla import adapter
from sla.calendar import add_business_time, is_open
from sla.models import BusinessCalendar, SlaPolicy
from sla.tests.conftest import madrid


def errors_of(calendar: BusinessCalendar) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        calendar.full_clean()
    return refused.value.message_dict


class TestCalendarValidation:
    def test_the_guide_calendars_are_valid(self, desk):
        for calendar in BusinessCalendar.objects.all():
            calendar.full_clean()

    @pytest.mark.parametrize(
        ("windows", "message"),
        [
            ({"0": [["9:00", "18:00"]]}, "9:00 is not a time"),
            ({"0": [["09:00", "25:00"]]}, "25:00 is not a time"),
            ({"0": [["18:00", "09:00"]]}, "ends before it starts"),
            ({"0": [["09:00", "14:00"], ["13:00", "18:00"]]}, "overlap"),
            ({"7": [["09:00", "18:00"]]}, "is not a weekday"),
            ({"0": ["09:00-18:00"]}, "is not a [start, end] pair"),
            ({}, "at least one opening window"),
            ([], "0 is Monday"),
        ],
    )
    def test_it_explains_bad_windows(self, desk, windows, message):
        calendar = BusinessCalendar(code="x", name="x", windows=windows)
        assert any(message in text for text in errors_of(calendar)["windows"])

    def test_it_accepts_several_windows_and_a_24_00_end(self, desk):
        calendar = BusinessCalendar(
            code="split",
            name="split",
            windows={"0": [["09:00", "14:00"], ["15:00", "18:00"]], "5": [["20:00", "24:00"]]},
            country="ES",
            subdivision="CT",
            closures=["2027-12-24"],
        )
        calendar.full_clean()

    def test_it_explains_bad_zones_countries_regions_and_dates(self, desk):
        errors = errors_of(
            BusinessCalendar(code="x", name="x", time_zone="Europe/Atlantis", country="ES", subdivision="XX")
        )
        assert "Europe/Atlantis is not a known time zone." in errors["time_zone"]
        assert "XX is not a region of ES" in errors["subdivision"][0]
        assert (
            "No public holidays are known for the country QQ."
            in errors_of(BusinessCalendar(code="x", name="x", country="QQ"))["country"]
        )
        assert (
            "2027-02-30 is not a date"
            in errors_of(BusinessCalendar(code="x", name="x", closures=["2027-02-30"]))["closures"][0]
        )

    def test_the_admin_form_shows_the_message(self, admin_client, admin_user, desk):
        admin_user.language = "en"  # a new user reads the desk's default, Spanish
        admin_user.save(update_fields=["language"])
        calendar = BusinessCalendar.objects.get(code="madrid-business")
        response = admin_client.post(
            f"/admin/sla/businesscalendar/{calendar.pk}/change/",
            {
                "code": calendar.code,
                "name": calendar.name,
                "time_zone": "Europe/Madrid",
                "windows": '{"0": [["09:00", "14:00"], ["13:00", "18:00"]]}',
                "country": "ES",
                "subdivision": "MD",
                "closures": "[]",
            },
        )
        assert response.status_code == 200
        assert "09:00–14:00 and 13:00–18:00 overlap." in response.content.decode()


class TestPolicyValidation:
    def test_a_warning_after_the_target_is_refused(self, desk):
        policy = SlaPolicy.objects.get(level__code="L2")
        policy.next_response_warning = timedelta(days=2)
        with pytest.raises(ValidationError) as refused:
            policy.full_clean()
        assert "next_response_warning" in refused.value.message_dict


class TestAdapter:
    def test_the_madrid_calendar_knows_the_regional_holiday(self, desk):
        calendar = adapter.calendar_for(BusinessCalendar.objects.get(code="madrid-business"))
        assert not is_open(calendar, madrid(2027, 5, 3, 10, 0))  # Comunidad de Madrid, observed Monday
        assert is_open(calendar, madrid(2027, 5, 4, 10, 0))

    def test_the_l1_calendar_takes_the_24_7_fast_path(self, desk):
        calendar = adapter.calendar_for(BusinessCalendar.objects.get(code="always-open"))
        assert calendar.is_always_open
        assert add_business_time(calendar, madrid(2027, 5, 3, 3, 0), timedelta(hours=6)) == madrid(2027, 5, 3, 9, 0)

    def test_it_caches_per_row_and_rebuilds_after_an_edit(self, desk):
        row = BusinessCalendar.objects.get(code="madrid-business")
        first = adapter.calendar_for(row)
        assert adapter.calendar_for(BusinessCalendar.objects.get(pk=row.pk)) is first
        row.closures = ["2027-05-04"]
        row.save()
        second = adapter.calendar_for(BusinessCalendar.objects.get(pk=row.pk))
        assert second is not first
        assert date(2027, 5, 4) in second.closures
