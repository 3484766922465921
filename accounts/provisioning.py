"""Checking what the provider's own systems send: organisations and contacts, item by item.

The provisioning API and the bulk import read the same items (a JSON object, or a CSV row whose
values are all text) and check them here, so both refuse the same things with the same codes.
A cleaned item is a plain dict ready for the actions; a refused one is a list of ``ItemError``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import ContactRole, Language

MAX_ITEMS = 1000  # per API call, and per write batch of the import
EXTERNAL_ID_MAX = 100


@dataclass(frozen=True)
class ItemError:
    code: str
    message: str | Promise
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "field": self.field}


@dataclass
class ItemResult:
    """What happened to one item: ``created``, ``updated``, ``unchanged``, ``deactivated`` or ``error``."""

    index: int
    external_id: str
    outcome: str
    id: int | None = None
    identifier: str | None = None
    errors: list[ItemError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "index": self.index,
            "external_id": self.external_id,
            "outcome": self.outcome,
            "id": self.id,
            "errors": [error.as_dict() for error in self.errors],
        }
        if self.identifier is not None:
            body["customer_identifier"] = self.identifier
        return body


class Item:
    """Reads one raw item's fields, collecting every error instead of stopping at the first."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.errors: list[ItemError] = []

    def fail(self, code: str, message: str | Promise, name: str) -> None:
        self.errors.append(ItemError(code, message, name))

    def text(self, name: str, *, maximum: int, required: bool = False, default: str = "") -> str:
        value = self.raw.get(name)
        if value is None:
            value = ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.fail("invalid_text", _("This value must be text."), name)
            return default
        value = str(value).strip()
        if "\x00" in value:
            self.fail("invalid_text", _("This value must not contain NUL characters."), name)
            return default
        if not value:
            if required:
                self.fail("required", _("This value is required."), name)
            return default
        if len(value) > maximum:
            self.fail(
                "too_long",
                _("This value is too long (at most %(maximum)s characters).") % {"maximum": maximum},
                name,
            )
            return default
        return value

    def external_id(self, name: str = "external_id", *, required: bool = True) -> str:
        return self.text(name, maximum=EXTERNAL_ID_MAX, required=required)

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes", "y"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"false", "0", "no", "n"}:
            return False
        self.fail("invalid_boolean", _("Write true or false."), name)
        return default

    def choice(self, name: str, choices: list[str], *, default: str = "", required: bool = False) -> str:
        value = self.text(name, maximum=64, required=required, default=default)
        if value and value.lower() not in choices:
            self.fail(
                "invalid_choice",
                _("This value must be one of: %(choices)s.") % {"choices": ", ".join(choices)},
                name,
            )
            return default
        return value.lower() if value else default


Cleaner = Callable[[Mapping[str, Any]], tuple[dict[str, Any] | None, list[ItemError]]]


def clean_organisation(raw: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[ItemError]]:
    item = Item(raw)
    cleaned: dict[str, Any] = {
        "external_id": item.external_id(),
        "name": item.text("name", maximum=200, required=True),
        "country": item.text("country", maximum=2, default="ES").upper(),
        "vat_id": item.text("vat_id", maximum=32),
        "address": item.text("address", maximum=1000),
        "active": item.flag("active", True),
    }
    if cleaned["country"] and not (len(cleaned["country"]) == 2 and cleaned["country"].isalpha()):
        item.fail("invalid_country", _("Write the country as its two-letter ISO code (ES, FR…)."), "country")
    return (None, item.errors) if item.errors else (cleaned, [])


def clean_contact(raw: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[ItemError]]:
    item = Item(raw)
    role = item.choice("contact_role", ContactRole.values, default=ContactRole.TECHNICAL)
    billing_default = role in {ContactRole.OWNER, ContactRole.BILLING}
    cleaned: dict[str, Any] = {
        "external_id": item.external_id(),
        "organisation": item.external_id("organisation"),
        "first_name": item.text("first_name", maximum=150, required=True),
        "last_name": item.text("last_name", maximum=150),
        "email": item.text("email", maximum=254, required=True),
        "phone": item.text("phone", maximum=32),
        "language": item.choice("language", Language.values, default=Language.SPANISH),
        "contact_role": role,
        "may_open_tickets": item.flag("may_open_tickets", True),
        "sees_billing": item.flag("sees_billing", billing_default),
        "receives_incident_mail": item.flag("receives_incident_mail", role != ContactRole.BILLING),
        "active": item.flag("active", True),
    }
    if cleaned["email"]:
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            item.fail("invalid_email", _("Enter a valid e-mail address."), "email")
    return (None, item.errors) if item.errors else (cleaned, [])


def duplicates_error() -> ItemError:
    return ItemError(
        "duplicate_external_id", _("This identifier appears more than once in the same call."), "external_id"
    )


def duplicates_in_file_error() -> ItemError:
    return ItemError(
        "duplicate_external_id", _("This identifier appears on an earlier line of the file."), "external_id"
    )


def unknown_organisation_error(external_id: str) -> ItemError:
    return ItemError(
        "unknown_organisation",
        _("There is no organisation with the identifier %(external_id)s.") % {"external_id": external_id},
        "organisation",
    )
