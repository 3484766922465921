"""In Chromium: a customer creates a token, and validates an application's access request."""

from __future__ import annotations

import pytest

from conftest import DEMO_PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(chromium):  # type: ignore[no-untyped-def]
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


def log_in(page, base: str, next_path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}{next_path}")
    page.fill("input[name=username]", "lm4321-ovh")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]:has-text('Log in'), main button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def test_a_customer_creates_a_token_and_validates_an_application(live_server, desk, page, settings):  # type: ignore[no-untyped-def]
    from api.actions import request_consumer_key
    from api.models import ApiToken, ConsumerKey, CredentialState, OvhApplication

    page.set_extra_http_headers({"Accept-Language": "en"})
    log_in(page, live_server.url, "/api/tokens/")
    page.get_by_label("Name").fill("backup script")
    page.get_by_label("Access").select_option("write")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_test_id("new-token").input_value()
    assert token.startswith("tdk_") and ApiToken.objects.get().scope == "write"
    screenshot(page, "api-token-created")
    page.reload()
    assert page.get_by_test_id("new-token").count() == 0

    application = OvhApplication.objects.create(name="Backup script", application_key="ak", application_secret="as")
    new = request_consumer_key(
        application=application,
        rules=[{"method": "GET", "path": "/support/*"}, {"method": "POST", "path": "/support/*"}],
    )
    page.goto(f"{live_server.url}/api/credentials/{new.key.validation_token}/")
    assert page.get_by_role("cell", name="/support/*").count() == 2
    screenshot(page, "api-consumer-key-review")
    page.get_by_role("button", name="Validate").click()
    page.get_by_role("status").wait_for()
    assert ConsumerKey.objects.get().state == CredentialState.VALIDATED
