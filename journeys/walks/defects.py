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

INCIDENT_UNDONE = (
    "an L2 agent's 'Es una incidencia → abrir incidencia de Nivel 1' is undone by automatic triage: the "
    "new incident's checks see the VPS answer ping and move it back to L2 (Incident without "
    "unavailability, an L2 due time days later); a person's judgement must stand"
)
REASON_AS_CUSTOMER = (
    "the agent's reason for opening the linked incident is the new ticket's first message, shown to the "
    "customer under her own name"
)
PHONE_WORDS_AS_CUSTOMER = (
    "what the agent types for a phone ticket ('Pide presupuesto…') is the ticket's first message, shown to "
    "the customer under her own name"
)
TERMS_DATE = (
    "the quote's 'Valid until' date input is rendered in the reader's date format ('01/04/2027'), which an "
    "<input type=date> rejects, so it shows empty and saving the terms fails with 'This field is required'"
)
PAYMENT_DEAD_END = (
    "after accepting, the customer reads 'Pay by card on the payment page' and 'pay by bank transfer quoting "
    "the quote number' with no link, no form and no bank details: nothing on the page lets them pay"
)


# --- the screens, the forms, the pages -----------------------------------------------------------

CHECKS_TWICE = (
    "the customer's ticket page shows the same check results twice: in 'What our checks found' and in the "
    "desk's message of the conversation"
)
SERVER_TYPES_FOR_HOSTING = (
    "a customer with only a hosting plan and a mail service is offered 'Server does not answer ping': the "
    "incident types do not follow the service's product"
)
L2_L2 = "handing a ticket to commercial records 'L2 → L2' in its history"
REPORT_NO_BREACHES = (
    "the SLA report says no response was late last week while the dashboard counts 2 L1 and 1 L2 breaches: "
    "tickets still unanswered past their due time are not listed"
)
L3_FORMS_FOR_L1 = (
    "an L1 technician is shown the L3 forms of a paid quote (move the intervention, operation report), "
    "which the desk then refuses with 400"
)
