"""Local SMTP servers for the e-mail tests: the desk's own listener and a sink for outbound mail."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Sink:
    """An SMTP server that keeps what it receives; ``refuse`` answers the next N DATA with a code."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refuse:
                return self.refuse.pop(0)
            self.envelopes.append(envelope)
            self.messages.append(
                email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)  # type: ignore[arg-type]
            )
        return "250 OK"

    def mailers(self) -> dict[str, Any]:
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 10},
            }
        }


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    """Outbound mail goes to a real SMTP server on 127.0.0.1 through Django's SMTP backend."""
    box = Sink(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port, decode_data=False)
    controller.start()
    settings.MAILERS = box.mailers()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def listener() -> Iterator[int]:
    """The desk's own SMTP listener on a free loopback port; yields the port."""
    from asgiref.sync import SyncToAsync
    from django.db import connections

    from notifications.smtp import controller

    port = free_port()
    server = controller(host="127.0.0.1", port=port)
    server.start()
    try:
        yield port
    finally:
        server.stop()
        # The listener's database work runs in asgiref's one thread for sync code, which keeps
        # its connection open for reuse: close it there, or PostgreSQL cannot drop the test database.
        SyncToAsync.single_thread_executor.submit(connections.close_all).result()
        connections.close_all()
