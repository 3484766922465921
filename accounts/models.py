"""People and organisations: customers and their contacts, and the desk's staff."""

from __future__ import annotations

import secrets
import zoneinfo
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Language(models.TextChoices):
    SPANISH = "es", _("Spanish")
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")


class Role(models.TextChoices):
    """What a person does at the desk. Customers are the only role outside the provider."""

    CUSTOMER = "customer", _("Customer")
    L1_TECHNICIAN = "l1_technician", _("Level 1 technician")
    L2_TECHNICAL = "l2_technical", _("Level 2 technical agent")
    L2_COMMERCIAL = "l2_commercial", _("Level 2 commercial agent")
    L3_ADMINISTRATOR = "l3_administrator", _("Level 3 administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    BILLING = "billing", _("Billing")


class ContactRole(models.TextChoices):
    """What a customer's contact is to their organisation."""

    OWNER = "owner", _("Owner")
    TECHNICAL = "technical", _("Technical contact")
    BILLING = "billing", _("Billing contact")


STAFF_ROLES = frozenset(role for role in Role.values if role != Role.CUSTOMER)

# The support level each working role belongs to. Supervisors and billing work across levels.
ROLE_LEVEL = {
    Role.L1_TECHNICIAN: "L1",
    Role.L2_TECHNICAL: "L2",
    Role.L2_COMMERCIAL: "L2",
    Role.L3_ADMINISTRATOR: "L3",
}


class Organisation(models.Model):
    """The account holder: a company or a person who contracts services and opens tickets.

    An organisation has one or more contacts (users with the customer role), each with their
    own customer identifier and password.
    """

    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, default="ES", help_text=_("ISO 3166-1 alpha-2 code"))
    vat_id = models.CharField(_("VAT number"), max_length=32, blank=True)
    address = models.TextField(_("address"), blank=True)
    external_id = models.CharField(
        _("provider's identifier"),
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The identifier of this customer in the provider's own systems."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeskUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(username__iexact=username)

    def create_superuser(  # type: ignore[override]
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: object
    ) -> User:
        extra_fields.setdefault("role", "supervisor")
        return super().create_superuser(username, email, password, **extra_fields)  # type: ignore[arg-type]


def generate_customer_identifier(name: str) -> str:
    """A new identifier in the provider's style: two initials, digits, the provider suffix.

    ``"Lucía Martín"`` gives something like ``lm4321-ovh``. Uniqueness is checked by the
    caller against the database (and enforced by a unique index on the lower-cased value).
    """
    letters = [c for c in (word[:1] for word in name.split()) if c.isascii() and c.isalpha()]
    initials = ("".join(letters) + "xx")[:2].lower()
    number = secrets.randbelow(90000) + 10000
    return f"{initials}{number}-{settings.CUSTOMER_ID_SUFFIX}"


class User(AbstractUser):
    """Anyone who logs in: a customer contact (by customer identifier) or a member of staff.

    ``username`` holds the customer identifier for customers (``ab12345-ovh``) and a login
    name for staff. Logins are case-insensitive; identifiers are stored lower-case.
    """

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.CUSTOMER, db_index=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="contacts",
        null=True,
        blank=True,
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.SPANISH)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Madrid", validators=[validate_time_zone]
    )
    country = models.CharField(_("country"), max_length=2, default="ES")
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # A customer contact's place in their organisation, and what it lets them do.
    contact_role = models.CharField(
        _("role in the organisation"), max_length=16, choices=ContactRole.choices, blank=True
    )
    may_open_tickets = models.BooleanField(_("may open tickets"), default=True)
    sees_billing = models.BooleanField(_("sees quotes and invoices"), default=True)
    receives_incident_mail = models.BooleanField(_("receives incident e-mail"), default=True)
    external_id = models.CharField(
        _("provider's identifier"),
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The identifier of this person in the provider's own systems."),
    )
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    objects: ClassVar[DeskUserManager] = DeskUserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(role="customer") | models.Q(organisation__isnull=False),
                name="accounts_user_customer_has_organisation",
            ),
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    def save(self, *args: object, **kwargs: object) -> None:
        self.username = self.username.lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_agent(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def level_code(self) -> str | None:
        """The support level this person works on, or None for supervisors, billing and customers."""
        return ROLE_LEVEL.get(Role(self.role))

    @property
    def is_owner(self) -> bool:
        return self.is_customer and self.contact_role == ContactRole.OWNER

    @property
    def customer_identifier(self) -> str:
        return self.username


class TOTPDevice(models.Model):
    """A person's authenticator app (RFC 6238 time-based codes), switched on once a code is confirmed.

    ``last_used_step`` is the 30-second step of the last accepted code, so a code read over
    someone's shoulder cannot be played again inside its window.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = EncryptedTextField(_("secret"))  # encrypted at rest (core.crypto)
    confirmed_at = models.DateTimeField(_("switched on"), null=True, blank=True)
    last_used_step = models.BigIntegerField(_("last code step"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("two-factor device")
        verbose_name_plural = _("two-factor devices")

    def __str__(self) -> str:
        return f"TOTP {self.user_id} ({'on' if self.confirmed_at else 'pending'})"

    @property
    def enabled(self) -> bool:
        return self.confirmed_at is not None


class LoginAttempt(models.Model):
    """One failed login, by identifier and by address; recent failures lock further attempts out."""

    identifier = models.CharField(_("identifier"), max_length=254)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        indexes = [
            models.Index(fields=["identifier", "created_at"], name="accounts_attempt_ident_idx"),
            models.Index(fields=["ip_address", "created_at"], name="accounts_attempt_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.ip_address} {self.created_at:%Y-%m-%d %H:%M}"
