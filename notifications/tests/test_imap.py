"""IMAP polling with the real imaplib client against a small IMAP4rev1 server started by the test."""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications import imap
from notifications.models import InboundMail, InboundStatus
from notifications.tests.conftest import free_port
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Mailbox:
    user: str = "desk"
    password: str = "secret pass"
    messages: list[bytes] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    commands: list[str] = field(default_factory=list)


def _stub_handler(box: Mailbox) -> type[socketserver.StreamRequestHandler]:
    """LOGIN, SELECT, SEARCH UNSEEN, FETCH (RFC822 | BODY.PEEK[] | BODY[]), STORE +FLAGS, LOGOUT."""

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, text: str | bytes) -> None:
            self.wfile.write(text if isinstance(text, bytes) else text.encode())
            self.wfile.flush()

        def handle(self) -> None:
            self.reply("* OK IMAP4rev1 stub ready\r\n")
            authenticated = selected = False
            while line := self.rfile.readline():
                tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
                command, _, args = rest.partition(" ")
                command = command.upper()
                box.commands.append(command)
                if command == "CAPABILITY":
                    self.reply(f"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK done\r\n")
                elif command == "LOGIN":
                    user, password = [
                        a.strip('"').replace('\\"', '"') for a in re.findall(r'"(?:[^"\\]|\\.)*"|\S+', args)
                    ]
                    authenticated = (user, password) == (box.user, box.password)
                    self.reply(f"{tag} OK logged in\r\n" if authenticated else f"{tag} NO bad credentials\r\n")
                elif not authenticated and command != "LOGOUT":
                    self.reply(f"{tag} BAD log in first\r\n")
                elif command == "SELECT":
                    selected = True
                    self.reply(
                        f"* {len(box.messages)} EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen)\r\n"
                        f"{tag} OK [READ-WRITE] SELECT completed\r\n"
                    )
                elif not selected and command in {"SEARCH", "FETCH", "STORE"}:
                    self.reply(f"{tag} BAD select a mailbox first\r\n")
                elif command == "SEARCH":
                    unseen = [str(n) for n in range(1, len(box.messages) + 1) if n not in box.seen]
                    self.reply(
                        f"* SEARCH {' '.join(unseen)}\r\n{tag} OK SEARCH completed\r\n".replace("SEARCH \r", "SEARCH\r")
                    )
                elif command == "FETCH":
                    number_text, _, what = args.partition(" ")
                    number = int(number_text)
                    raw = box.messages[number - 1]
                    item = "RFC822" if "RFC822" in what.upper() else "BODY[]"
                    if "PEEK" not in what.upper():
                        box.seen.add(number)
                    self.reply(f"* {number} FETCH ({item} {{{len(raw)}}}\r\n".encode() + raw + b")\r\n")
                    self.reply(f"{tag} OK FETCH completed\r\n")
                elif command == "STORE":
                    number = int(args.split(" ", 1)[0])
                    if "\\SEEN" in args.upper():
                        box.seen.add(number)
                    self.reply(f"* {number} FETCH (FLAGS (\\Seen))\r\n{tag} OK STORE completed\r\n")
                elif command == "LOGOUT":
                    self.reply(f"* BYE logging out\r\n{tag} OK LOGOUT completed\r\n")
                    return
                else:
                    self.reply(f"{tag} BAD unknown command\r\n")

    return Handler


@pytest.fixture
def imap_server(settings) -> Iterator[Mailbox]:  # type: ignore[no-untyped-def]
    box = Mailbox()
    port = free_port()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", port), _stub_handler(box))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.IMAP_HOST = "127.0.0.1"
    settings.IMAP_PORT = port
    settings.IMAP_SSL = False
    settings.IMAP_USER = box.user
    settings.IMAP_PASSWORD = box.password
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


def message(sender: str, to: str, subject: str, body: str, message_id: str) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"], mail["Message-ID"] = sender, to, subject, message_id
    mail.set_content(body)
    return mail.as_bytes()


def test_polling_stores_each_unseen_message_then_marks_it_seen(desk, imap_server):
    imap_server.messages = [
        message(desk.pedro.email, "asistencia@tierdesk.localhost", "Alta de buzón", "¿Cómo creo un buzón?", "<a@x>"),
        message("spam@example.net", "asistencia@tierdesk.localhost", "Oferta", "Compre ya", "<b@x>"),
    ]
    imap_server.seen = {2}  # already read by someone: left alone
    call_command("poll_imap")
    assert imap_server.seen == {1, 2}
    inbound = InboundMail.objects.get()
    assert (inbound.source, inbound.status) == ("imap", InboundStatus.TICKET_OPENED)
    assert Ticket.objects.get().subject == "Alta de buzón"
    assert "FETCH" in imap_server.commands and "STORE" in imap_server.commands
    assert imap_server.commands.index("STORE") > imap_server.commands.index("FETCH")

    call_command("poll_imap")  # nothing new
    assert InboundMail.objects.count() == 1


def test_a_message_fetched_again_after_a_crash_is_a_duplicate(desk, imap_server):
    imap_server.messages = [
        message(desk.pedro.email, "asistencia@tierdesk.localhost", "Buzón lleno", "Está lleno", "<c@x>"),
    ]
    client = imap.connect()
    original_store = client.store
    client.store = lambda *args: ("NO", [b"crash before the flag"])  # type: ignore[method-assign]
    with pytest.raises(imap.PollError):
        imap.poll(client, now=timezone.now())
    client.store = original_store  # type: ignore[method-assign]
    client.logout()
    assert imap_server.seen == set()
    call_command("poll_imap")
    assert sorted(InboundMail.objects.values_list("status", flat=True)) == ["duplicate", "ticket_opened"]
    assert Ticket.objects.count() == 1


def test_wrong_credentials_are_a_clear_error(desk, imap_server, settings):
    from django.core.management.base import CommandError

    settings.IMAP_PASSWORD = "wrong"
    with pytest.raises(CommandError, match="bad credentials"):
        call_command("poll_imap")
    assert not InboundMail.objects.exists()
