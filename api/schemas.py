"""Request and response bodies of the REST API v1 (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, Field, StringConstraints


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode") from None
    return value


Text = Annotated[str, AfterValidator(_clean_text)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[a-z0-9_-]+$")]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=255), AfterValidator(_clean_text)]
StatusName = Literal["new", "open", "waiting_customer", "resolved", "closed"]
LevelName = Literal["L1", "L2", "L3"]


class ErrorDetail(Schema):
    code: str = Field(description="Stable machine-readable code, e.g. ticket_closed.")
    message: str = Field(description="Human-readable explanation in the caller's language.")
    field: str | None = Field(description="The input the error is about, when there is one.")


class ErrorOut(Schema):
    error: ErrorDetail


class TicketOut(Schema):
    id: int
    number: int
    subject: str
    status: StatusName
    level: LevelName
    kind: str
    category: str | None
    service: str | None
    channel: str
    priority: str
    last_message_from: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    score: int | None


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class TicketCreate(Schema):
    subject: Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_clean_text)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=50_000), AfterValidator(_clean_text)]
    category: Code = Field(description="A category code from GET /categories.")
    service: Reference | None = Field(default=None, description="The service reference, e.g. ns3012345.ip-51-75-1.eu.")
    customer: Reference | None = Field(
        default=None, description="Staff only: the customer identifier to open the ticket for."
    )


class AttachmentOut(Schema):
    id: str
    filename: str
    content_type: str
    size: int
    created_at: datetime
    download_url: str


class MessageOut(Schema):
    id: int
    sender: Literal["customer", "support", "system"]
    author: str | None
    body: str
    internal: bool
    created_at: datetime
    attachments: list[AttachmentOut]


class MessagePage(Schema):
    items: list[MessageOut]
    next_after: int | None = Field(description="Pass as `after` to get the next messages; null at the end.")


class ReplyIn(Schema):
    body: Annotated[str, StringConstraints(min_length=1, max_length=50_000), AfterValidator(_clean_text)]
    then: Literal["waiting_customer", "resolved"] | None = Field(
        default=None, description="Staff only: set the status in the same step."
    )


class ReopenIn(Schema):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_clean_text)]


class ScoreIn(Schema):
    score: int = Field(ge=1, le=5)
    comment: Annotated[str, StringConstraints(max_length=2000), AfterValidator(_clean_text)] = ""


class TransferIn(Schema):
    move: Literal["not_an_incident", "is_an_incident", "needs_intervention"] = Field(
        description="not_an_incident: L1 → L2 (same ticket); is_an_incident: L2 → a new linked L1 incident; "
        "needs_intervention: to L2 commercial for a quote (then L3)."
    )
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_clean_text)]
    category: Code | None = Field(default=None, description="Target category (required for is_an_incident).")
    customer_message: Annotated[str, StringConstraints(max_length=50_000), AfterValidator(_clean_text)] = ""


class TransferOut(Schema):
    ticket: TicketOut
    incident: TicketOut | None = Field(description="The new L1 incident, for is_an_incident.")


class ServiceOut(Schema):
    reference: str
    product: str
    display_name: str
    status: str


class ServicePage(Schema):
    items: list[ServiceOut]
    next_after: str | None


class LevelOut(Schema):
    code: LevelName
    name: str
    description: str
    hours: str
    technical: bool
    commercial: bool


class CategoryOut(Schema):
    code: str
    name: str
    level: LevelName
    kind: str
    ovh_category: Literal["incident", "assistance", "billing"]


class PingOut(Schema):
    ok: bool
    time: datetime


def dump(schema: type[Schema], value: dict[str, Any]) -> dict[str, Any]:
    return schema.model_validate(value).model_dump(mode="json")
