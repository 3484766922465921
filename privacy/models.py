"""A person's rights over their data: exports of everything the desk holds about them, and the
record of an erasure (what was removed, and what the law made the desk keep, and why)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportState(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready to download")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class DataExport(models.Model):
    """A ZIP of JSON files and attachments about one person, built in the background and offered
    for download until ``expires_at``; then its file is deleted."""

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="data_exports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=10, choices=ExportState.choices, default=ExportState.PENDING)
    file = models.FileField(_("file"), upload_to="exports/", max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    created_at = models.DateTimeField(_("requested"))
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.subject_id} ({self.state})"


class ErasureRecord(models.Model):
    """What an erasure removed and what it kept, with the reason: no name, address or number of the
    person is written here, only the rows and fields concerned."""

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    removed = models.JSONField(_("removed"), default=dict)
    kept = models.JSONField(_("kept"), default=list)
    created_at = models.DateTimeField(_("erased"))

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"erasure of {self.subject_id} on {self.created_at:%Y-%m-%d}"
