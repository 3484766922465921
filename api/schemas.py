"""Request and response bodies of the REST API v1 (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from ninja.files import UploadedFile
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

# Declared in the OpenAPI document (for generated clients and fuzzers); ``_clean_text`` refuses
# a NUL with its own message.
NO_NUL_PATTERN = r"^[^\u0000]*$"
NO_NUL = Field(json_schema_extra={"pattern": NO_NUL_PATTERN})


class NonEmptyFile(UploadedFile):
    """An uploaded file, declared with at least one byte (an empty one is refused: file_empty)."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {"type": "string", "format": "binary", "minLength": 1}


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode") from None
    return value


Text = Annotated[str, AfterValidator(_clean_text), NO_NUL]
Code = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[a-z0-9_-]+$")]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=255), AfterValidator(_clean_text), NO_NUL]
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
    priority: str = Field(description="low, normal, high or critical: from impact × urgency, changed by staff.")
    support_plan: str | None = Field(
        default=None, description="Code of the customer's support plan when the ticket was opened (e.g. premium)."
    )
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
    subject: Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_clean_text), NO_NUL]
    body: Annotated[str, StringConstraints(min_length=1, max_length=50_000), AfterValidator(_clean_text), NO_NUL]
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
    body: Annotated[str, StringConstraints(min_length=1, max_length=50_000), AfterValidator(_clean_text), NO_NUL]
    then: Literal["waiting_customer", "resolved"] | None = Field(
        default=None, description="Staff only: set the status in the same step."
    )


class ReopenIn(Schema):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_clean_text), NO_NUL]


class ScoreIn(Schema):
    score: int = Field(ge=1, le=5)
    comment: Annotated[str, StringConstraints(max_length=2000), AfterValidator(_clean_text), NO_NUL] = ""


class TransferIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"move": {"const": "is_an_incident"}}, "required": ["move"]},
            "then": {"required": ["category"], "properties": {"category": {"type": "string"}}},
        }
    )

    move: Literal["not_an_incident", "is_an_incident", "needs_intervention"] = Field(
        description="not_an_incident: L1 → L2 (same ticket); is_an_incident: L2 → a new linked L1 incident; "
        "needs_intervention: to L2 commercial for a quote (then L3)."
    )
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_clean_text), NO_NUL]
    category: Code | None = Field(default=None, description="Target category (required for is_an_incident).")
    customer_message: Annotated[str, StringConstraints(max_length=50_000), AfterValidator(_clean_text), NO_NUL] = ""


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


# --- quotes, invoices, guides --------------------------------------------------------------

Amount = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", description="A decimal amount, e.g. 145.20.")]
Quantity = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", description="A decimal number, e.g. 1.500.")]
QuoteStateName = Literal["draft", "sent", "accepted", "rejected", "expired", "paid"]


class QuoteLineOut(Schema):
    position: int
    description: str
    quantity: Quantity
    unit_price: Amount
    discount_percent: Quantity
    net: Amount


class QuoteOut(Schema):
    number: str
    state: QuoteStateName
    ticket: int = Field(description="The number of the ticket the quote answers.")
    currency: str
    language: Literal["es", "en", "fr"]
    vat_rate: Quantity = Field(description="VAT rate in percent.")
    net: Amount = Field(description="Taxable base (for a draft: of its lines so far).")
    vat_total: Amount
    gross: Amount
    valid_until: date
    terms: str
    lines: list[QuoteLineOut]
    created_at: datetime
    sent_at: datetime | None
    decided_at: datetime | None
    requested_start: datetime | None = Field(description="The start the customer asked for when accepting.")
    rejection_reason: str
    expired_at: datetime | None
    paid_at: datetime | None
    invoices: list[str] = Field(description="Numbers of the invoices and credit notes issued for it.")
    pdf_url: str


class QuotePage(Schema):
    items: list[QuoteOut]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class AcceptIn(Schema):
    requested_start: datetime | None = Field(
        default=None,
        description="Optional preferred start of the intervention (ISO 8601; without an offset, UTC). "
        "Empty: the first free slot after payment.",
    )


class RejectIn(Schema):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=20_000), AfterValidator(_clean_text), NO_NUL]


class InvoiceLineOut(Schema):
    description: str
    quantity: Quantity
    unit_price: Amount
    discount_percent: Quantity
    vat_rate: Quantity
    net: Amount


class VatOut(Schema):
    rate: Quantity
    base: Amount
    vat: Amount


class InvoiceOut(Schema):
    number: str
    kind: Literal["invoice", "credit_note"]
    quote: str = Field(description="The quote's number.")
    ticket: int = Field(description="The ticket's number.")
    rectifies: str | None = Field(description="For a credit note: the number of the invoice it rectifies.")
    reason: str
    issue_date: date
    due_date: date | None
    language: Literal["es", "en", "fr"]
    currency: str
    lines: list[InvoiceLineOut]
    vat_breakdown: list[VatOut]
    net: Amount
    vat_total: Amount
    gross: Amount
    issued_at: datetime
    pdf_url: str


class InvoicePage(Schema):
    items: list[InvoiceOut]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class GuideOut(Schema):
    slug: str
    title: str
    category: str = Field(description="The shelf's name.")
    language: Literal["es", "en", "fr"] = Field(description="The language of the title (Spanish until translated).")
    url: str = Field(description="The guide's page.")


class GuidePage(Schema):
    items: list[GuideOut]


def dump(schema: type[Schema], value: dict[str, Any]) -> dict[str, Any]:
    return schema.model_validate(value).model_dump(mode="json")
