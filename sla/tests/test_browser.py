"""Journey 1 in a real browser: Lucía sees when an answer is due, in her own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import screenshot


def _session_cookie(user) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.browser
def test_lucia_sees_the_due_time_and_the_agent_sees_the_queue_mark(live_server, desk, open_incident, chromium):
    from slawatch.scan import scan

    desk.lucia.time_zone = "Atlantic/Canary"
    desk.lucia.save(update_fields=["time_zone"])
    opened = timezone.now() - timedelta(hours=2)
    ticket = open_incident(now=opened)
    due = (opened + timedelta(hours=6)).astimezone(ZoneInfo("Atlantic/Canary"))
    scan(timezone.now())  # past the 1 h warning
    for person, path, shot in (
        (desk.lucia, reverse("portal:ticket", args=[ticket.number]), "sla-customer-ticket"),
        (desk.l1, reverse("console:queue") + "?level=L1", "sla-console-queue"),
    ):
        context = chromium.new_context()
        name, value = _session_cookie(person)
        context.add_cookies([{"name": name, "value": value, "url": live_server.url}])
        page = context.new_page()
        page.goto(live_server.url + path)
        screenshot(page, shot)
        text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
        if person == desk.lucia:
            assert "An answer is due by" in text
            assert "Atlantic/Canary" in text
            stamp = page.get_attribute(".sla-clock time", "datetime")
            assert stamp is not None and datetime.fromisoformat(stamp) == due
            assert datetime.fromisoformat(stamp).utcoffset() == due.utcoffset()
        else:
            assert f"#{ticket.number}" in text
            assert "Due soon" in text
        context.close()
