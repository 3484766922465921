"""The walks: the guide's journeys driven in a real Chromium through the pages only, as each
person does them, in Spanish, English and French.

A walk logs people in through the login form, clicks the links and buttons and fills the forms;
the data a provider already has (levels, customers, services, staff) comes from ``load_demo``;
monitoring alerts, payment notifications and PBX events arrive over HTTP, signed, as the systems
that send them do; mail goes out over SMTP to a local server. Each step's screen is kept: a
full-page screenshot in ``test-artifacts/walks/<journey>-<language>-<step>.png`` and the page's
text, for the checks that read it (see ``journeys/walks/screens.py``).

One walk runs once per journey and language: ``walked`` runs it the first time a test of the
module asks for it and hands the kept screens to the tests after it, so a defect found on a
screen is one test of its own (marked ``xfail(strict=True)`` while the defect is there) instead
of stopping the walk.
"""

from __future__ import annotations

import email
import email.policy
import importlib
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from conftest import ARTIFACTS
from journeys.walks.defects import defect
from journeys.walks.screens import SWEEP_CHECKS, Screen, capture, explain, problems, read_mail

LANGUAGES = ("es", "en", "fr")
BROWSER_LOCALES = {"es": "es-ES", "en": "en-GB", "fr": "fr-FR"}
DEMO_PASSWORD = "tierdesk-demo"  # load_demo's password for every demo account
SHOTS = ARTIFACTS / "walks"
MADRID = ZoneInfo("Europe/Madrid")
SECRET = "walks-shared-secret-0123456789"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# The screens of each walk that finished, by (journey, language); None for a walk that failed.
SCREENS: dict[tuple[str, str], dict[str, Screen] | None] = {}


def madrid(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MADRID)


def languages(*only: str, **defects: str) -> list[Any]:
    """The three languages (or ``only`` these) as parameters, each marked with the defect it
    shows, if any: ``languages(en="English dates in US order")``."""
    return [
        pytest.param(code, marks=defect(defects[code])) if code in defects else code for code in (only or LANGUAGES)
    ]


def on_every_screen(
    journey: str, walk: Callable[[Walk], None], check: Callable[..., list[str]], *only: str, **defects: str
) -> Any:
    """A test that runs ``check`` on every screen of the journey read in each language (each
    language marked with the defect it shows there, if any)."""

    @pytest.mark.parametrize("reader", languages(*only, **defects))
    def test(reader: str, walked: Any) -> None:
        found = problems(walked(journey, walk, reader=reader), check)
        assert not found, explain(found)

    test.__doc__ = check.__doc__
    return test


# --- mail out, over SMTP --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Outbox:
    """A local SMTP server the desk sends its mail to; it keeps every message."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    every: list[EmailMessage] = field(default_factory=list)  # including those cleared since
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
            self.every.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address in str(m.get("To", ""))]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


@pytest.fixture
def outbox(settings: Any) -> Iterator[Outbox]:
    box = Outbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": box.port, "timeout": 10},
        }
    }
    try:
        yield box
    finally:
        controller.stop()


# --- signed HTTP from the systems around the desk -------------------------------------------


def post_signed(base_url: str, path: str, payload: dict[str, Any], *, header: str) -> tuple[int, dict[str, Any]]:
    """POST a JSON event signed ``t=<unix>,v1=<hmac>`` with the walks' shared secret, as the
    monitoring system, the payment processor and the PBX do."""
    from core import signing

    body = json.dumps(payload).encode()
    request = urllib.request.Request(  # noqa: S310 - the live server's own http:// address
        base_url + path,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            header: signing.build_header(SECRET.encode(), int(time.time()), body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# --- people in their browsers ---------------------------------------------------------------


# Who reads in which language: in the walk for customers of language L, the staff read in the
# next language, so that every screen is seen in each language across the three walks and any text
# the desk stores in its writer's language shows up on the screen of a reader of another one.
STAFF_LANGUAGE = {"es": "en", "en": "fr", "fr": "es"}


class Walk:
    """One journey: the customers read ``language``, the staff ``staff_language``; each person's
    browser, and the screens of each step."""

    def __init__(self, browser: Any, base_url: str, journey: str, language: str, outbox: Outbox) -> None:
        self.browser = browser
        self.base_url = base_url
        self.journey = journey
        self.language = language
        self.staff_language = STAFF_LANGUAGE[language]
        self.outbox = outbox
        self.screens: dict[str, Screen] = {}
        self.contexts: list[Any] = []
        self.readers: dict[int, str] = {}

    def customer(self, username: str, **options: Any) -> Any:
        return self.person(username, self.language, **options)

    def passer_by(self, username: str, path: str) -> Any:
        """Someone whose screens the walk does not keep, following a direct link to ``path``:
        the desk asks them to log in first, in their own language, and takes them there."""
        context = self.browser.new_context(base_url=self.base_url, viewport=DESKTOP)
        context.set_default_timeout(20_000)
        self.contexts.append(context)
        page = context.new_page()
        page.goto(path)
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        return page

    def agent(self, username: str, **options: Any) -> Any:
        return self.person(username, self.staff_language, **options)

    def person(
        self,
        username: str,
        language: str,
        *,
        time_zone: str = "Europe/Madrid",
        viewport: dict[str, int] | None = None,
        next_path: str = "",
    ) -> Any:
        """Open a browser in the person's language (its Accept-Language), log in through the form
        and, when the account reads another language, pick theirs in the language menu, as a
        person would. Returns the page."""
        context = self.browser.new_context(
            base_url=self.base_url,
            locale=BROWSER_LOCALES[language],
            timezone_id=time_zone,
            viewport=viewport or DESKTOP,
        )
        context.set_default_timeout(20_000)
        self.contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        if page.get_attribute("html", "lang") != language:
            page.select_option("#language-select", language)
            with page.expect_navigation():
                page.click(".language-form button[type=submit]")
        assert page.get_attribute("html", "lang") == language
        self.readers[id(page)] = language
        return page

    def step(self, page: Any, name: str, *, shot: bool = True, **facts: Any) -> Screen:
        """Keep this screen: its text, what axe-core finds on it and a full-page screenshot
        (with ``shot=False``, the sweep's, only when a check finds something wrong on it)."""
        number = len(self.screens) + 1
        key = f"{number:02d}-{name}"
        language = self.readers[id(page)]
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{self.journey}-{language}-{key}.png"
        page.wait_for_load_state()
        if shot:
            page.screenshot(path=str(path), full_page=True)
            if AXE.exists() and not page.evaluate("() => typeof window.axe !== 'undefined'"):
                # Evaluated, not added as a <script> tag, which the desk's Content-Security-Policy refuses.
                page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
        screen = capture(page, journey=self.journey, language=language, step=key, shot=path, facts=facts, axe=shot)
        if not shot:
            screen.user_texts = user_texts()
        if not shot and any(check(screen) for check in SWEEP_CHECKS):
            page.screenshot(path=str(path), full_page=True)
        elif not shot:
            screen.shot = None
        self.screens[key] = screen
        return screen

    def mail(self, message: Any, name: str, language: str, **facts: Any) -> Screen:
        """Keep an e-mail the desk sent, read by someone who reads ``language``."""
        key = f"{len(self.screens) + 1:02d}-{name}"
        screen = read_mail(message, journey=self.journey, language=language, step=key, facts=facts)
        self.screens[key] = screen
        return screen

    def keep_what_failed(self) -> None:
        """Each open page as it was when the walk stopped, to see why."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        for index, context in enumerate(self.contexts):
            for page in context.pages:
                try:
                    page.screenshot(
                        path=str(SHOTS / f"{self.journey}-{self.language}-FAILED-{index}.png"), full_page=True
                    )
                except Exception:  # noqa: BLE001, S110 - a page that cannot be drawn is no evidence
                    pass

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()


def user_texts() -> list[str]:
    """What people typed or the provider named (subjects, messages, reasons, names, references):
    such text is in whatever language its author wrote, so the language checks leave it alone.
    What the desk itself wrote (messages and events without an author) is not in the list."""
    from accounts.models import Organisation, User
    from infogerencia.models import Invoice, OperationReport, Quote, QuoteLine
    from services.models import Service
    from tickets.models import Message, Ticket, TicketEvent

    texts: set[str] = set()
    texts.update(Ticket.objects.values_list("subject", flat=True))
    for body in Message.objects.exclude(author=None).values_list("body", flat=True):
        texts.update(line.strip(" >*-#") for line in body.splitlines() if line.strip())
    for first, last, username in User.objects.values_list("first_name", "last_name", "username"):
        texts.update({first, last, f"{first} {last}", username})
    texts.update(Organisation.objects.values_list("name", flat=True))
    texts.update(Service.objects.values_list("reference", flat=True))
    texts.update(QuoteLine.objects.values_list("description", flat=True))
    texts.update(Quote.objects.values_list("terms", flat=True))
    texts.update(Quote.objects.values_list("rejection_reason", flat=True))
    texts.update(Invoice.objects.values_list("reason", flat=True))
    for steps, commands, fields in OperationReport.objects.values_list("steps", "commands", "fields"):
        for value in (steps, commands, *(fields or {}).values()):
            texts.update(line.strip() for line in str(value).splitlines() if line.strip())
    for data in TicketEvent.objects.exclude(actor=None).values_list("data", flat=True):
        for key in ("reason", "customer_message", "comment", "message", "subject"):
            value = (data or {}).get(key)
            if isinstance(value, str):
                texts.update(line.strip() for line in value.splitlines() if line.strip())
    return sorted((t for t in texts if t and len(t) > 2), key=len, reverse=True)


# --- the data a provider already has --------------------------------------------------------


def load_demo() -> None:
    """The desk's own demo data set, made at the (pinned) time of the call, and the intervention
    catalogue its migration seeds (a transactional test's flush removed it)."""
    from django.apps import apps
    from django.core.management import call_command

    from infogerencia.models import InterventionType

    call_command("load_demo", verbosity=0, stdout=open_devnull())
    if not InterventionType.objects.exists():
        importlib.import_module("infogerencia.migrations.0002_catalogue").load(apps, None)


def open_devnull() -> Any:
    import io

    return io.StringIO()


def set_endpoint(reference: str, *, host: str | None = None, ports: list[int] | None = None) -> None:
    """The provider's record of where a service answers (what the desk's checks probe)."""
    from services.models import Endpoint

    endpoint = Endpoint.objects.get(service__reference=reference)
    if host is not None:
        endpoint.host = host
    if ports is not None:
        endpoint.ports = ports
    endpoint.save()


FOCUS_RING = """
(selector) => {
  const el = document.querySelector(selector);
  el.focus();
  const numbers = (colour) => (colour.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const light = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => {
    const x = light(a), y = light(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  let owner = el.parentElement, background = 'rgb(255, 255, 255)';
  while (owner) {
    const colour = getComputedStyle(owner).backgroundColor;
    if (colour && colour !== 'transparent' && !colour.startsWith('rgba(0, 0, 0, 0)')) { background = colour; break; }
    owner = owner.parentElement;
  }
  const style = getComputedStyle(el);
  const rings = [];
  if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) {
    rings.push(ratio(numbers(style.outlineColor), numbers(background)));
  }
  const shadow = style.boxShadow.match(/rgba?\\([^)]*\\)/);
  if (shadow) rings.push(ratio(numbers(shadow[0]), numbers(background)));
  return {best: Math.max(0, ...rings), outline: style.outlineColor, shadow: style.boxShadow, background};
}
"""


def focus_ring(page: Any, selector: str) -> dict[str, Any]:
    """How the focus indicator of ``selector`` stands out from what is around it (WCAG asks 3:1)."""
    return page.evaluate(FOCUS_RING, selector)  # type: ignore[no-any-return]


def restore_what_migrations_seed() -> None:
    """Put back the rows the migrations seed (the guide's routing rules, the intervention
    catalogue): a transactional test's flush removes them, and the tests that run after the walks'
    modules on the same worker read them as migrated."""
    from django.apps import apps

    from infogerencia.models import InterventionType
    from triage.routing import invalidate_rules

    importlib.import_module("triage.migrations.0002_guide_rules").seed(apps, None)
    if not InterventionType.objects.exists():
        importlib.import_module("infogerencia.migrations.0002_catalogue").load(apps, None)
    invalidate_rules()


@pytest.fixture(scope="module", autouse=True)
def _leave_the_database_as_migrated(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        restore_what_migrations_seed()


# A documentation address (TEST-NET-3): nothing answers there, so a server "behind" it is down.
DOWN = "203.0.113.5"


Screens = dict[str, Screen]


@pytest.fixture
def walked(request: pytest.FixtureRequest, settings: Any) -> Callable[..., Screens]:
    """``walked(journey, walk, customers=L)``: the screens of the walk whose customers read L
    (its staff read ``STAFF_LANGUAGE[L]``), walking it first if no test of this run has;
    ``walked(journey, walk, reader=L)``: every screen of the journey read in L, from the two walks
    where someone reads L."""

    def one(journey: str, walk: Callable[[Walk], None], language: str) -> Screens:
        key = (journey, language)
        if key not in SCREENS:
            SCREENS[key] = None
            # Every test of the walks' modules is marked django_db(transaction=True): the live
            # server's thread writes too, so the database must be a real one, flushed after.
            request.getfixturevalue("transactional_db")
            if getattr(request.node, "walked_here", False):
                # A second walk in the same test (a check run on its own): start from an empty desk.
                from django.core.management import call_command

                call_command("flush", verbosity=0, interactive=False)
            request.node.walked_here = True
            live_server = request.getfixturevalue("live_server")
            browser = request.getfixturevalue("chromium")
            box = request.getfixturevalue("outbox")
            media = request.getfixturevalue("tmp_path")
            settings.LANGUAGE_CODE = "es"  # the desk's default, as in production
            settings.TRIAGE_ON_DECLARE = True
            settings.TIERDESK_PROBE_TIMEOUT = 1
            settings.TIERDESK_PROBE_DEADLINE = 5
            settings.TIERDESK_MONITORING_SECRET = SECRET
            settings.TIERDESK_PAYMENT_WEBHOOK_SECRET = [SECRET]
            settings.TIERDESK_CTI_SECRET = SECRET
            # Bank transfer offered as `make run`'s demo offers it (the customer is shown where to pay).
            settings.TIERDESK_BANK_IBAN = "ES9121000418450200051332"
            settings.TIERDESK_BANK_BIC = "CAIXESBBXXX"
            settings.TIERDESK_BANK_BENEFICIARY = "tierdesk S.L."  # the provider's legal name
            settings.PUBLIC_URL = live_server.url
            settings.STORAGES = {
                **settings.STORAGES,
                "default": {
                    "BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(media)},
                },
            }
            person = Walk(browser, live_server.url, journey, language, box)
            try:
                walk(person)
            except BaseException:
                person.keep_what_failed()
                raise
            else:
                typed = user_texts()
                for screen in person.screens.values():
                    screen.user_texts = typed
            finally:
                person.close()
            SCREENS[key] = person.screens
        screens = SCREENS[key]
        if screens is None:
            pytest.fail(f"the walk {journey} for {language} customers did not finish: see its own test")
        return screens

    def run(journey: str, walk: Callable[[Walk], None], *, customers: str = "", reader: str = "") -> Screens:
        if customers:
            return one(journey, walk, customers)
        found: Screens = {}
        for language in LANGUAGES:
            if reader in {language, STAFF_LANGUAGE[language]}:
                for key, screen in one(journey, walk, language).items():
                    if screen.language == reader:
                        found[key] = screen
        return found

    return run
