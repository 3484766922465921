"""``Idempotency-Key`` on create calls: the same key and body replay the first answer.

The record is written *before* the work, with no status: a second call with the same key while
the first is still running gets ``409 idempotency_in_progress`` instead of doing the work twice
(the unique ``(owner, key)`` decides the race). Answers of 4xx are remembered as well; an
unexpected failure forgets the key so the client may retry.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from api.errors import ApiError, error_body
from api.models import IdempotencyRecord
from tickets.errors import ActionRefused, InvalidInput

KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
CONTENT_TYPE = "application/json; charset=utf-8"


def _fingerprint(request: HttpRequest, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(b"\n" + request.path.encode("utf-8") + b"\n")
    digest.update(body)
    return digest.hexdigest()


def _response(status: int, body: bytes, *, replayed: bool) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def run(
    request: HttpRequest,
    *,
    key: str | None,
    owner: User,
    body: bytes,
    work: Callable[[], tuple[int, object]],
) -> HttpResponse:
    """Do ``work`` once per ``key``; ``work`` returns ``(status, json-able body)``."""
    if key is None:
        status, payload = work()
        return _response(status, json.dumps(payload).encode(), replayed=False)
    if not KEY_PATTERN.fullmatch(key):
        raise ApiError(
            400,
            "idempotency_key_invalid",
            _("Idempotency-Key is 1 to 255 printable ASCII characters."),
            field="Idempotency-Key",
        )
    fingerprint = _fingerprint(request, body)
    now = timezone.now()
    IdempotencyRecord.objects.filter(
        owner=owner, key=key, created_at__lt=now - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    ).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(owner=owner, key=key, fingerprint=fingerprint, created_at=now)
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
        if existing is None:  # expired and purged between the two statements: treat as in progress
            raise ApiError(
                409, "idempotency_in_progress", _("A request with this Idempotency-Key is being processed.")
            ) from None
        if existing.fingerprint != fingerprint:
            raise ApiError(
                422,
                "idempotency_key_reused",
                _("This Idempotency-Key was used with a different request."),
                field="Idempotency-Key",
            ) from None
        if existing.status_code is None:
            raise ApiError(
                409, "idempotency_in_progress", _("A request with this Idempotency-Key is being processed.")
            ) from None
        return _response(existing.status_code, bytes(existing.response_body), replayed=True)
    try:
        status, payload = work()
    except (ActionRefused, ApiError) as refused:
        if isinstance(refused, ApiError) and (refused.status >= 500 or refused.status == 429):
            # Not an answer to remember: the same key may be retried later.
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        field = refused.field if isinstance(refused, InvalidInput | ApiError) else None
        content = json.dumps(error_body(refused.code, refused.message, field)).encode()
        IdempotencyRecord.objects.filter(pk=record.pk).update(status_code=refused.status, response_body=content)
        return _response(refused.status, content, replayed=False)
    except BaseException:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        raise
    content = json.dumps(payload).encode()
    IdempotencyRecord.objects.filter(pk=record.pk).update(status_code=status, response_body=content)
    return _response(status, content, replayed=False)


def purge(now: datetime) -> int:
    deleted, _count = IdempotencyRecord.objects.filter(
        created_at__lt=now - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    ).delete()
    return deleted
