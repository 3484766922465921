"""The guide's rules for moving work between levels, as plain functions (no Django).

- L1 → L2: an L1 ticket that is not an incident, or causes no unavailability, is passed to L2;
  the same ticket changes level.
- L2 → L1: when an L2 ticket turns out to be an incident, a new L1 incident ticket is opened and
  linked to it.
- → L3: administration work needs a quote from L2 commercial first; the ticket is handed to
  the commercial team, and the intervention is scheduled only once the quote is paid. So a
  customer never opens an L3 ticket directly.

And which incident types a service's product can have (:func:`incident_fits`).
"""

from __future__ import annotations

from enum import StrEnum

ACTIVE = frozenset({"new", "open", "waiting_customer"})


class Move(StrEnum):
    NOT_AN_INCIDENT = "not_an_incident"  # L1 → L2, same ticket
    IS_AN_INCIDENT = "is_an_incident"  # L2 → new linked L1 incident
    NEEDS_INTERVENTION = "needs_intervention"  # → L2 commercial for a quote, then L3


class Refusal(StrEnum):
    TICKET_NOT_ACTIVE = "ticket_not_active"
    WRONG_LEVEL = "wrong_level"
    ALREADY_COMMERCIAL = "already_with_commercial"


def refusal_for(move: Move, *, level: str, status: str, kind: str) -> Refusal | None:
    """Why ``move`` is not allowed for a ticket on ``level`` in ``status``, or None when it is."""
    if status not in ACTIVE:
        return Refusal.TICKET_NOT_ACTIVE
    if move is Move.NOT_AN_INCIDENT and level != "L1":
        return Refusal.WRONG_LEVEL
    if move is Move.IS_AN_INCIDENT and level != "L2":
        return Refusal.WRONG_LEVEL
    if move is Move.NEEDS_INTERVENTION:
        if level not in {"L1", "L2"}:
            return Refusal.WRONG_LEVEL
        if kind == "assistance_commercial":
            return Refusal.ALREADY_COMMERCIAL
    return None


def customer_may_open(level: str) -> bool:
    """Whether a customer may open a ticket on ``level`` themselves: incidents (L1) and assistance
    (L2) yes; managed interventions (L3) start from a quote by L2 commercial, never from a
    customer's own ticket."""
    return level != "L3"


def allowed_moves(*, level: str, status: str, kind: str) -> list[Move]:
    """The moves to offer for a ticket, in the order the guide gives them."""
    return [move for move in Move if refusal_for(move, level=level, status=status, kind=kind) is None]


#: Each product's own incident type (the desk's incident category codes); "incident_other" fits
#: every product. A product not listed here (storage, network) may have any incident type.
PRODUCT_INCIDENT = {
    **dict.fromkeys(("dedicated", "vps", "dedicatedcloud", "publiccloud", "housing"), "server_no_ping"),
    **dict.fromkeys(("hosting", "cdn", "ssl"), "hosting_unreachable"),
    **dict.fromkeys(("mail", "exchange"), "mail_cannot_send"),
    "domain": "domain_dns_failure",
}
INCIDENT_TYPES = frozenset(PRODUCT_INCIDENT.values())
ANY_PRODUCT_INCIDENT = "incident_other"


def incident_fits(category: str, product: str) -> bool:
    """Whether an incident of this type can concern a service of this product: a web hosting or a
    mail service does not "answer ping" as a server does, a domain has no mail server."""
    own = PRODUCT_INCIDENT.get(product)
    return own is None or category == own or category == ANY_PRODUCT_INCIDENT or category not in INCIDENT_TYPES
