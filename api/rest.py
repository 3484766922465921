"""The REST API v1 (django-ninja): ``/api/v1/``, OpenAPI 3.1 at ``/api/v1/openapi.json``.

Handlers are thin: authenticate (a personal token), validate, call one action or query of the
tickets app, render. Visibility is the pages' own (``tickets.queries``); another customer's
ticket is ``404`` exactly like a missing one.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Header, NinjaAPI, Query, Router
from ninja.errors import HttpError, ValidationError
from ninja.files import UploadedFile
from ninja.security import HttpBearer
from pydantic import Field

from accounts.models import User
from api import actions as api_actions
from api import idempotency, ratelimit
from api.errors import STATUS_CODES, ApiError, error_body
from api.models import ApiToken, Scope
from api.schemas import (
    CategoryOut,
    ErrorOut,
    LevelOut,
    MessageOut,
    MessagePage,
    PingOut,
    ReopenIn,
    ReplyIn,
    ScoreIn,
    ServicePage,
    StatusName,
    TicketCreate,
    TicketOut,
    TicketPage,
    TransferIn,
    TransferOut,
)
from levels.models import Category, LevelCode, SupportLevel
from services.models import Service
from services.queries import service_of
from tickets import actions, queries
from tickets.errors import ActionRefused, InvalidInput
from tickets.models import Attachment, Channel, Message, Ticket
from tickets.queries import category_for_opening

logger = logging.getLogger(__name__)

MAX_PAGE = 100
ERRORS: dict[int, Any] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422, 429)}
IDEMPOTENCY_HEADER = Header(
    default=None,
    alias="Idempotency-Key",
    description="Repeat a create safely: the same key and body give the same answer.",
)


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tdk_…``; counts the call against the token's (or the address's) limit."""

    def __init__(self, *, write: bool = False, count_in_work: bool = False) -> None:
        super().__init__()
        self.write = write
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

api = NinjaAPI(
    title="tierdesk API",
    version="1",
    description=(
        "Tickets, messages, attachments, services, levels and categories of the tierdesk support desk. "
        'Errors always have the body {"error": {"code", "message", "field"}}.'
    ),
    urls_namespace="api:v1",
    auth=READ,
)


def _json(request: HttpRequest, status: int, body: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def _on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _json(request, exc.status, error_body(exc.code, exc.message, exc.field), exc.headers)


@api.exception_handler(ActionRefused)
def _on_refused(request: HttpRequest, exc: ActionRefused) -> HttpResponse:
    field = exc.field if isinstance(exc, InvalidInput) else None
    return _json(request, exc.status, error_body(exc.code, exc.message, field))


@api.exception_handler(Http404)
def _on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _json(request, 404, error_body("not_found", _("Not found.")))


@api.exception_handler(ValidationError)
def _on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    count: CallCount | None = getattr(request, "api_count", None)
    if count is not None:  # refused before the handler ran: count the call here
        try:
            count.settle()
        except ApiError as limited:
            return _on_api_error(request, limited)
    first = exc.errors[0] if exc.errors else {}
    location = [str(part) for part in first.get("loc", ()) if isinstance(part, str)]
    field = location[-1] if location else None
    message = str(first.get("msg") or _("Invalid input."))
    return _json(request, 422, error_body("validation_error", message, field))


@api.exception_handler(HttpError)
def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code if exc.status_code in STATUS_CODES else 400
    return _json(request, status, error_body(STATUS_CODES[status], str(exc)))


@api.exception_handler(Exception)
def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unexpected error in %s %s", request.method, request.path)
    return _json(request, 500, error_body("internal_error", _("Something went wrong on our side.")))


# --- rendering -----------------------------------------------------------------------------


def ticket_out(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "level": ticket.level.code,
        "kind": ticket.kind,
        "category": ticket.category.code if ticket.category else None,
        "service": ticket.service.reference if ticket.service else None,
        "channel": ticket.channel,
        "priority": ticket.priority,
        "last_message_from": ticket.last_message_from,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "score": ticket.score,
    }


def _dump(value: dict[str, Any]) -> dict[str, Any]:
    return TicketOut.model_validate(value).model_dump(mode="json")


def attachment_out(ticket: Ticket, attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.token,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "created_at": attachment.created_at,
        "download_url": reverse(
            "api:v1:download_attachment", kwargs={"number": ticket.number, "attachment_id": attachment.token}
        ),
    }


def message_out(ticket: Ticket, message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "sender": message.sender,
        "author": message.author.get_full_name() or message.author.username if message.author else None,
        "body": message.body,
        "internal": message.internal,
        "created_at": message.created_at,
        "attachments": [attachment_out(ticket, a) for a in message.attachments.all()],
    }


def _ticket(request: HttpRequest, number: int) -> Ticket:
    return queries.get_ticket_by_number_for(request.auth, number)  # type: ignore[attr-defined]


def _fresh(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    return _dump(ticket_out(queries.get_ticket_for(request.auth, ticket.pk)))  # type: ignore[attr-defined]


NumberT = Annotated[int, Field(ge=1, le=2**62)]
AttachmentId = Annotated[str, Field(max_length=32, pattern=r"^[0-9a-f]+$")]


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


# --- tickets -------------------------------------------------------------------------------

tickets = Router(tags=["tickets"])


@tickets.get("/tickets", response={200: TicketPage, **ERRORS}, summary="List tickets")
def list_tickets(
    request: HttpRequest,
    status: StatusName | None = None,
    level: LevelCode | None = None,
    category: str | None = Query(None, max_length=50, pattern=r"^[a-z0-9_-]+$"),
    service: str | None = Query(None, min_length=1, max_length=255, pattern=r"^[^\x00]+$"),
    updated_since: datetime | None = Query(None, description="Only tickets with activity at or after this time."),  # noqa: B008 - ninja's parameter declaration
    cursor: str | None = Query(None, max_length=200),
    limit: int = Query(25, ge=1, le=MAX_PAGE),
) -> Any:
    """The caller's tickets, most recent activity first; keyset pagination over (updated_at, id)."""
    items = queries.visible_tickets(request.auth).select_related("level", "category", "service")  # type: ignore[attr-defined]
    if status:
        items = items.filter(status=status)
    if level:
        items = items.filter(level__code=level)
    if category:
        items = items.filter(category__code=category)
    if service:
        items = items.filter(service__reference=service.strip().lower())
    if updated_since:
        items = items.filter(updated_at__gte=as_utc(updated_since, field="updated_since"))
    return keyset_page(items, "updated_at", cursor, limit, ticket_out)


def _category(code: str, *, field: str = "category") -> Category:
    # The level's calendar and SLA policy come in the same query: opening a ticket starts its clock.
    category = category_for_opening(code)
    if category is None:
        raise ApiError(400, "category_unknown", _("Unknown category; see GET /categories."), field=field)
    return category


@tickets.post("/tickets", response={201: TicketOut, **ERRORS}, auth=WRITE_COUNTED_IN_WORK, summary="Open a ticket")
def create_ticket(request: HttpRequest, payload: TicketCreate, idempotency_key: str | None = IDEMPOTENCY_HEADER) -> Any:
    """Open a ticket. Customers open for themselves; staff name the customer in ``customer``."""
    count: CallCount = request.api_count  # type: ignore[attr-defined]
    try:
        return _create_ticket(request, payload, idempotency_key, count)
    finally:
        count.settle(refuse=False)  # a call whose ticket was not committed still counts


def _create_ticket(request: HttpRequest, payload: TicketCreate, idempotency_key: str | None, count: CallCount) -> Any:
    user: User = request.auth  # type: ignore[attr-defined]

    def work() -> tuple[int, object]:
        category = _category(payload.category)
        if user.is_customer:
            if category.level.code == LevelCode.L3:
                raise ApiError(
                    400,
                    "category_not_offered",
                    _("Managed interventions start from a quote; open an assistance ticket."),
                    field="category",
                )
            requester = user
        else:
            if not payload.customer:
                raise ApiError(400, "customer_required", _("Name the customer identifier."), field="customer")
            found = User.objects.filter(username=payload.customer.strip().lower(), role="customer").order_by().first()
            if found is None:
                raise ApiError(
                    400, "customer_unknown", _("There is no customer with this identifier."), field="customer"
                )
            requester = found
        service = None
        if payload.service:
            service = service_of(requester.organisation_id, payload.service)
            if service is None:
                raise ApiError(
                    400, "service_unknown", _("This customer has no service with this reference."), field="service"
                )
        try:
            ticket = actions.open_ticket(
                organisation=requester.organisation,  # type: ignore[arg-type]
                requester=requester,
                service=service,
                category=category,
                subject=payload.subject,
                body=payload.body,
                channel=Channel.API,
                actor=user,
                in_transaction=count.in_transaction,  # the ticket's write transaction counts the call too
            )
        except BaseException:
            count.rolled_back()
            raise
        return 201, _dump(ticket_out(ticket))

    return idempotency.run(request, key=idempotency_key, owner=user, body=request.body, work=work)


@tickets.get("/tickets/{number}", response={200: TicketOut, **ERRORS}, summary="Read a ticket")
def read_ticket(request: HttpRequest, number: NumberT) -> Any:
    return ticket_out(_ticket(request, number))


@tickets.get("/tickets/{number}/messages", response={200: MessagePage, **ERRORS}, summary="List messages")
def list_messages(
    request: HttpRequest,
    number: NumberT,
    after: int | None = Query(None, ge=0, le=2**62, description="Only messages with a larger id."),
    limit: int = Query(50, ge=1, le=MAX_PAGE),
) -> Any:
    """The conversation, oldest first. Customers never see internal notes."""
    ticket = _ticket(request, number)
    messages = queries.conversation(ticket, request.auth).order_by("id")  # type: ignore[attr-defined]
    if after is not None:
        messages = messages.filter(id__gt=after)
    page = list(messages[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {"items": [message_out(ticket, m) for m in page], "next_after": page[-1].pk if more else None}


def _reply(request: HttpRequest, number: int, body: str, then: str | None, files: list[Any]) -> tuple[int, object]:
    user: User = request.auth  # type: ignore[attr-defined]
    ticket = _ticket(request, number)
    if then and user.is_customer:
        raise ApiError(403, "staff_only", _("Only support staff can set the status."), field="then")
    message = actions.reply(ticket, actor=user, body=body, attachments=files, channel=Channel.API, then=then)
    message = queries.conversation(ticket, user).get(pk=message.pk)
    return 201, MessageOut.model_validate(message_out(ticket, message)).model_dump(mode="json")


@tickets.post(
    "/tickets/{number}/messages", response={201: MessageOut, **ERRORS}, auth=WRITE, summary="Reply to a ticket"
)
def reply(
    request: HttpRequest, payload: ReplyIn, number: NumberT, idempotency_key: str | None = IDEMPOTENCY_HEADER
) -> Any:
    return idempotency.run(
        request,
        key=idempotency_key,
        owner=request.auth,  # type: ignore[attr-defined]
        body=request.body,
        work=lambda: _reply(request, number, payload.body, payload.then, []),
    )


@tickets.post(
    "/tickets/{number}/messages/upload",
    response={201: MessageOut, **ERRORS},
    auth=WRITE,
    summary="Reply with attachments (multipart)",
)
def reply_with_files(
    request: HttpRequest,
    number: NumberT,
    body: str = Form(..., min_length=1, max_length=50_000),
    files: list[UploadedFile] = File(...),  # noqa: B008 - ninja's parameter declaration
    idempotency_key: str | None = IDEMPOTENCY_HEADER,
) -> Any:
    """A reply with up to the configured number of files; size and type limits as in the Manager."""
    if "\x00" in body:
        raise ApiError(422, "validation_error", _("text must not contain NUL characters"), field="body")
    cleaned = actions.clean_uploads(files)  # refuse before the idempotency record is written
    del cleaned
    fingerprint_body = body.encode("utf-8", "surrogatepass") + b"".join(
        (f.name or "").encode("utf-8", "surrogatepass") + str(f.size).encode() for f in files
    )
    return idempotency.run(
        request,
        key=idempotency_key,
        owner=request.auth,  # type: ignore[attr-defined]
        body=fingerprint_body,
        work=lambda: _reply(request, number, body, None, list(files)),
    )


@tickets.get(
    "/tickets/{number}/attachments/{attachment_id}",
    response=ERRORS,
    url_name="download_attachment",
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, always as a download.",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_attachment(request: HttpRequest, number: NumberT, attachment_id: AttachmentId) -> Any:
    ticket = _ticket(request, number)
    attachment = (
        Attachment.objects.filter(ticket=ticket, token=attachment_id)
        .filter(Q(message__isnull=True) | Q(message__internal=False) | Q(pk__in=_staff_only(request)))
        .order_by()
        .first()
    )
    if attachment is None:
        raise Http404
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _staff_only(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if user.is_customer:
        return Attachment.objects.none().values("pk")
    return Attachment.objects.filter(message__internal=True).values("pk")


@tickets.post("/tickets/{number}/close", response={200: TicketOut, **ERRORS}, auth=WRITE, summary="Close a ticket")
def close(request: HttpRequest, number: NumberT) -> Any:
    ticket = actions.close_ticket(_ticket(request, number), actor=request.auth)  # type: ignore[attr-defined]
    return _fresh(request, ticket)


@tickets.post("/tickets/{number}/reopen", response={200: TicketOut, **ERRORS}, auth=WRITE, summary="Reopen a ticket")
def reopen(request: HttpRequest, payload: ReopenIn, number: NumberT) -> Any:
    ticket = actions.reopen_ticket(_ticket(request, number), actor=request.auth, reason=payload.reason)  # type: ignore[attr-defined]
    return _fresh(request, ticket)


@tickets.post("/tickets/{number}/score", response={200: TicketOut, **ERRORS}, auth=WRITE, summary="Score a ticket")
def score(request: HttpRequest, payload: ScoreIn, number: NumberT) -> Any:
    ticket = actions.score_ticket(
        _ticket(request, number),
        actor=request.auth,  # type: ignore[attr-defined]
        score=payload.score,
        comment=payload.comment,
    )
    return _fresh(request, ticket)


@tickets.post(
    "/tickets/{number}/transfer",
    response={200: TransferOut, **ERRORS},
    auth=WRITE,
    summary="Move a ticket between levels (staff)",
)
def transfer(request: HttpRequest, payload: TransferIn, number: NumberT) -> Any:
    """The guide's moves: L1 → L2, L2 → a linked L1 incident, or to L2 commercial for a quote."""
    user: User = request.auth  # type: ignore[attr-defined]
    if not user.is_agent:
        raise ApiError(403, "staff_only", _("Only support staff can do this."))
    ticket = _ticket(request, number)
    incident = None
    if payload.move == "not_an_incident":
        category = _category(payload.category) if payload.category else None
        ticket = actions.transfer_to_assistance(
            ticket,
            actor=user,
            reason=payload.reason,
            category=category,
            customer_message=payload.customer_message,
        )
    elif payload.move == "is_an_incident":
        if not payload.category:
            raise ApiError(400, "category_required", _("Pick a level 1 incident type."), field="category")
        incident = actions.open_incident_from(
            ticket, actor=user, reason=payload.reason, category=_category(payload.category)
        )
    else:
        ticket = actions.hand_off_for_quote(ticket, actor=user, reason=payload.reason)
    return {
        "ticket": _fresh(request, ticket),
        "incident": _fresh(request, incident) if incident is not None else None,
    }


# --- services, levels, categories ------------------------------------------------------------

catalogue = Router(tags=["catalogue"])


@catalogue.get("/services", response={200: ServicePage, **ERRORS}, summary="List services")
def list_services(
    request: HttpRequest,
    after: str | None = Query(None, min_length=1, max_length=255, pattern=r"^[^\x00]+$"),
    limit: int = Query(50, ge=1, le=MAX_PAGE),
) -> Any:
    """The caller's services (all of them for staff), by reference."""
    user: User = request.auth  # type: ignore[attr-defined]
    services = (
        Service.objects.all() if user.is_agent else Service.objects.filter(organisation_id=user.organisation_id or 0)
    )
    if after:
        services = services.filter(reference__gt=after)
    page = list(services.order_by("reference")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return {
        "items": [
            {"reference": s.reference, "product": s.product, "display_name": s.display_name, "status": s.status}
            for s in page
        ],
        "next_after": page[-1].reference if more else None,
    }


@catalogue.get("/levels", response={200: list[LevelOut], **ERRORS}, summary="Support levels")
def list_levels(request: HttpRequest) -> Any:
    language = getattr(request, "LANGUAGE_CODE", "es")
    return [
        {
            "code": level.code,
            "name": level.name_in(language),
            "description": level.localized("description", language),
            "hours": level.localized("hours", language),
            "technical": level.technical,
            "commercial": level.commercial,
        }
        for level in SupportLevel.objects.order_by("order", "code")
    ]


@catalogue.get("/categories", response={200: list[CategoryOut], **ERRORS}, summary="Categories")
def list_categories(request: HttpRequest, level: LevelCode | None = None) -> Any:
    language = getattr(request, "LANGUAGE_CODE", "es")
    categories = Category.objects.filter(active=True).select_related("level")
    if level:
        categories = categories.filter(level__code=level)
    return [
        {
            "code": c.code,
            "name": c.name_in(language),
            "level": c.level.code,
            "kind": c.kind,
            "ovh_category": c.ovh_category,
        }
        for c in categories.order_by("level__order", "order", "code")
    ]


@api.get("/ping", response=PingOut, auth=None, tags=["meta"], summary="Is the API up?")
def ping(request: HttpRequest) -> Any:
    return {"ok": True, "time": timezone.now()}


api.add_router("", tickets)
api.add_router("", catalogue)
