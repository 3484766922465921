"""The scheduler's time slots (``desk_scheduler``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicSlot(models.Model):
    """One firing of a periodic job. The unique pair means only one scheduler takes each slot."""

    job = models.CharField(_("job"), max_length=100)
    slot = models.BigIntegerField(_("slot"), help_text=_("Start of the time slot, in seconds since the epoch."))
    claimed_at = models.DateTimeField(_("claimed"), auto_now_add=True)

    class Meta:
        verbose_name = _("periodic slot")
        verbose_name_plural = _("periodic slots")
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="tierdesk_periodicslot_unique")]
        indexes = [models.Index(fields=["claimed_at"], name="tierdesk_slot_claimed_idx")]

    def __str__(self) -> str:
        return f"{self.job}@{self.slot}"
