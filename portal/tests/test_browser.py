"""The Manager in a real Chromium: the customer's journeys, and axe-core on every portal page.

One browser for the module; each test gets a fresh context (its own cookies) and saves a
screenshot in test-artifacts/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import DEMO_PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def page(chromium, live_server):  # type: ignore[no-untyped-def]
    context = chromium.new_context(base_url=live_server.url, locale="es-ES", viewport={"width": 1200, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def shot(page: Any, name: str) -> None:
    screenshot(page, f"portal-{name}")


def log_in(page: Any, identifier: str) -> None:
    page.fill("#id_username", identifier)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main form button[type=submit]")


def test_a_customer_logs_in_and_declares_an_incident(page, desk, tmp_path):  # type: ignore[no-untyped-def]
    page.goto("/")
    log_in(page, "lm4321-ovh")
    page.wait_for_url("**/manager/support/")
    page.click("a.entry.incident")
    page.wait_for_url("**/manager/support/incident/new/**")
    page.select_option("#id_type", "server_no_ping")
    page.select_option("#id_service", desk.server.reference)
    page.fill("#id_description", "El servidor no responde al ping desde las 03:00.")
    trace = tmp_path / "traceroute.txt"
    trace.write_text("1  192.0.2.1  0.4 ms\n2  * * *\n")
    page.set_input_files("#id_attachments", str(trace))
    page.click("form.ticket-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/manager/support/tickets/\d+/$"))
    assert "traceroute.txt" in page.inner_text(".conversation")
    assert desk.server.reference in page.inner_text(".facts")
    shot(page, "incident-declared")
    from tickets.models import Ticket

    ticket = Ticket.objects.get()
    assert ticket.channel == "manager" and ticket.attachments.count() == 1


def test_an_assistance_request_from_a_direct_link_while_logged_out(page, desk, guides_loaded):  # type: ignore[no-untyped-def]
    page.goto(f"/manager/support/assistance/new/?service={desk.hosting.reference}&type=install_site")
    page.wait_for_url("**/accounts/login/**")
    log_in(page, "pg2468-ovh")
    page.wait_for_url("**/manager/support/assistance/new/**")
    assert page.input_value("#id_service") == desk.hosting.reference
    assert page.input_value("#id_type") == "install_site"
    suggestions = page.locator("#guide-suggestions")
    assert suggestions.locator('a[href="/guides/instalar-sitio/"]').count() == 1
    page.fill("#id_description", "¿Cómo configuro el correo en Thunderbird?")
    suggestions.locator('a[href="/guides/configurar-cuenta-correo/"]').wait_for()
    shot(page, "assistance-direct-link")
    page.click("#assistance-form button[type=submit]:not([name=suggest])")
    page.wait_for_url(re.compile(r".*/manager/support/tickets/\d+/$"))
    from tickets.models import Ticket

    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.level.code, ticket.service) == ("direct_link", "L2", desk.hosting)


def test_reply_with_an_attachment_close_and_score(page, desk, open_incident, tmp_path):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    ticket = open_incident(now=timezone.now())
    page.goto(f"/manager/support/tickets/{ticket.number}/")
    log_in(page, "lm4321-ovh")
    page.wait_for_url(f"**/tickets/{ticket.number}/")
    evidence = tmp_path / "mtr.txt"
    evidence.write_text("loss 100%\n")
    page.fill("#id_body", "Sigue sin responder; adjunto un mtr.")
    page.set_input_files("#id_attachments", str(evidence))
    page.click("form[action$='/reply/'] button[type=submit]")
    page.wait_for_url(f"**/tickets/{ticket.number}/**")
    link = page.locator(".conversation a", has_text="mtr.txt")
    assert link.count() == 1
    with page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_text() == "loss 100%\n"
    shot(page, "reply-with-attachment")
    page.click("form[action$='/close/'] button[type=submit]")
    page.locator("fieldset.score").wait_for()
    page.check("input[name=score][value='5']")
    page.fill("#id_comment", "Muy rápidos")
    page.click("form[action$='/score/'] button[type=submit]")
    page.locator("#ticket-score").wait_for()
    assert page.locator("fieldset.score").count() == 0
    shot(page, "closed-and-scored")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.score) == ("closed", 5)


def test_the_language_switcher_changes_the_pages_and_the_profile(page, desk):  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    log_in(page, "lm4321-ovh")
    page.wait_for_url("**/manager/support/")
    page.select_option("#language-select", "fr")
    page.click(".language-form button[type=submit]")
    page.wait_for_url("**/manager/support/")
    assert page.get_attribute("html", "lang") == "fr"
    shot(page, "language-fr")
    desk.lucia.refresh_from_db()
    assert desk.lucia.language == "fr"


def _axe(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script> tag, which the desk's Content-Security-Policy refuses.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in {"serious", "critical"}]


def test_no_serious_accessibility_violations_on_any_portal_page(page, desk, open_incident, guides_loaded, now):  # type: ignore[no-untyped-def]
    if not AXE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"axe-core is missing at {AXE}: run `make venv` (npm install)")
        pytest.skip(f"axe-core is not installed ({AXE}); `make venv` installs it with npm")
    from tickets import actions

    # Loaded by the browser with every page of this context, rather than sent over on each visit.
    page.context.add_init_script(path=str(AXE))
    ticket = open_incident()
    actions.reply(ticket, actor=desk.l1, body="Revisando.", now=now)
    actions.resolve_ticket(ticket, actor=desk.l1, now=now)
    public = ["/accounts/login/", "/accounts/password/reset/", "/guides/", "/guides/niveles-de-soporte/"]
    private = [
        "/manager/products/",
        "/manager/support/",
        "/manager/support/incident/new/",
        "/manager/support/assistance/new/?type=install_site",
        f"/manager/support/tickets/{ticket.number}/",
        "/accounts/security/",
        "/guides/?q=dns",
        "/manager/contacts/",
        "/manager/contacts/new/",
        "/privacy/",
    ]
    # The checker itself finds a known violation (an image without a text alternative).
    page.goto("/accounts/login/")
    page.evaluate("() => document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=x.png>')")
    assert "image-alt" in {v["id"] for v in _axe(page)}
    problems: dict[str, list[str]] = {}
    for path in public:
        page.goto(path)
        problems[path] = [f"{v['id']}: {v['help']}" for v in _axe(page)]
    page.goto("/accounts/login/")
    log_in(page, "lm4321-ovh")
    page.wait_for_url("**/manager/support/")
    for path in private:
        page.goto(path)
        problems[path] = [f"{v['id']}: {v['help']}" for v in _axe(page)]
    # A form with errors, as a customer sees it after a mistake.
    page.goto("/manager/support/incident/new/")
    page.click("form.ticket-form button[type=submit]")
    page.wait_for_load_state()
    problems["incident form with errors"] = [f"{v['id']}: {v['help']}" for v in _axe(page)]
    shot(page, "incident-form-errors")
    assert {path: found for path, found in problems.items() if found} == {}
    # On a phone's width the pages reflow instead of scrolling sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/manager/support/", f"/manager/support/tickets/{ticket.number}/", "/manager/support/assistance/new/"):
        page.goto(path)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    page.goto("/manager/support/")
    shot(page, "support-phone")
