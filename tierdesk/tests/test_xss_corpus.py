"""Hostile input: an XSS corpus entered through the Manager, e-mail, REST v1 and the OVH API, then
opened in Chromium as the customer and as an agent, with the CSP bypassed (so the escaping alone
is what stops it): no dialog opens and no element the corpus would inject is in any page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from api.tests.test_hostile_requests import consumer_for, signed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORPUS = [
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=alert('xss-2')>",
    "<svg onload=alert('xss-3')><circle r=1 /></svg>",
    "[click me](javascript:alert('xss-4'))",
    "[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzLTUnKTwvc2NyaXB0Pg==)",
    "<iframe srcdoc=\"<script>alert('xss-6')</script>\"></iframe>",
    "<a href=\"javascript:alert('xss-7')\">a link</a>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-8')>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('xss-9')>\">",
    "\"><svg/onload=alert('xss-10')>",
    "<details open ontoggle=alert('xss-11')>",
    "![pic](x\" onerror=\"alert('xss-12'))",
    "<form action=javascript:alert('xss-13')><button>go</button></form>",
    "<object data=\"data:text/html,<script>alert('xss-14')</script>\"></object>",
]
BODY = "Corpus:\n\n" + "\n\n".join(CORPUS)

# Elements or attributes only the corpus would put in a page.
INJECTED = """() => document.querySelectorAll([
  'script:not([src]):not([type="application/json"]):not([type="application/ld+json"])',
  '[onerror]', '[onload]', '[ontoggle]', '[onclick]', 'iframe', 'object', 'embed', 'math',
  'a[href^="javascript:" i]', 'a[href^="data:" i]', 'form[action^="javascript:" i]', 'img[src="x"]'
].join(',')).length"""


def enter_everywhere(desk: Any, settings: Any) -> list[int]:
    """The corpus through the four ways in; returns the tickets' numbers."""
    from api.actions import create_token
    from api.models import OvhApplication
    from notifications.actions import receive_raw_mail
    from tickets.models import Ticket

    numbers = []
    token = create_token(user=desk.lucia, name="xss", scope="write", actor=desk.lucia).secret
    rest = Client().post(
        "/api/v1/tickets",
        {"subject": CORPUS[1], "body": BODY, "category": "technical_other"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert rest.status_code == 201, rest.content
    numbers.append(rest.json()["number"])

    manager = Client()
    manager.force_login(desk.lucia)
    reply = manager.post(f"/manager/support/tickets/{numbers[0]}/reply/", {"body": BODY})
    assert reply.status_code in (200, 302)

    application = OvhApplication.objects.create(name=CORPUS[0], application_key="ak-test", application_secret="as-test")
    consumer = consumer_for(application, desk.lucia)
    created = signed(
        Client(), application, consumer, "POST", "/support/tickets/create",
        {"subject": CORPUS[3], "body": BODY, "category": "assistance"},
    )  # fmt: skip
    assert created.status_code == 200, created.content
    numbers.append(created.json()["ticketNumber"])

    raw = (
        f"From: Lucía <{desk.lucia.email}>\r\nTo: {settings.DEFAULT_FROM_EMAIL}\r\n"
        f"Subject: {CORPUS[2]}\r\nMessage-ID: <xss-1@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{BODY}\r\n"
    ).encode()
    receive_raw_mail(raw, envelope_from=desk.lucia.email, envelope_to=[settings.DEFAULT_FROM_EMAIL], now=timezone.now())
    by_mail = Ticket.objects.exclude(number__in=numbers).order_by("-id").first()
    assert by_mail is not None and "xss-3" in by_mail.subject
    numbers.append(by_mail.number)
    return numbers


def session(user: Any) -> str:
    browser = Client()
    browser.force_login(user)
    return browser.cookies["sessionid"].value


def open_pages(chromium: Any, base: str, user: Any, paths: list[str]) -> dict[str, Any]:
    context = chromium.new_context(bypass_csp=True)
    host = base.split("://", 1)[1].split(":")[0]
    context.add_cookies([{"name": "sessionid", "value": session(user), "domain": host, "path": "/"}])
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    found: dict[str, Any] = {}
    try:
        for path in paths:
            response = page.goto(base + path, wait_until="networkidle")
            assert response is not None and response.status == 200, (path, response and response.status)
            page.wait_for_timeout(200)
            injected = page.evaluate(INJECTED)
            if "/tickets/" in path:  # the corpus is on the page, as text: the check reads the right page
                assert "xss-" in page.content(), path
            if injected or dialogs:
                found[path] = {"injected": injected, "dialogs": list(dialogs)}
            dialogs.clear()
    finally:
        context.close()
    return found


def test_the_corpus_never_runs_for_the_customer_or_the_agent(live_server, desk, chromium, settings):  # type: ignore[no-untyped-def]
    numbers = enter_everywhere(desk, settings)
    customer = ["/manager/support/"] + [f"/manager/support/tickets/{n}/" for n in numbers]
    agent = ["/console/", "/console/search/?q=xss"] + [f"/console/tickets/{n}/" for n in numbers]
    found = {
        **open_pages(chromium, live_server.url, desk.lucia, customer),
        **open_pages(chromium, live_server.url, desk.supervisor, agent),
    }
    assert found == {}
