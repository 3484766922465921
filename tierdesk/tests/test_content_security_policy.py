"""The Content-Security-Policy and Permissions-Policy on every answer, and in Chromium: the main
pages of the Manager, the console, the administration and the API's own pages, opened as a
customer, an agent and a supervisor, report no violation (``securitypolicyviolation`` events and
the console's CSP messages, caught from before the first byte of each page)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

INIT = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked=${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


def test_every_answer_carries_the_policies(desk, client):  # type: ignore[no-untyped-def]
    for path in ("/accounts/login/", "/api/v1/ping", "/1.0/auth/time", "/health/"):
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'", path
        assert directives["style-src"] == "'self'", path
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'", path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_no_template_has_inline_script_or_style():  # type: ignore[no-untyped-def]
    """Pages (not e-mails, which no browser policy governs) never need 'unsafe-inline'."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found = []
    for template in root.glob("*/templates/**/*.html"):
        if "notifications/templates/notifications" in template.as_posix():
            continue  # e-mail bodies
        text = template.read_text()
        for pattern in (
            r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)",
            r"\sstyle=",
            r"<style\b",
            r"\son[a-z]+=",
        ):
            if re.search(pattern, text, re.I):
                found.append(f"{template.relative_to(root)}: {pattern}")
    assert found == []


def _session(user: Any) -> str:
    browser = Client()
    browser.force_login(user)
    return browser.cookies["sessionid"].value


def _walk(chromium: Any, base: str, user: Any, paths: list[str]) -> dict[str, list[str]]:
    context = chromium.new_context()
    if user is not None:
        host = base.split("://", 1)[1].split(":")[0]
        context.add_cookies([{"name": "sessionid", "value": _session(user), "domain": host, "path": "/"}])
    context.add_init_script(INIT)
    page = context.new_page()
    console: list[str] = []
    page.on(
        "console", lambda message: console.append(message.text) if "Content Security Policy" in message.text else None
    )
    found: dict[str, list[str]] = {}
    try:
        for path in paths:
            console.clear()
            response = page.goto(base + path, wait_until="networkidle")
            assert response is not None and response.status < 400, (path, response and response.status)
            violations = list(page.evaluate("window.__cspViolations")) + console
            if violations:
                found[path] = violations
    finally:
        context.close()
    return found


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_main_pages_report_no_violation_in_chromium(live_server, desk, chromium, open_incident, settings):  # type: ignore[no-untyped-def]
    from api.actions import request_consumer_key
    from api.models import OvhApplication

    ticket = open_incident()
    application = OvhApplication.objects.create(name="script", application_key="ak-csp", application_secret="s")
    pending = request_consumer_key(application=application, rules=[{"method": "GET", "path": "/support/*"}])
    customer_pages = [
        "/manager/",
        "/manager/products/",
        "/manager/support/",
        "/manager/support/incident/new/",
        "/manager/support/assistance/new/",
        f"/manager/support/tickets/{ticket.number}/",
        "/infogerencia/manager/",
        "/accounts/security/",
        "/guides/",
        "/api/tokens/",
        f"/api/credentials/{pending.key.validation_token}/",
        "/api/v1/docs",
    ]
    agent_pages = [
        "/console/",
        f"/console/tickets/{ticket.number}/",
        "/console/search/?q=servidor",
        "/console/phone/",
        "/notifications/preferences/",
        f"/triage/tickets/{ticket.number}/",
        "/guides/",
    ]
    supervisor_pages = [
        "/console/dashboard/",
        "/console/sla/",
        "/triage/flagged/",
        "/triage/outages/",
        "/infogerencia/console/",
        "/admin/",
        "/admin/tickets/ticket/",
        f"/admin/tickets/ticket/{ticket.pk}/change/",
    ]
    anonymous_pages = ["/accounts/login/", "/accounts/password/reset/"]
    supervisor = desk.supervisor
    supervisor.is_superuser = True
    supervisor.save(update_fields=["is_superuser"])
    found = {
        **_walk(chromium, live_server.url, None, anonymous_pages),
        **_walk(chromium, live_server.url, desk.lucia, customer_pages),
        **_walk(chromium, live_server.url, desk.l1, agent_pages),
        **_walk(chromium, live_server.url, supervisor, supervisor_pages),
    }
    assert found == {}
