"""``manage.py rotate_encryption_keys``: encrypt every stored secret again with the first key of
TIERDESK_ENCRYPTION_KEYS (docs/operators/security.md); afterwards the older keys can be dropped."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core import crypto


class Command(BaseCommand):
    help = "Encrypt every stored secret again with the first key of TIERDESK_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = crypto.rotate_all()
        except crypto.DecryptionError as error:
            raise CommandError(str(error)) from None
        for label, count in sorted(done.items()):
            self.stdout.write(f"{label}: {count} re-encrypted")
        self.stdout.write(self.style.SUCCESS("Every stored secret now uses the first key; older keys can go."))
