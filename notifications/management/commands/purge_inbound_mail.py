"""Delete processed inbound mail past its retention: ``manage.py purge_inbound_mail [--days N]``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.actions import purge_inbound_mail


class Command(BaseCommand):
    help = (
        "Delete the raw inbound mail processed more than TIERDESK_INBOUND_RETENTION_DAYS days ago "
        "(quarantined mail is kept until it is handled). The scheduler runs this every day."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help="Keep this many days instead of the setting (at least 1)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        deleted = purge_inbound_mail(now=timezone.now(), days=days)
        kept = days if days is not None else settings.INBOUND_RETENTION_DAYS
        self.stdout.write(f"Deleted {deleted} inbound message(s) processed more than {kept} days ago.")
