"""What the walks find wrong today, in plain words: the reasons of their ``xfail(strict=True)``
marks. Whoever fixes one removes the marks that name it (the test then fails as XPASS until they
do); ``/work``'s findings list where each one comes from.

Several checks (raw codes, text in another language) catch more than one defect on a screen; their
reasons list every defect that still shows there.
"""

from __future__ import annotations

import pytest


def defect(reason: str) -> pytest.MarkDecorator:
    """A defect seen on screen: the test fails while it is there, and the suite fails (XPASS
    strict) the day it is fixed, so that whoever fixes it removes the mark. Only a failed
    assertion counts as the defect: any other error in the test is reported as an error."""
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)


def both(*reasons: str) -> str:
    return " AND ".join(reasons)


# --- the four broken journeys -----------------------------------------------------------

PAYMENT_DEAD_END = (
    "after accepting, the customer reads 'Pay by card on the payment page' and 'pay by bank transfer quoting "
    "the quote number' with no link, no form and no bank details: nothing on the page lets them pay"
)

# --- text in the reader's language ---------------------------------------------------------------

US_DATES = (
    "English dates are written month first with a.m./p.m. ('March 7, 2027, 9:10 a.m.', '03/07/2027') "
    "instead of day first on a 24-hour clock"
)
DOUBLE_PERIOD = "English sentences that end with a time end with two periods ('Checked on 03/07/2027 3:10 a.m..')"
HISTORY_CODES = (
    "the ticket history shows codes: 'Opened on L1 via manager (server_no_ping)' (channel and type codes), "
    "'#1000020 (incident_opened): …' (link kind code, and a colon written in code, without French's space)"
)
QUOTE_STEP_CODES = "a quote's 'Steps on the ticket' lists event codes (quote_drafted, quote_sent, payment_received…)"
REPORT_FIELD_KEYS = "the operation report names its fields by key (php_version, backup_reference), not by label"
PROBE_DETAIL_CODES = "the automatic triage note lists probe codes ('down (no_reply)')"
MOVE_NAMES = (
    "the guide's moves keep their Spanish names on English and French consoles ('No es una incidencia → "
    "Nivel 2', 'Es una incidencia → abrir incidencia de Nivel 1', 'Requiere infogerencia → presupuesto')"
)
TRIAGE_STORED = (
    "what automatic triage writes (the level-history reason 'Clasificación automática: …', its internal "
    "note, the check sentences and explanation on the agent's page, the monitoring note) stays in the "
    "language of whoever triggered it and is shown so to readers of other languages"
)
PROBE_ENGLISH = (
    "the probes' details ('echo reply from 127.0.0.11', 'TCP 22: connection refused', 'no echo reply … "
    "within 1s') are English on Spanish and French pages"
)
FRENCH_COLONS_STORED = (
    "French pages show stored Spanish or English sentences with their own punctuation ('L1 → L2: Clasificación…')"
)
FRENCH_COLONS_MAIL = "French e-mails built in code write 'Résultat: …', 'Étapes:' without the French space"
SPANISH_MAIL_FOR_FRENCH_READER = (
    "the quote e-mail and the report are written in the customer's account language at the time"
)

# --- the screens, the forms, the pages -----------------------------------------------------------

CALENDAR_NAMES = (
    "the business calendars' names are Spanish only ('Lunes a viernes 09:00–18:00 (Madrid)', '24 h / 365 "
    "días') on English and French pages, and the administration lists them by code ('madrid-business')"
)
ONE_TICKETS = (
    "claiming one ticket from the queue says '1 tickets updated.' ('1 tickets actualizados', '1 tickets mis à jour')"
)
