"""Threading headers and reply addresses of ticket mail.

Every ticket mail has its own Message-ID ``<ticket-<number>-<delivery id>@<domain>>`` and points
at the ticket's root ``<ticket-<number>@<domain>>`` with In-Reply-To and References, so mail
clients keep one thread per ticket. Its Reply-To is
``<mailbox>+t-<number>-<signature>@<domain>``: the signature is an HMAC of the number under
``INBOUND_SECRET``, so nobody can write into a ticket by guessing its number.

A member of staff gets a reply address of their own,
``<mailbox>+t-<number>-a<user id>-<signature>@<domain>``, signed for that ticket *and* that
person: a customer, who only ever sees the ticket's address, cannot answer as staff by
forging a staff From header.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

SIGNATURE_LENGTH = 20


def _domain() -> str:
    return str(settings.INBOUND_DOMAIN)


def root_message_id(number: int) -> str:
    return f"<ticket-{number}@{_domain()}>"


def delivery_message_id(number: int | None, delivery_id: int) -> str:
    if number is None:
        return f"<notification-{delivery_id}@{_domain()}>"
    return f"<ticket-{number}-{delivery_id}@{_domain()}>"


def _signature(number: int, agent_id: int | None = None) -> str:
    signed = f"ticket:{number}" if agent_id is None else f"ticket:{number}:agent:{agent_id}"
    digest = hmac.new(str(settings.INBOUND_SECRET).encode(), signed.encode(), hashlib.sha256)
    return digest.hexdigest()[:SIGNATURE_LENGTH]


def reply_address(number: int, *, agent_id: int | None = None) -> str:
    """The ticket's reply address, or the one of this member of staff on that ticket."""
    agent = "" if agent_id is None else f"a{agent_id}-"
    return f"{settings.INBOUND_MAILBOX}+t-{number}-{agent}{_signature(number, agent_id)}@{_domain()}"


def inbound_address() -> str:
    return f"{settings.INBOUND_MAILBOX}@{_domain()}"


_TOKEN = re.compile(
    r"^(?P<box>[^+@\s]+)\+t-(?P<number>\d{1,18})-(?:a(?P<agent>\d{1,18})-)?(?P<sig>[0-9a-f]+)@(?P<domain>[^@\s]+)$",
    re.I,
)


def parse_reply_address(address: str) -> tuple[int, int | None] | None:
    """(ticket number, staff user id or None) of a reply address whose signature is right, else None."""
    match = _TOKEN.match(address.strip())
    if match is None or match["domain"].lower() != _domain():
        return None
    number = int(match["number"])
    agent = int(match["agent"]) if match["agent"] else None
    if not hmac.compare_digest(match["sig"].lower(), _signature(number, agent)):
        return None
    return number, agent


def ticket_number_from_address(address: str) -> int | None:
    """The ticket number of a reply address whose signature is right, else None."""
    parsed = parse_reply_address(address)
    return parsed[0] if parsed else None


_OUR_ID = re.compile(r"^ticket-(?P<number>\d{1,18})(?:-(?P<delivery>\d+))?@(?P<domain>[^>]+)$")


def ticket_number_from_message_id(message_id: str) -> tuple[int, int | None] | None:
    """(ticket number, delivery id or None) of one of our Message-IDs (with or without its angle
    brackets), else None."""
    match = _OUR_ID.match(message_id.strip().removeprefix("<").removesuffix(">"))
    if match is None or match["domain"].lower() != _domain():
        return None
    return int(match["number"]), int(match["delivery"]) if match["delivery"] else None


def is_our_address(address: str) -> bool:
    """An address of the desk's inbound domain (its mailbox, with or without a token)."""
    return address.strip().lower().rpartition("@")[2] == _domain()
