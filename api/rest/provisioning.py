"""``/provisioning/…``: organisations, contacts and services from the provider's own systems.

For a staff integration token with the ``provisioning`` scope. Every call takes up to 1,000
items and answers ``200`` with one result per item, in order (``created``, ``updated``,
``unchanged``, ``deactivated`` or ``error`` with its errors); a body that is not of the documented
shape is refused whole (``422``). Items are matched by the provider's own ``external_id``, so a
call repeated gives the same rows.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from pydantic import AfterValidator, Field, StringConstraints

from accounts import actions as account_actions
from accounts.provisioning import MAX_ITEMS, ItemResult
from api.rest.base import ERRORS, PROVISIONING
from api.schemas import _clean_text
from services import actions as service_actions
from services.provisioning import MAX_ENDPOINTS

router = Router(tags=["provisioning"], auth=PROVISIONING)

ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"\S"), AfterValidator(_clean_text)]


def _text(maximum: int) -> Any:
    return Annotated[str, StringConstraints(max_length=maximum), AfterValidator(_clean_text)]


class OrganisationIn(Schema):
    external_id: ExternalId = Field(description="The organisation's identifier in the provider's systems.")
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"\S"), AfterValidator(_clean_text)]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] = Field(
        "ES", description="ISO 3166-1 alpha-2."
    )
    vat_id: _text(32) = ""  # type: ignore[valid-type]
    address: _text(1000) = ""  # type: ignore[valid-type]
    active: bool = Field(True, description="false deactivates the organisation and switches its contacts' logins off.")


class ContactIn(Schema):
    external_id: ExternalId = Field(description="The person's identifier in the provider's systems.")
    organisation: ExternalId = Field(description="The external_id of their organisation.")
    first_name: Annotated[
        str, StringConstraints(min_length=1, max_length=150, pattern=r"\S"), AfterValidator(_clean_text)
    ]
    last_name: _text(150) = ""  # type: ignore[valid-type]
    email: Annotated[str, StringConstraints(min_length=3, max_length=254), AfterValidator(_clean_text)]
    phone: _text(32) = ""  # type: ignore[valid-type]
    language: Literal["es", "en", "fr"] = "es"
    contact_role: Literal["owner", "technical", "billing"] = "technical"
    may_open_tickets: bool = True
    sees_billing: bool | None = Field(None, description="Default: true for owner and billing contacts.")
    receives_incident_mail: bool | None = Field(None, description="Default: true except for billing contacts.")
    active: bool = Field(True, description="false switches the person's login off; their tickets stay.")


class EndpointIn(Schema):
    host: Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^\S+$"), AfterValidator(_clean_text)]
    ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(default_factory=list, max_length=20)
    role: Literal["server", "web", "dns", "mail"] = "server"


class ServiceIn(Schema):
    external_id: ExternalId = Field(description="The service's identifier in the provider's systems.")
    organisation: ExternalId = Field(description="The external_id of the organisation that contracts it.")
    reference: Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^\s/\\]+$")] = Field(
        description="What the customer names it by (ns123456.ip-51-75-1.eu, example.com); unique, any case."
    )
    product: Literal[
        "dedicated",
        "vps",
        "dedicatedcloud",
        "publiccloud",
        "hosting",
        "domain",
        "mail",
        "exchange",
        "ssl",
        "cdn",
        "storage",
        "network",
        "housing",
    ]
    display_name: _text(200) = ""  # type: ignore[valid-type]
    datacentre: _text(32) = ""  # type: ignore[valid-type]
    host_node: _text(100) = ""  # type: ignore[valid-type]
    rack: _text(100) = Field("", description="Services on the same rack are grouped into one outage.")  # type: ignore[valid-type]
    network_segment: _text(100) = Field("", description="Services on the same network are grouped into one outage.")  # type: ignore[valid-type]
    in_production: bool = True
    active: bool = Field(True, description="false deactivates the service: never deleted, no new tickets name it.")
    endpoints: list[EndpointIn] = Field(
        default_factory=list,
        max_length=MAX_ENDPOINTS,
        description="What the automatic checks probe; replaces the list.",
    )


class OrganisationBatch(Schema):
    items: list[OrganisationIn] = Field(min_length=1, max_length=MAX_ITEMS)


class ContactBatch(Schema):
    items: list[ContactIn] = Field(min_length=1, max_length=MAX_ITEMS)


class ServiceBatch(Schema):
    items: list[ServiceIn] = Field(min_length=1, max_length=MAX_ITEMS)


class ItemErrorOut(Schema):
    code: str
    message: str
    field: str | None


class ItemResultOut(Schema):
    index: int = Field(description="The item's position in the call, from 0.")
    external_id: str
    outcome: Literal["created", "updated", "unchanged", "deactivated", "error"]
    id: int | None = Field(description="The desk's id of the row, unless the item was refused.")
    customer_identifier: str | None = Field(None, description="Contacts only: the login of the person.")
    errors: list[ItemErrorOut]


class Counts(Schema):
    created: int
    updated: int
    unchanged: int
    deactivated: int
    error: int


class BatchOut(Schema):
    results: list[ItemResultOut]
    counts: Counts


def _answer(results: list[ItemResult]) -> dict[str, Any]:
    counted = Counter(result.outcome for result in results)
    return {
        "results": [result.as_dict() for result in results],
        "counts": {name: counted.get(name, 0) for name in ("created", "updated", "unchanged", "deactivated", "error")},
    }


def _items(batch: Schema) -> list[dict[str, Any]]:
    return [item.model_dump(exclude_none=True) for item in batch.items]  # type: ignore[attr-defined]


@router.post(
    "/provisioning/organisations",
    response={200: BatchOut, **ERRORS},
    summary="Create, update or deactivate organisations",
)
def provision_organisations(request: HttpRequest, batch: OrganisationBatch) -> Any:
    """Up to 1,000 organisations by ``external_id``; one result per item, in order."""
    results = account_actions.provision_organisations(
        items=_items(batch),
        actor=request.auth,  # type: ignore[attr-defined]
        now=timezone.now(),  # type: ignore[attr-defined]
    )
    return _answer(results)


@router.post(
    "/provisioning/contacts", response={200: BatchOut, **ERRORS}, summary="Create, update or deactivate contacts"
)
def provision_contacts(request: HttpRequest, batch: ContactBatch) -> Any:
    """Up to 1,000 contacts by ``external_id``, each in an organisation already provisioned; a new
    contact gets a customer identifier (their login) and sets a password with "forgotten password"."""
    results = account_actions.provision_contacts(
        items=_items(batch),
        actor=request.auth,  # type: ignore[attr-defined]
        now=timezone.now(),  # type: ignore[attr-defined]
    )
    return _answer(results)


@router.post(
    "/provisioning/services", response={200: BatchOut, **ERRORS}, summary="Create, update or deactivate services"
)
def provision_services(request: HttpRequest, batch: ServiceBatch) -> Any:
    """Up to 1,000 services by ``external_id``, each in an organisation already provisioned, with
    the endpoints the automatic checks probe (the list given replaces the service's)."""
    results = service_actions.provision_services(
        items=_items(batch),
        actor=request.auth,  # type: ignore[attr-defined]
        now=timezone.now(),  # type: ignore[attr-defined]
    )
    return _answer(results)
