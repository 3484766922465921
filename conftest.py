"""Shared fixtures: the guide's organisation and named people, built through the real actions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Shared two-core machines: a slow example is the machine, not the code under test.
hypothesis_settings.register_profile("desk", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("desk")

DEMO_PASSWORD = "a-long-test-password-1"


@dataclass
class Desk:
    """The guide's levels and categories, and one person per role."""

    lucia: Any  # customer lm4321-ovh, a dedicated server
    pedro: Any  # customer pg2468-ovh, hosting + mail
    other: Any  # another customer, to prove visibility rules
    l1: Any
    l2: Any
    l2_commercial: Any
    l3: Any
    supervisor: Any
    billing: Any
    server: Any  # Lucía's dedicated server
    hosting: Any  # Pedro's hosting
    mail: Any  # Pedro's mail service
    other_service: Any

    def category(self, code: str):  # type: ignore[no-untyped-def]
        from levels.models import Category

        return Category.objects.get(code=code)

    def level(self, code: str):  # type: ignore[no-untyped-def]
        from levels.models import SupportLevel

        return SupportLevel.objects.get(code=code)


NOW = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)  # a Tuesday


def pytest_configure(config: pytest.Config) -> None:
    """``TIERDESK_TEST_CLOCK=2027-03-28T01:59+01:00 make test`` runs the suite with the wall clock
    moved to that instant (it ticks on from there): a test that passes only on some days shows."""
    if instant := os.environ.get("TIERDESK_TEST_CLOCK"):
        time_machine.travel(datetime.fromisoformat(instant), tick=True).start()


@pytest.fixture(autouse=True)
def _english_unless_a_test_chooses(settings):  # type: ignore[no-untyped-def]
    """The desk speaks Spanish by default; tests read in English unless they pick a language
    (the personas below read English too; a test that needs Spanish or French sets it)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _no_automatic_triage_unless_asked(settings):  # type: ignore[no-untyped-def]
    """Automatic triage probes declared incidents; its own tests (and journeys) switch it back on."""
    settings.TRIAGE_ON_DECLARE = False


@pytest.fixture
def now() -> Iterator[datetime]:
    """The tests' instant, and the clock's: pages and tasks that read the wall clock see the same
    Tuesday, so a test reads the same on any day it runs (the clock ticks on from there)."""
    with time_machine.travel(NOW, tick=True):
        yield NOW


@pytest.fixture
def desk(db) -> Desk:  # type: ignore[no-untyped-def]
    from accounts.actions import create_customer, create_staff
    from accounts.models import Role
    from levels.models import SupportLevel, Team
    from services.models import Endpoint, Service

    if not SupportLevel.objects.exists():
        call_command("loaddata", "guide", verbosity=0)

    def customer(identifier: str, name: str, language: str = "en"):  # type: ignore[no-untyped-def]
        return create_customer(
            name=name,
            email=f"{identifier}@example.com",
            password=DEMO_PASSWORD,
            identifier=identifier,
            language=language,
        )

    def service(owner, reference: str, product: str, host: str, role: str = "server"):  # type: ignore[no-untyped-def]
        item = Service.objects.create(organisation=owner.organisation, reference=reference, product=product)
        Endpoint.objects.create(service=item, host=host, ports=[22, 80], role=role)
        return item

    def staff(username: str, role: Role, team: str | None = None):  # type: ignore[no-untyped-def]
        person = create_staff(username=username, role=role, password=DEMO_PASSWORD, first_name=username, language="en")
        if team:
            Team.objects.get(code=team).members.add(person)
        return person

    lucia = customer("lm4321-ovh", "Lucía Martín")
    pedro = customer("pg2468-ovh", "Pedro García")
    other = customer("zz9999-ovh", "Otra Empresa", language="en")
    return Desk(
        lucia=lucia,
        pedro=pedro,
        other=other,
        l1=staff("l1", Role.L1_TECHNICIAN, "l1-incidents"),
        l2=staff("l2", Role.L2_TECHNICAL, "l2-technical"),
        l2_commercial=staff("l2c", Role.L2_COMMERCIAL, "l2-commercial"),
        l3=staff("l3", Role.L3_ADMINISTRATOR, "l3-managed"),
        supervisor=staff("boss", Role.SUPERVISOR),
        billing=staff("billing", Role.BILLING),
        server=service(lucia, "ns3012345.ip-51-75-1.eu", "dedicated", "127.0.0.1"),
        hosting=service(pedro, "ferreteriagarcia.es", "hosting", "127.0.0.1", "web"),
        mail=service(pedro, "mail.ferreteriagarcia.es", "mail", "127.0.0.1", "mail"),
        other_service=service(other, "other.example.com", "hosting", "127.0.0.1", "web"),
    )


@pytest.fixture
def open_incident(desk: Desk, now: datetime):  # type: ignore[no-untyped-def]
    """Lucía's server does not answer ping: an L1 incident from the Manager."""
    from tickets import actions

    def make(**overrides):  # type: ignore[no-untyped-def]
        values = dict(
            organisation=desk.lucia.organisation,
            requester=desk.lucia,
            service=desk.server,
            category=desk.category("server_no_ping"),
            subject="El servidor no responde",
            body="No responde al ping desde las 03:00.",
            channel="manager",
            actor=desk.lucia,
            now=now,
        )
        values.update(overrides)
        return actions.open_ticket(**values)

    return make


@pytest.fixture
def catalogue(desk: Desk) -> None:
    """The intervention catalogue its migration seeds; reloaded when a transactional test's
    flush removed it."""
    import importlib

    from django.apps import apps

    from infogerencia.models import InterventionType

    if not InterventionType.objects.exists():
        importlib.import_module("infogerencia.migrations.0002_catalogue").load(apps, None)


# --- a real Chromium ------------------------------------------------------------------------

CHROMIUM = os.environ.get("TIERDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium for a module of browser tests; each test opens its own context.

    Sync Playwright runs an event loop in the test thread, and the tests' ORM calls (and the
    database flush after each) are synchronous: Django allows that only with
    ``DJANGO_ALLOW_ASYNC_UNSAFE``, set while the module runs and never beyond it (``check
    --deploy`` refuses it, and other tests' subprocesses must not inherit it).
    """
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


def screenshot(page: Any, name: str) -> None:
    """Keep what the page looked like in test-artifacts/ (CI keeps the folder)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module", autouse=True)
def _seeded_rows_back_after_a_flush(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[None]:
    """After a module whose tests flush the database (transactional tests, the live server), put
    back the rows the migrations seed (the guide's routing rules, the intervention catalogue), so
    that the tests after it on the same worker read the database as migrated."""
    yield
    flushing = {"transactional_db", "live_server"}

    def flushes(item: Any) -> bool:
        marker = item.get_closest_marker("django_db")
        transactional = marker is not None and bool(marker.kwargs.get("transaction"))
        return transactional or bool(flushing & set(getattr(item, "fixturenames", ())))

    if not any(getattr(item, "module", None) is request.module and flushes(item) for item in request.session.items):
        return
    import importlib

    from django.apps import apps

    from infogerencia.models import InterventionType
    from triage.routing import invalidate_rules

    with django_db_blocker.unblock():
        importlib.import_module("triage.migrations.0002_guide_rules").seed(apps, None)
        if not InterventionType.objects.exists():
            importlib.import_module("infogerencia.migrations.0002_catalogue").load(apps, None)
        invalidate_rules()
