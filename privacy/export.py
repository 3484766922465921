"""Everything the desk holds about one person, as JSON files and the files they uploaded.

Secrets are never exported: not the password hash, not an API token's or consumer key's digest,
not a two-factor secret.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Q, QuerySet

from accounts.models import LoginAttempt, TOTPDevice, User
from api.models import ApiToken, ConsumerKey
from infogerencia.models import Invoice, Quote
from notifications.models import Delivery, NotificationPreference
from tickets.models import Attachment, Message, Ticket

SECRET_FIELDS = frozenset({"password", "digest", "secret", "validation_token", "application_secret"})


def _rows(items: QuerySet[Any], *, exclude: Iterable[str] = ()) -> list[dict[str, Any]]:
    model: type[Model] = items.model
    names = [
        field.attname
        for field in model._meta.concrete_fields
        if field.attname not in SECRET_FIELDS
        and field.attname not in set(exclude)
        and field.get_internal_type() != "BinaryField"
    ]
    return list(items.values(*names))


def collect(person: User) -> dict[str, Any]:
    """The files of the export, by name, as JSON-ready values."""
    tickets = Ticket.objects.filter(requester=person)
    quotes = Quote.objects.filter(ticket__requester=person)
    files: dict[str, Any] = {
        "profile.json": _rows(User.objects.filter(pk=person.pk))[0],
        "organisation.json": (
            {"name": person.organisation.name, "country": person.organisation.country}
            if person.organisation is not None
            else None
        ),
        "notification_choices.json": _rows(NotificationPreference.objects.filter(user=person)),
        "tickets.json": _rows(tickets.order_by("created_at", "id")),
        "messages.json": _rows(
            Message.objects.filter(author=person, internal=False).order_by("created_at", "id"), exclude=["body_html"]
        ),
        "attachments.json": _rows(Attachment.objects.filter(uploaded_by=person).order_by("created_at", "id")),
        "notifications.json": [
            {
                "event": delivery.notification.event,
                "ticket_id": delivery.notification.ticket_id,
                "address": delivery.address,
                "status": delivery.status,
                "created_at": delivery.created_at,
                "sent_at": delivery.sent_at,
            }
            for delivery in Delivery.objects.filter(Q(recipient=person) | Q(address__iexact=person.email or "-"))
            .select_related("notification")
            .order_by("created_at", "id")
        ],
        "logins.json": {
            "last_login": person.last_login,
            "date_joined": person.date_joined,
            "failed_attempts": _rows(
                LoginAttempt.objects.filter(identifier__in=[person.username, person.email or "-"]).order_by(
                    "created_at"
                )
            ),
            "two_factor": _rows(TOTPDevice.objects.filter(user=person), exclude=["last_used_step"]),
        },
        "api_tokens.json": _rows(ApiToken.objects.filter(user=person).order_by("created_at")),
        "consumer_keys.json": [
            {**row, "application": name}
            for row, name in zip(
                _rows(ConsumerKey.objects.filter(user=person).order_by("created_at")),
                ConsumerKey.objects.filter(user=person)
                .order_by("created_at")
                .values_list("application__name", flat=True),
                strict=True,
            )
        ],
        "quotes.json": _rows(quotes.order_by("created_at", "id")),
        "invoices.json": _rows(Invoice.objects.filter(quote__in=quotes).order_by("issued_at", "id")),
    }
    return files


def build_zip(person: User) -> bytes:
    """The ZIP: one JSON file per kind of data, and ``attachments/<id>-<name>`` for each file they uploaded."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, value in collect(person).items():
            archive.writestr(name, json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        for attachment in Attachment.objects.filter(uploaded_by=person).order_by("id"):
            try:
                with attachment.file.open("rb") as handle:
                    archive.writestr(f"attachments/{attachment.pk}-{attachment.filename}", handle.read())
            except (FileNotFoundError, OSError):
                continue  # a file already gone from storage: its row above still says it existed
    return buffer.getvalue()
