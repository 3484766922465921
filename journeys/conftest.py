"""What the journeys share: a person logged in in their own browser context, and the commercial
agent's quote from a ticket."""

from __future__ import annotations

from typing import Any

from conftest import DEMO_PASSWORD


def log_in(chromium: Any, live_server: Any, username: str, locale: str = "en-GB") -> Any:
    """A new browser context for one person, logged in through the login form."""
    context = chromium.new_context(base_url=live_server.url, locale=locale)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    return page


def quote_and_send(page: Any, ticket: Any, code: str) -> None:
    """The commercial agent drafts a quote on the ticket with one catalogue line and sends it."""
    from infogerencia.models import InterventionType

    page.goto(f"/console/tickets/{ticket.number}/")
    page.get_by_role("button", name="Draft a quote").click()
    page.wait_for_url("**/infogerencia/console/quotes/**")
    page.select_option("#id_intervention_type", str(InterventionType.objects.get(code=code).pk))
    page.fill("#id_quantity", "1")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Send to the customer").click()
    page.wait_for_load_state()
