"""What every resource of the REST API v1 shares: token authentication and its rate limit, the
error statuses, dates, keyset pagination and PDF downloads."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from ninja import Header
from ninja.security import HttpBearer
from pydantic import Field

from accounts.models import User
from api import actions as api_actions
from api import ratelimit
from api.errors import ApiError
from api.models import ApiToken, Scope
from api.schemas import ErrorOut
from core import netaddr

MAX_PAGE = 100


ERRORS: dict[int, Any] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 413, 422, 429)}


IDEMPOTENCY_HEADER = Header(
    default=None,
    alias="Idempotency-Key",
    description="Repeat a create safely: the same key and body give the same answer. "
    "1 to 255 visible ASCII characters; another key answers 400 idempotency_key_invalid.",
    # Checked before the handler runs; a refusal answers 400 idempotency_key_invalid.
    min_length=1,
    max_length=255,
    pattern=r"^[\x21-\x7e]{1,255}$",
)


def client_address(request: HttpRequest) -> str:
    """The caller's address (behind trusted proxies, the one they forwarded: ``core.netaddr``)."""
    return netaddr.client_address(request) or "unknown"


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tdk_…``; counts the call against the token's (or the address's) limit."""

    def __init__(self, *, write: bool = False, count_in_work: bool = False, provisioning: bool = False) -> None:
        super().__init__()
        self.write = write
        self.provisioning = provisioning
        # The handler counts the call in its own write transaction (``CallCount``).
        self.count_in_work = count_in_work

    def __call__(self, request: HttpRequest) -> User | None:
        now = timezone.now()
        header = request.headers.get("Authorization", "")
        scheme, _sep, raw = header.partition(" ")
        token = api_actions.find_token(raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
        if token is None:
            verdict = ratelimit.hit(
                f"ip:{client_address(request)}",
                limit=settings.API_RATE_LIMIT_ANONYMOUS,
                window_seconds=settings.API_RATE_WINDOW_SECONDS,
                now=now,
            )
            if not verdict.allowed:
                raise _rate_limited(verdict.retry_after)
            raise ApiError(
                401,
                "unauthorized",
                _("Send a valid API token: Authorization: Bearer <token>."),
                headers={"WWW-Authenticate": 'Bearer realm="tierdesk"'},
            )
        request.api_count = CallCount(f"token:{token.pk}", now)  # type: ignore[attr-defined]
        if not self.count_in_work:
            request.api_count.settle()  # type: ignore[attr-defined]
        if self.write and token.scope != Scope.WRITE:
            request.api_count.settle()  # type: ignore[attr-defined]
            raise ApiError(403, "insufficient_scope", _("This token can only read; create a read and write token."))
        if self.provisioning and not (token.scope == Scope.PROVISIONING and token.user.is_agent):
            request.api_count.settle()  # type: ignore[attr-defined]
            raise ApiError(
                403,
                "insufficient_scope",
                _("Provisioning needs a staff integration token with the provisioning scope."),
            )
        api_actions.touch(ApiToken, token.pk, token.last_used_at, now)
        request.api_token = token  # type: ignore[attr-defined]
        # Messages in the token owner's language, as the pages speak to them once logged in.
        if token.user.language:
            translation.activate(token.user.language)
            request.LANGUAGE_CODE = token.user.language  # type: ignore[attr-defined]
        return token.user

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover - __call__ does it
        return None


class CallCount:
    """One call against a token's rate limit, counted once.

    ``in_transaction()`` counts it as the first statement of the handler's own write
    transaction (so a create is one write transaction instead of two) and refuses it with
    ``429`` over the limit. ``settle()`` counts it on its own if that transaction did not commit
    (the work failed or never started), so every call is counted once whatever its answer.
    """

    def __init__(self, bucket: str, now: datetime) -> None:
        self.bucket = bucket
        self.now = now
        self.counted = False

    def _hit(self) -> ratelimit.Verdict:
        return ratelimit.hit(
            self.bucket,
            limit=settings.API_RATE_LIMIT,
            window_seconds=settings.API_RATE_WINDOW_SECONDS,
            now=self.now,
        )

    def in_transaction(self) -> None:
        """Count the call inside the caller's transaction (or refuse it with ``429``)."""
        verdict = self._hit()
        if not verdict.allowed:
            raise _rate_limited(verdict.retry_after)
        self.counted = True

    def rolled_back(self) -> None:
        """The caller's transaction failed: the count went with it."""
        self.counted = False

    def settle(self, *, refuse: bool = True) -> None:
        """Count the call now unless ``in_transaction()`` already did; over the limit,
        refuse it with ``429`` when ``refuse``."""
        if self.counted:
            return
        self.counted = True
        verdict = self._hit()
        if refuse and not verdict.allowed:
            raise _rate_limited(verdict.retry_after)


def _rate_limited(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        _("Too many requests; try again in %(seconds)s seconds.") % {"seconds": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


READ = TokenAuth()


WRITE = TokenAuth(write=True)


WRITE_COUNTED_IN_WORK = TokenAuth(write=True, count_in_work=True)


PROVISIONING = TokenAuth(provisioning=True)


def as_utc(value: datetime, *, field: str) -> datetime:
    """An aware UTC datetime (naive input is read as UTC); refuses what the database cannot hold."""
    try:
        value = value.replace(tzinfo=UTC) if timezone.is_naive(value) else value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ApiError(400, "invalid_datetime", _("This date and time is out of range."), field=field) from None
    return value


# --- cursor --------------------------------------------------------------------------------


def encode_cursor(updated_at: datetime, pk: int) -> str:
    raw = json.dumps([updated_at.isoformat(), pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, pk = json.loads(raw)
        when = parse_datetime(stamp)
        if when is None or timezone.is_naive(when) or not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError
        if not 0 < pk < 2**62:
            raise ValueError
        return when.astimezone(UTC), pk
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise ApiError(
            400, "invalid_cursor", _("This cursor is not valid; start again without it."), field="cursor"
        ) from None


def keyset_page(
    items: QuerySet[Any], field: str, cursor: str | None, limit: int, render: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """One page of ``items``, newest ``field`` first, after ``cursor``: keyset pagination over
    (``field``, id), with the cursor of the next page when there is one."""
    if cursor:
        when, pk = decode_cursor(cursor)
        items = items.filter(Q(**{f"{field}__lt": when}) | Q(**{field: when, "id__lt": pk}))
    page = list(items.order_by(f"-{field}", "-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {
        "items": [render(item) for item in page],
        "next_cursor": encode_cursor(getattr(page[-1], field), page[-1].pk) if more else None,
    }


# --- documents (quotes, invoices) ------------------------------------------------------------


DocumentNumber = Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9-]+$")]


Language = Annotated[str, Field(pattern=r"^(es|en|fr)$")]


PDF_RESPONSE = {
    "responses": {
        "200": {
            "description": "The document as a PDF, in the customer's language.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def number_text(value: Decimal) -> str:
    return format(value, "f")


def amount_text(value: Decimal) -> str:
    return f"{value:.2f}"


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
