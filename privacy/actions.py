"""Writes of the privacy app: a person's data export (asked for, built, expired) and their erasure."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Q
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from accounts.models import LoginAttempt, TOTPDevice, User
from api.models import ApiToken, ConsumerKey, IdempotencyRecord
from core.outbox import enqueue_on_commit
from infogerencia.models import Invoice
from notifications.models import InboundMail, NotificationPreference
from privacy import export as exporting
from privacy.models import DataExport, ErasureRecord, ExportState
from privacy.tasks import build_export as build_export_task
from tickets.errors import ActionRefused, Forbidden, NotFound
from tickets.models import Attachment

REDACTED = "[erased]"
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)
INVOICE_REASON = _(
    "Issued invoices are kept as issued, with the data printed on them, for as long as tax and commercial law "
    "require (Spain: six years, Commercial Code art. 30; General Tax Law art. 66)."
)
ORGANISATION_REASON = _("The account holder's name, address and VAT number are printed on its issued invoices.")


def _may_act_for(actor: User, subject: User) -> bool:
    return actor.pk == subject.pk or actor.is_agent or actor.is_superuser


@transaction.atomic
def request_export(*, subject: User, actor: User, now: datetime) -> DataExport:
    """Ask for a new export of everything about ``subject``: by the person, or by staff on their behalf."""
    if not _may_act_for(actor, subject):
        raise NotFound("not_found", _("This person does not exist."))
    if subject.erased_at is not None:
        raise ActionRefused("erased", _("This person's data was erased; there is nothing left to export."))
    if DataExport.objects.filter(subject=subject, state=ExportState.PENDING).exists():
        raise ActionRefused("export_pending", _("An export is already being prepared; it will be ready shortly."))
    export = DataExport.objects.create(subject=subject, requested_by=actor, created_at=now)
    enqueue_on_commit(build_export_task, export.pk)
    return export


def build_export(*, export_id: int, now: datetime) -> DataExport | None:
    """Build the ZIP of a pending export and offer it until the configured lifetime runs out."""
    export = DataExport.objects.select_related("subject", "subject__organisation").filter(pk=export_id).first()
    if export is None or export.state != ExportState.PENDING:
        return export
    content = exporting.build_zip(export.subject)
    name = f"{get_random_string(24)}.zip"
    with transaction.atomic():
        export.file.save(name, ContentFile(content), save=False)
        export.state = ExportState.READY
        export.size = len(content)
        export.ready_at = now
        export.expires_at = now + timedelta(hours=settings.PRIVACY_EXPORT_HOURS)
        export.save(update_fields=["file", "state", "size", "ready_at", "expires_at"])
    expire_exports(now=now)
    return export


def expire_exports(*, now: datetime) -> int:
    """Delete the files of exports past their time; the rows stay to say one was made."""
    count = 0
    for export in DataExport.objects.filter(state=ExportState.READY, expires_at__lte=now):
        if export.file:
            export.file.delete(save=False)
        DataExport.objects.filter(pk=export.pk).update(state=ExportState.EXPIRED, file="")
        count += 1
    return count


# --- erasure ---------------------------------------------------------------------------------


def _needles(person: User) -> list[str]:
    """The person's name, e-mail address, phone and customer identifier, as they may appear in text."""
    values = [person.get_full_name(), person.email, person.phone, person.username]
    return sorted({value.strip() for value in values if value and len(value.strip()) >= 4}, key=len, reverse=True)


def _redact(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, list):
        return [_redact(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _redact(item, pattern) for key, item in value.items()}
    return value


def text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The columns of ``model`` that hold text (character, text and JSON columns)."""
    return [field for field in model._meta.concrete_fields if isinstance(field, TEXT_FIELDS) and not field.primary_key]


def searched(field: models.Field[Any, Any], needles: Iterable[str]) -> list[str]:
    """What to look for in a column: a JSON column may hold the text with its non-ASCII letters escaped."""
    found = list(needles)
    if isinstance(field, models.JSONField):
        found += [json.dumps(needle)[1:-1] for needle in found if not needle.isascii()]
    return found


def _sweep(needles: Iterable[str], kept: set[tuple[str, int, str]]) -> int:
    """Replace every occurrence of the needles in every text column of the database, except the kept ones."""
    needles = list(needles)
    if not needles:
        return 0
    pattern = re.compile("|".join(re.escape(needle) for needle in needles), re.IGNORECASE)
    changed = 0
    for model in apps.get_models():
        if model is ErasureRecord or model._meta.proxy or not model._meta.managed:
            continue
        fields = text_fields(model)
        if not fields:
            continue
        query = Q()
        for field in fields:
            for needle in searched(field, needles):
                query |= Q(**{f"{field.name}__icontains": needle})
        label = model._meta.label
        for row in model._default_manager.filter(query).values("pk", *[field.attname for field in fields]):
            updates = {}
            for field in fields:
                if (label, row["pk"], field.name) in kept:
                    continue
                value = row[field.attname]
                redacted = _redact(value, pattern)
                if redacted != value:
                    updates[field.attname] = redacted
            if updates:
                model._default_manager.filter(pk=row["pk"]).update(**updates)
                changed += 1
    return changed


@transaction.atomic
def erase_person(*, subject: User, actor: User, now: datetime) -> ErasureRecord:
    """Remove or anonymise a customer contact's personal data everywhere the law does not require keeping it.

    Their messages stay in their organisation's tickets under an anonymous name; the files they
    uploaded are deleted; their logins, tokens, keys, exports and raw e-mails go; every other
    mention of their name, address, phone or identifier is replaced with ``[erased]``. Issued
    invoices, and the account holder's data printed on them, are kept: the record says which and why.
    """
    if not (actor.is_agent or actor.is_superuser):
        raise Forbidden("staff_only", _("Only support staff can do this."))
    if not subject.is_customer:
        raise ActionRefused("not_a_customer", _("Only customers' contacts are erased this way."))
    if subject.erased_at is not None:
        raise ActionRefused("already_erased", _("This person's data was already erased."))
    needles = _needles(subject)
    kept: list[dict[str, Any]] = []
    kept_cells: set[tuple[str, int, str]] = set()
    invoices = list(Invoice.objects.filter(organisation_id=subject.organisation_id or 0).values_list("pk", flat=True))
    if invoices:
        invoice_fields = [field.name for field in text_fields(Invoice)]
        kept.append({"model": Invoice._meta.label, "ids": invoices, "fields": invoice_fields, "reason": "invoice"})
        kept_cells |= {(Invoice._meta.label, pk, name) for pk in invoices for name in invoice_fields}
        organisation_fields = ["name", "address", "vat_id"]
        kept.append(
            {
                "model": "accounts.Organisation",
                "ids": [subject.organisation_id],
                "fields": organisation_fields,
                "reason": "organisation",
            }
        )
        kept_cells |= {("accounts.Organisation", subject.organisation_id, name) for name in organisation_fields}  # type: ignore[misc]

    removed: dict[str, int] = {}
    uploads = list(Attachment.objects.filter(uploaded_by=subject))
    for attachment in uploads:
        attachment.file.delete(save=False)
    removed["attachments"] = Attachment.objects.filter(pk__in=[a.pk for a in uploads]).delete()[0]
    for export in DataExport.objects.filter(subject=subject):
        if export.file:
            export.file.delete(save=False)
    removed["exports"] = DataExport.objects.filter(subject=subject).delete()[0]
    removed["api_tokens"] = ApiToken.objects.filter(user=subject).delete()[0]
    removed["consumer_keys"] = ConsumerKey.objects.filter(user=subject).delete()[0]
    removed["idempotency_records"] = IdempotencyRecord.objects.filter(owner=subject).delete()[0]
    removed["two_factor"] = TOTPDevice.objects.filter(user=subject).delete()[0]
    removed["notification_choices"] = NotificationPreference.objects.filter(user=subject).delete()[0]
    identifiers = [value for value in (subject.username, subject.email) if value]
    removed["failed_logins"] = LoginAttempt.objects.filter(identifier__in=identifiers).delete()[0]
    if subject.email:
        removed["inbound_mail"] = InboundMail.objects.filter(
            Q(from_address__iexact=subject.email) | Q(envelope_from__iexact=subject.email)
        ).delete()[0]

    User.objects.filter(pk=subject.pk).update(
        username=f"erased-{subject.pk}",
        first_name="",
        last_name="",
        email="",
        phone="",
        external_id=None,
        is_active=False,
        password=f"!{get_random_string(40)}",  # unusable, as set_unusable_password writes it
        erased_at=now,
        may_open_tickets=False,
        receives_incident_mail=False,
    )
    removed["texts_anonymised"] = _sweep(needles, kept_cells)
    return ErasureRecord.objects.create(subject=subject, performed_by=actor, removed=removed, kept=kept, created_at=now)


KEPT_REASONS = {"invoice": INVOICE_REASON, "organisation": ORGANISATION_REASON}
