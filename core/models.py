"""Rows every app relies on: named counters and the replay keys of signed deliveries.

Both tables were created by the ``tierdesk`` app's first migrations and keep their names.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    """A named sequence that never skips or repeats a number (ticket numbers, invoice series).

    Numbers are taken with :func:`core.counters.next_value`.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    value = models.PositiveBigIntegerField(_("last value"), default=0)

    class Meta:
        db_table = "tierdesk_counter"
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class ReplayKey(models.Model):
    """The replay key of one accepted signed delivery (payment processor, monitoring, PBX).

    Written by :func:`core.replay.claim` in the same transaction as what the delivery does,
    so a replay finds the key and is refused, and a delivery whose effect failed leaves none.
    """

    source = models.CharField(_("source"), max_length=30)
    replay_key = models.CharField(_("replay key"), max_length=64)
    received_at = models.DateTimeField(_("received"))
    expires_at = models.DateTimeField(_("may be purged after"))

    class Meta:
        db_table = "tierdesk_replaykey"
        verbose_name = _("replay key")
        verbose_name_plural = _("replay keys")
        constraints = [models.UniqueConstraint(fields=["source", "replay_key"], name="tierdesk_replaykey_unique")]
        indexes = [models.Index(fields=["expires_at"], name="tierdesk_replaykey_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.source}:{self.replay_key[:12]}"
