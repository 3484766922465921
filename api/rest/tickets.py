"""``/tickets``: the caller's tickets, their messages and attachments, and the changes customers
and staff make to them, through ``tickets.actions`` and ``tickets.queries`` (another customer's
ticket is ``404`` exactly like a missing one)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Query, Router
from pydantic import Field

from accounts.models import User
from api import idempotency
from api.errors import ApiError
from api.rest.base import (
    ERRORS,
    IDEMPOTENCY_HEADER,
    MAX_PAGE,
    WRITE,
    WRITE_COUNTED_IN_WORK,
    CallCount,
    as_utc,
    keyset_page,
)
from api.schemas import (
    NO_NUL_PATTERN,
    MessageOut,
    MessagePage,
    NonEmptyFile,
    ReopenIn,
    ReplyIn,
    ScoreIn,
    StatusName,
    TicketCreate,
    TicketOut,
    TicketPage,
    TransferIn,
    TransferOut,
)
from levels.models import Category, LevelCode
from services.queries import service_of
from tickets import actions, queries
from tickets.models import Attachment, Channel, Message, Ticket
from tickets.queries import category_for_opening

router = Router(tags=["tickets"])


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
        "support_plan": ticket.support_plan or None,
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


@router.get("/tickets", response={200: TicketPage, **ERRORS}, summary="List tickets")
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


@router.post("/tickets", response={201: TicketOut, **ERRORS}, auth=WRITE_COUNTED_IN_WORK, summary="Open a ticket")
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


@router.get("/tickets/{number}", response={200: TicketOut, **ERRORS}, summary="Read a ticket")
def read_ticket(request: HttpRequest, number: NumberT) -> Any:
    return ticket_out(_ticket(request, number))


@router.get("/tickets/{number}/messages", response={200: MessagePage, **ERRORS}, summary="List messages")
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


@router.post(
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


@router.post(
    "/tickets/{number}/messages/upload",
    response={201: MessageOut, **ERRORS},
    auth=WRITE,
    summary="Reply with attachments (multipart)",
)
def reply_with_files(
    request: HttpRequest,
    number: NumberT,
    body: str = Form(..., min_length=1, max_length=50_000, pattern=NO_NUL_PATTERN),
    files: list[NonEmptyFile] = File(..., min_length=1),  # noqa: B008 - ninja's parameter declaration
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


@router.get(
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


@router.post("/tickets/{number}/close", response={200: TicketOut, **ERRORS}, auth=WRITE, summary="Close a ticket")
def close(request: HttpRequest, number: NumberT) -> Any:
    ticket = actions.close_ticket(_ticket(request, number), actor=request.auth)  # type: ignore[attr-defined]
    return _fresh(request, ticket)


@router.post("/tickets/{number}/reopen", response={200: TicketOut, **ERRORS}, auth=WRITE, summary="Reopen a ticket")
def reopen(request: HttpRequest, payload: ReopenIn, number: NumberT) -> Any:
    ticket = actions.reopen_ticket(_ticket(request, number), actor=request.auth, reason=payload.reason)  # type: ignore[attr-defined]
    return _fresh(request, ticket)


@router.post("/tickets/{number}/score", response={200: TicketOut, **ERRORS}, auth=WRITE, summary="Score a ticket")
def score(request: HttpRequest, payload: ScoreIn, number: NumberT) -> Any:
    ticket = actions.score_ticket(
        _ticket(request, number),
        actor=request.auth,  # type: ignore[attr-defined]
        score=payload.score,
        comment=payload.comment,
    )
    return _fresh(request, ticket)


@router.post(
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
