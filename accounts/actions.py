"""Creating customers, contacts and staff."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Role, TOTPDevice, User, generate_customer_identifier
from accounts.provisioning import (
    MAX_ITEMS,
    Cleaner,
    ItemError,
    ItemResult,
    clean_contact,
    clean_organisation,
    duplicates_error,
    unknown_organisation_error,
)
from accounts.security import matching_step, new_secret


@transaction.atomic
def create_customer(
    *,
    name: str,
    email: str,
    password: str,
    organisation: Organisation | None = None,
    organisation_name: str = "",
    language: str = "es",
    time_zone: str = "Europe/Madrid",
    country: str = "ES",
    identifier: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """A customer contact with a new identifier (``ab12345-ovh``); a new organisation unless one is given."""
    if organisation is None:
        organisation = Organisation.objects.create(name=organisation_name or name, country=country)
    for _attempt in range(20):
        candidate = (identifier or generate_customer_identifier(name)).lower()
        if User.objects.filter(username__iexact=candidate).exists():
            if identifier:
                raise IntegrityError(f"The customer identifier {candidate} is taken.")
            continue
        user = User(
            username=candidate,
            email=email,
            first_name=first_name or name.split(" ")[0],
            last_name=last_name or " ".join(name.split(" ")[1:]),
            role=Role.CUSTOMER,
            organisation=organisation,
            language=language,
            time_zone=time_zone,
            country=country,
        )
        user.set_password(password)
        user.full_clean(exclude=["password", "username"])
        user.save()
        return user
    raise IntegrityError("Could not find a free customer identifier.")


@transaction.atomic
def create_staff(
    *,
    username: str,
    role: Role,
    password: str,
    first_name: str,
    last_name: str = "",
    email: str = "",
    language: str = "es",
    time_zone: str = "Europe/Madrid",
    superuser: bool = False,
) -> User:
    if role == Role.CUSTOMER:
        raise ValueError("Staff cannot have the customer role.")
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        language=language,
        time_zone=time_zone,
        is_staff=superuser or role in {Role.SUPERVISOR},
        is_superuser=superuser,
    )
    user.set_password(password)
    user.save()
    return user


# --- two-factor authentication ---------------------------------------------------------------


class TwoFactorRefused(Exception):
    """A two-factor step was refused; ``message`` is shown to the person."""

    def __init__(self, code: str, message: object) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


@transaction.atomic
def start_totp(*, user: User, now: datetime) -> TOTPDevice:
    """A new secret for the person's authenticator app; not in use until a code confirms it."""
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.enabled:
        raise TwoFactorRefused("already_enabled", _("Two-factor authentication is already on."))
    if device is None:
        return TOTPDevice.objects.create(user=user, secret=new_secret(), created_at=now)
    device.secret = new_secret()
    device.created_at = now
    device.last_used_step = None
    device.save(update_fields=["secret", "created_at", "last_used_step"])
    return device


def _consume(device: TOTPDevice, code: str, *, now: datetime) -> None:
    step = matching_step(device.secret, code, now=now)
    if step is None:
        raise TwoFactorRefused("wrong_code", _("This code is not valid. Enter the 6 digits your app shows now."))
    # Conditional UPDATE: the same code presented twice (a replay, or a double submit) passes once.
    used = (
        TOTPDevice.objects.filter(pk=device.pk)
        .filter(Q(last_used_step__isnull=True) | Q(last_used_step__lt=step))
        .update(last_used_step=step)
    )
    if not used:
        raise TwoFactorRefused("code_used", _("This code has already been used. Wait for the next one."))


@transaction.atomic
def confirm_totp(*, user: User, code: str, now: datetime) -> TOTPDevice:
    """Switch two-factor authentication on once the app shows a matching code."""
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        raise TwoFactorRefused("not_started", _("Start again: no authenticator app is being set up."))
    if device.enabled:
        raise TwoFactorRefused("already_enabled", _("Two-factor authentication is already on."))
    _consume(device, code, now=now)
    device.confirmed_at = now
    device.save(update_fields=["confirmed_at"])
    return device


@transaction.atomic
def disable_totp(*, user: User, code: str, now: datetime) -> None:
    """Switch two-factor authentication off; a current code proves the app is still in hand."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise TwoFactorRefused("not_enabled", _("Two-factor authentication is not on."))
    _consume(device, code, now=now)
    device.delete()


def verify_login_code(*, user: User, code: str, now: datetime) -> None:
    """The second login step: raises TwoFactorRefused unless the code is current and unused."""
    device = TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise TwoFactorRefused("not_enabled", _("Two-factor authentication is not on."))
    _consume(device, code, now=now)


# --- provisioning: organisations and contacts from the provider's own systems ----------------

ORGANISATION_FIELDS = ("name", "country", "vat_id", "address", "active")
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "language",
    "contact_role",
    "may_open_tickets",
    "sees_billing",
    "receives_incident_mail",
)


def cleaned_batch(
    items: Sequence[Mapping[str, Any]], clean: Cleaner
) -> tuple[list[ItemResult], dict[int, dict[str, Any]]]:
    """Every item checked; an identifier twice in the batch refuses the later ones."""
    results: list[ItemResult] = []
    cleaned: dict[int, dict[str, Any]] = {}
    seen: set[str] = set()
    for index, raw in enumerate(items):
        values, errors = (
            clean(raw)
            if isinstance(raw, Mapping)
            else (None, [ItemError("invalid_item", _("Each item must be an object."))])
        )
        external_id = str(raw.get("external_id") or "") if isinstance(raw, Mapping) else ""
        result = ItemResult(index=index, external_id=external_id, outcome="error", errors=errors)
        results.append(result)
        if values is None:
            continue
        if values["external_id"] in seen:
            result.errors.append(duplicates_error())
            continue
        seen.add(values["external_id"])
        result.external_id = values["external_id"]
        cleaned[index] = values
    return results, cleaned


def organisation_ids(external_ids: Iterable[str]) -> dict[str, int]:
    """The organisations named by the provider's identifiers, as ``{external_id: pk}``."""
    wanted = list(set(external_ids))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), MAX_ITEMS):
        chunk = wanted[start : start + MAX_ITEMS]
        for external_id, pk in Organisation.objects.filter(external_id__in=chunk).values_list("external_id", "pk"):
            found[external_id or ""] = pk
    return found


@transaction.atomic
def provision_organisations(
    *, items: Sequence[Mapping[str, Any]], actor: User | None, now: datetime
) -> list[ItemResult]:
    """Create or update organisations by the provider's identifier, in one statement per batch.

    ``active: false`` deactivates one: it stays with its tickets, invoices and services, and its
    contacts can no longer log in.
    """
    results, cleaned = cleaned_batch(items, clean_organisation)
    existing = {
        org.external_id: org
        for org in Organisation.objects.filter(external_id__in=[values["external_id"] for values in cleaned.values()])
    }
    writes: list[Organisation] = []
    switched_off: list[int] = []
    for index, values in cleaned.items():
        result = results[index]
        current = existing.get(values["external_id"])
        if current is None:
            result.outcome = "created"
        elif all(getattr(current, name) == values[name] for name in ORGANISATION_FIELDS):
            result.outcome = "unchanged"
            result.id = current.pk
            continue
        else:
            result.outcome = "deactivated" if current.active and not values["active"] else "updated"
            if result.outcome == "deactivated":
                switched_off.append(current.pk)
        writes.append(Organisation(created_at=now, **values))
    for start in range(0, len(writes), MAX_ITEMS):
        Organisation.objects.bulk_create(
            writes[start : start + MAX_ITEMS],
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=list(ORGANISATION_FIELDS),
        )
    if switched_off:
        User.objects.filter(organisation_id__in=switched_off, role=Role.CUSTOMER).update(is_active=False)
    ids = organisation_ids(values["external_id"] for values in cleaned.values())
    for index, values in cleaned.items():
        results[index].id = ids.get(values["external_id"])
    return results


@transaction.atomic
def provision_contacts(*, items: Sequence[Mapping[str, Any]], actor: User | None, now: datetime) -> list[ItemResult]:
    """Create or update customer contacts by the provider's identifier, each with a login of their own.

    A new contact gets a customer identifier and no password: they set one with "forgotten
    password". ``active: false`` switches their login off; their tickets stay.
    """
    results, cleaned = cleaned_batch(items, clean_contact)
    organisations = organisation_ids(values["organisation"] for values in cleaned.values())
    existing = {
        person.external_id: person
        for person in User.objects.filter(external_id__in=[values["external_id"] for values in cleaned.values()])
    }
    for index, values in cleaned.items():
        result = results[index]
        organisation_id = organisations.get(values["organisation"])
        if organisation_id is None:
            result.errors.append(unknown_organisation_error(values["organisation"]))
            continue
        person = existing.get(values["external_id"])
        if person is not None and (person.erased_at is not None or not person.is_customer):
            result.errors.append(
                ItemError("contact_unavailable", _("This person can no longer be provisioned."), "external_id")
            )
            continue
        if person is not None and person.organisation_id != organisation_id:
            result.errors.append(
                ItemError(
                    "contact_other_organisation",
                    _("This contact belongs to another organisation; create a new contact instead."),
                    "organisation",
                )
            )
            continue
        if person is None:
            person = User(role=Role.CUSTOMER, organisation_id=organisation_id, external_id=values["external_id"])
            person.username = _free_identifier(f"{values['first_name']} {values['last_name']}")
            person.set_unusable_password()
            result.outcome = "created"
        elif (
            all(getattr(person, name) == values[name] for name in CONTACT_FIELDS)
            and person.is_active == values["active"]
        ):
            result.outcome = "unchanged"
            result.id, result.identifier = person.pk, person.username
            continue
        else:
            result.outcome = "deactivated" if person.is_active and not values["active"] else "updated"
        for name in CONTACT_FIELDS:
            setattr(person, name, values[name])
        person.is_active = values["active"]
        person.save()
        result.id, result.identifier = person.pk, person.username
    return results


def _free_identifier(name: str) -> str:
    for _attempt in range(50):
        candidate = generate_customer_identifier(name)
        if not User.objects.filter(username__iexact=candidate).exists():
            return candidate
    raise IntegrityError("Could not find a free customer identifier.")
