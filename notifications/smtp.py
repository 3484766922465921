"""The SMTP listener: aiosmtpd in front of ``receive_raw_mail``.

It accepts mail for the addresses the desk has (its mailbox, the reply addresses it signed, the
levels' addresses) and refuses any other recipient at RCPT with ``550``, so spam to made-up
local parts of its domain never reaches the database. It stores each message
before answering ``250``, and answers ``451`` (the sender's server retries later) if it cannot
store it: a message is either kept or still with its sender, never lost in between.
"""

from __future__ import annotations

import logging
from typing import Any

from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from levels.models import SupportLevel
from notifications import addressing
from notifications.actions import receive_raw_mail
from notifications.models import InboundSource

logger = logging.getLogger(__name__)


def _accepts(address: str) -> bool:
    address = address.strip().lower()
    try:
        if address == addressing.inbound_address() or addressing.parse_reply_address(address) is not None:
            return True
        return SupportLevel.objects.filter(email_address__iexact=address).exists()
    finally:
        close_old_connections()


def _store(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> int:
    try:
        mail = receive_raw_mail(
            raw, envelope_from=mail_from, envelope_to=list(rcpt_tos), now=timezone.now(), source=InboundSource.SMTP
        )
        return mail.pk
    finally:
        close_old_connections()


class InboundHandler:
    """aiosmtpd handler: RCPT checks the address, DATA stores the message."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if not await sync_to_async(_accepts, thread_sensitive=True)(address):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            await sync_to_async(_store, thread_sensitive=True)(raw, envelope.mail_from or "", envelope.rcpt_tos)
        except Exception:
            logger.exception("could not store an inbound message from %s", envelope.mail_from)
            return "451 4.3.0 Could not store the message; try again later"
        return "250 2.0.0 Message accepted"


def controller(*, host: str | None = None, port: int | None = None) -> Controller:
    """An aiosmtpd Controller (not started) on the configured or given address."""
    return Controller(
        InboundHandler(),
        hostname=host or settings.INBOUND_SMTP_HOST,
        port=settings.INBOUND_SMTP_PORT if port is None else port,
        data_size_limit=settings.INBOUND_MAX_BYTES,
        decode_data=False,
        server_hostname=settings.INBOUND_DOMAIN,
        ident="tierdesk",
    )
