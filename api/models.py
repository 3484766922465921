"""Access to the desk by programs: personal API tokens, OVH-style applications and consumer keys,
idempotency records, rate-limit windows, and outbound webhooks with their deliveries.

Secrets that only need to be recognised (API tokens, consumer keys) are stored as SHA-256
digests; the application secret of an OVH application and a webhook's signing secret are needed
in clear to compute signatures, so they are kept encrypted with the keys of
``TIERDESK_ENCRYPTION_KEYS`` (``core.crypto``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField


class Scope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")
    PROVISIONING = "provisioning", _("Provisioning (staff integrations)")


class ApiToken(models.Model):
    """A personal token for ``Authorization: Bearer tdk_<prefix>_<secret>``.

    The full token is shown once when it is created; the desk keeps the public ``prefix`` (to find
    the row) and the SHA-256 digest of the whole token (to check it).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    digest = models.CharField(_("digest"), max_length=64)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_idx")]

    def __str__(self) -> str:
        return f"{self.name} (tdk_{self.prefix}_…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The answer given to a create call with an ``Idempotency-Key``, replayed for the same key.

    ``owner`` is the token's user (or the consumer key's): one person's keys never collide with
    another's. ``fingerprint`` is the SHA-256 of the method, path and body; the same key with a
    different fingerprint is refused.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE)
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    response_body = models.BinaryField(_("response"), blank=True, default=b"")
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="api_idempotency_owner_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="api_idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.owner_id}:{self.key}"


class RateLimitWindow(models.Model):
    """Requests counted in one fixed window for one bucket (a token, a consumer key or an IP).

    ``bucket`` includes the window number, so a new window is a new row; old rows are purged by
    a periodic job. The counter only moves through a conditional UPDATE (``count < limit``), so
    any number of web processes share one limit.
    """

    bucket = models.CharField(_("bucket"), max_length=200, unique=True)
    count = models.PositiveIntegerField(_("requests"), default=0)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("rate-limit window")
        verbose_name_plural = _("rate-limit windows")

    def __str__(self) -> str:
        return f"{self.bucket}={self.count}"


class OvhApplication(models.Model):
    """A program registered to use the OVH-compatible API: its application key and secret."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    application_key = models.CharField(_("application key"), max_length=64, unique=True)
    application_secret = EncryptedTextField(_("application secret"))  # encrypted at rest (core.crypto)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("OVH API application")
        verbose_name_plural = _("OVH API applications")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CredentialState(models.TextChoices):
    """``auth.CredentialStateEnum`` of the OVH API."""

    PENDING = "pendingValidation", _("Waiting for validation")
    VALIDATED = "validated", _("Validated")
    REFUSED = "refused", _("Refused")
    EXPIRED = "expired", _("Expired")


class ConsumerKey(models.Model):
    """A consumer key requested by an application and validated (or refused) by a customer.

    ``rules`` is the list of access rules ``[{"method": "GET", "path": "/support/*"}]``; calls
    outside them are refused with ``NOT_GRANTED_CALL``.
    """

    application = models.ForeignKey(
        OvhApplication, verbose_name=_("application"), on_delete=models.CASCADE, related_name="consumer_keys"
    )
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    validation_token = models.CharField(_("validation token"), max_length=64, unique=True)
    state = models.CharField(
        _("state"), max_length=20, choices=CredentialState.choices, default=CredentialState.PENDING
    )
    rules = models.JSONField(_("access rules"), default=list)
    redirection = models.URLField(_("redirection"), max_length=500, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("validated by"),
        on_delete=models.CASCADE,
        related_name="consumer_keys",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("requested"))
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("consumer key")
        verbose_name_plural = _("consumer keys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_state_display()}"


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", "ticket.created"
    TICKET_STATUS_CHANGED = "ticket.status_changed", "ticket.status_changed"
    TICKET_MESSAGE_ADDED = "ticket.message_added", "ticket.message_added"
    SLA_WARNING = "sla.warning", "sla.warning"
    SLA_BREACH = "sla.breach", "sla.breach"
    QUOTE_ACCEPTED = "quote.accepted", "quote.accepted"
    INVOICE_ISSUED = "invoice.issued", "invoice.issued"


class Webhook(models.Model):
    """A URL that receives signed POSTs for the events it subscribes to."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list, help_text=_("Event names, e.g. ticket.created."))
    secret = EncryptedTextField(_("signing secret"))  # encrypted at rest (core.crypto)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one webhook; retried with exponential backoff until delivered or given up."""

    webhook = models.ForeignKey(Webhook, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    event_key = models.CharField(_("event key"), max_length=100, help_text=_("Identifies the source event."))
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event", "event_key"], name="api_delivery_once_per_event"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="api_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: the status code, a truncated response body or the error."""

    delivery = models.ForeignKey(
        WebhookDelivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_body = models.TextField(_("response (truncated)"), blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="api_attempt_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number} {self.status_code or self.error}"
