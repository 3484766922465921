"""IMAP polling, for a deployment whose mail lives in a mailbox rather than on our listener.

Each unseen message is fetched without marking it (``BODY.PEEK[]``), stored with
``receive_raw_mail`` and only then flagged ``\\Seen``. A crash in between means the message is
fetched again next time; the copy is recognised by its Message-ID and ignored.
"""

from __future__ import annotations

import imaplib
import logging
from datetime import datetime
from typing import Any, Protocol

from django.conf import settings

from notifications.actions import receive_raw_mail
from notifications.models import InboundSource

logger = logging.getLogger(__name__)


class IMAPClient(Protocol):
    def select(self, mailbox: str = ..., readonly: bool = ...) -> tuple[str, list[Any]]: ...
    def search(self, charset: str | None, *criteria: str) -> tuple[str, list[Any]]: ...
    def fetch(self, message_set: str, message_parts: str) -> tuple[str, list[Any]]: ...
    def store(self, message_set: str, command: str, flags: str) -> tuple[str, list[Any]]: ...


class PollError(Exception):
    """The server answered something other than OK."""


def connect() -> imaplib.IMAP4:
    """A logged-in client for the configured mailbox."""
    if not settings.IMAP_HOST:
        raise PollError("TIERDESK_IMAP_HOST is not set.")
    client_class = imaplib.IMAP4_SSL if settings.IMAP_SSL else imaplib.IMAP4
    client = client_class(settings.IMAP_HOST, settings.IMAP_PORT, timeout=30)
    client.login(settings.IMAP_USER, settings.IMAP_PASSWORD)
    return client


def _ok(answer: tuple[str, list[Any]], what: str) -> list[Any]:
    status, data = answer
    if status != "OK":
        raise PollError(f"{what}: {status} {data!r}")
    return data


def _raw_from_fetch(data: list[Any]) -> bytes | None:
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes | bytearray):
            return bytes(item[1])
    return None


def poll(client: IMAPClient, *, now: datetime, mailbox: str | None = None, batch: int | None = None) -> int:
    """Store every unseen message of the mailbox (up to ``batch``); returns how many were stored."""
    _ok(client.select(mailbox or settings.IMAP_MAILBOX), "SELECT")
    found = _ok(client.search(None, "UNSEEN"), "SEARCH UNSEEN")
    numbers = (found[0] or b"").split() if found else []
    stored = 0
    for number in numbers[: batch or settings.IMAP_BATCH]:
        message_set = number.decode() if isinstance(number, bytes) else str(number)
        raw = _raw_from_fetch(_ok(client.fetch(message_set, "(BODY.PEEK[])"), f"FETCH {message_set}"))
        if raw is None:
            logger.warning("IMAP message %s came back without a body; left unseen", message_set)
            continue
        receive_raw_mail(raw, envelope_from="", envelope_to=[], now=now, source=InboundSource.IMAP)
        _ok(client.store(message_set, "+FLAGS", "(\\Seen)"), f"STORE {message_set}")
        stored += 1
    return stored
