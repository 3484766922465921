"""Infrastructure rows shared by every app: counters and the scheduler's time slots."""

from __future__ import annotations

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    """A named sequence that never skips or repeats a number (ticket numbers, invoice series).

    ``next_value`` increments with a single ``UPDATE … RETURNING`` inside the caller's transaction: on
    PostgreSQL the row lock is held until commit, so concurrent callers queue and each gets the
    next number; a rolled-back transaction gives its number back. On SQLite, writers are
    serialised by ``BEGIN IMMEDIATE``.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    value = models.PositiveBigIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


def next_value(name: str, *, start: int = 1) -> int:
    """The next number of the sequence ``name``; must run inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_value() must be called inside transaction.atomic().")
    connection = transaction.get_connection()
    table = connection.ops.quote_name(Counter._meta.db_table)
    with connection.cursor() as cursor:
        # One statement increments and reads back (SQLite >= 3.35 and PostgreSQL speak RETURNING).
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value", [name])  # noqa: S608 - our own table name
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    try:
        with transaction.atomic():
            Counter.objects.create(name=name, value=start)
        return start
    except IntegrityError:
        # Another transaction created the row first; take the next number after it.
        Counter.objects.filter(name=name).update(value=F("value") + 1)
    return Counter.objects.values_list("value", flat=True).get(name=name)


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


class ReplayKey(models.Model):
    """The replay key of one accepted signed delivery (payment processor, monitoring, PBX).

    Written by :func:`tierdesk.replay.claim` in the same transaction as what the delivery does,
    so a replay finds the key and is refused, and a delivery whose effect failed leaves none.
    """

    source = models.CharField(_("source"), max_length=30)
    replay_key = models.CharField(_("replay key"), max_length=64)
    received_at = models.DateTimeField(_("received"))
    expires_at = models.DateTimeField(_("may be purged after"))

    class Meta:
        verbose_name = _("replay key")
        verbose_name_plural = _("replay keys")
        constraints = [models.UniqueConstraint(fields=["source", "replay_key"], name="tierdesk_replaykey_unique")]
        indexes = [models.Index(fields=["expires_at"], name="tierdesk_replaykey_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.source}:{self.replay_key[:12]}"
