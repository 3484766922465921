"""Full-text search over tickets for staff: PostgreSQL's tsvector + GIN, or SQLite's FTS5.

One ``SearchDocument`` per ticket holds its number, subject, customer (name and identifiers),
service reference and every message. ``index_ticket`` rebuilds it; the console registers
``index_event`` with ``tickets.dispatch`` so it runs in a background task after each change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from console.models import SearchDocument
from tickets.models import Message, Ticket, TicketEvent

DOCUMENT_MAX = 200_000
RESULTS_MAX = 50
QUERY_MAX = 200
CONFIG = "simple"  # tickets arrive in Spanish, English and French: no one language's stemmer

_WORD = re.compile(r"\w[\w.@-]*", re.UNICODE)


def build_document(ticket: Ticket, contacts: Iterable[str], messages: Iterable[str]) -> str:
    parts = [
        str(ticket.number),
        ticket.subject,
        ticket.organisation.name,
        *contacts,
        ticket.service.reference if ticket.service_id and ticket.service else "",
        *messages,
    ]
    return "\n".join(p for p in parts if p)[:DOCUMENT_MAX]


def index_ticket(ticket_id: int, *, now: datetime | None = None) -> bool:
    """Rebuild one ticket's document. Idempotent: running it twice leaves the same row."""
    ticket = Ticket.objects.select_related("organisation", "service").filter(pk=ticket_id).first()
    if ticket is None:
        return False
    contacts = User.objects.filter(organisation_id=ticket.organisation_id, role=Role.CUSTOMER).values_list(
        "username", flat=True
    )
    messages = Message.objects.filter(ticket_id=ticket_id).order_by("created_at", "id").values_list("body", flat=True)
    document = build_document(ticket, list(contacts), list(messages))
    with transaction.atomic():
        SearchDocument.objects.update_or_create(
            ticket_id=ticket_id, defaults={"document": document, "updated_at": now or timezone.now()}
        )
        write_engine_index([ticket_id])
    return True


def write_engine_index(ticket_ids: list[int]) -> None:
    """Copy documents into the engine's index (tsvector column or FTS5 table)."""
    if not ticket_ids:
        return
    if connection.vendor == "postgresql":
        SearchDocument.objects.filter(ticket_id__in=ticket_ids).update(vector=SearchVector("document", config=CONFIG))
    elif connection.vendor == "sqlite":
        marks = ",".join("%s" for _ in ticket_ids)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM console_search_fts WHERE rowid IN ({marks})", ticket_ids)  # noqa: S608
            select = f"SELECT ticket_id, document FROM console_searchdocument WHERE ticket_id IN ({marks})"  # noqa: S608
            insert = "INSERT INTO console_search_fts(rowid, document) " + select
            cursor.execute(insert, ticket_ids)


def index_event(event_id: int) -> None:
    """Dispatch handler: re-index the ticket an audit event belongs to."""
    ticket_id = TicketEvent.objects.filter(pk=event_id).values_list("ticket_id", flat=True).first()
    if ticket_id is not None:
        index_ticket(ticket_id)


def words(query: str) -> list[str]:
    return _WORD.findall((query or "")[:QUERY_MAX])[:12]


def search_ticket_ids(query: str, *, limit: int = RESULTS_MAX) -> list[int]:
    """Ids of the tickets matching every word of ``query``, best first, at most ``limit``."""
    terms = words(query)
    if not terms:
        return []
    limit = max(1, min(limit, RESULTS_MAX))
    if connection.vendor == "postgresql":
        # Every word must match: plain "simple" tsquery of the cleaned words, joined by AND.
        search = SearchQuery(" ".join(terms), config=CONFIG, search_type="plain")
        return list(
            SearchDocument.objects.filter(vector=search)
            .order_by("-ticket_id")
            .values_list("ticket_id", flat=True)[:limit]
        )
    if connection.vendor == "sqlite":
        match = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
        with connection.cursor() as cursor:
            cursor.execute(
                # Rows of tickets deleted since (their document went with them) are skipped. The
                # check is a correlated EXISTS per match: "rowid IN (SELECT …)" would make SQLite
                # run the full-text match once per document instead.
                "SELECT f.rowid FROM console_search_fts AS f WHERE console_search_fts MATCH %s "
                "AND EXISTS (SELECT 1 FROM console_searchdocument AS d WHERE d.ticket_id = f.rowid) "
                "ORDER BY rank LIMIT %s",
                [match, limit],
            )
            return [row[0] for row in cursor.fetchall()]
    return []
