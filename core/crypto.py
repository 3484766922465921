"""Secrets kept encrypted at rest: Fernet (AES-128-CBC + HMAC-SHA256) with keys from the environment.

``TIERDESK_ENCRYPTION_KEYS`` lists Fernet keys, comma-separated, newest first: the first encrypts,
all of them decrypt, so a key is rotated by putting a new one in front, running
``manage.py rotate_encryption_keys`` (every stored value is encrypted again with the new key) and
then dropping the old one. Without the variable (a laptop, the tests) a key is derived from the
secret key; production refuses to start without it (``tierdesk.settings``).

``EncryptedTextField`` stores ``fernet:<token>`` and hands the clear text to Python. A value
written before the field was encrypted (no prefix) is read as it is, and encrypted the next time
it is saved or by the rotation command.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.db import models, transaction

PREFIX = "fernet:"


class DecryptionError(Exception):
    """A stored secret no configured key opens (a key was dropped before rotating)."""


def derived_key(secret_key: str) -> str:
    """A Fernet key derived from Django's secret key (laptops and tests only)."""
    return base64.urlsafe_b64encode(hashlib.sha256(f"tierdesk-at-rest:{secret_key}".encode()).digest()).decode()


def configured_keys() -> tuple[str, ...]:
    keys = tuple(getattr(settings, "ENCRYPTION_KEYS", ()) or ())
    return keys or (derived_key(settings.SECRET_KEY),)


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(configured_keys())


def encrypt(value: str) -> str:
    return PREFIX + _current().encrypt(value.encode("utf-8")).decode("ascii")


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def decrypt(stored: str) -> str:
    if not is_encrypted(stored):
        return stored  # written before encryption: clear until saved again
    try:
        return _current().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        raise DecryptionError(
            "A stored secret cannot be decrypted with TIERDESK_ENCRYPTION_KEYS: keep the old key "
            "in the list until manage.py rotate_encryption_keys has run."
        ) from None


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text encrypted in the database, clear in Python. Not searchable: look rows up by another field."""

    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "" or (isinstance(value, str) and is_encrypted(value)):
            return value
        return encrypt(str(value))


def encrypted_fields() -> Iterator[tuple[type[models.Model], str]]:
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, EncryptedTextField):
                yield model, field.name


def rotate_all(batch: int = 500) -> dict[str, int]:
    """Encrypt every stored secret again with the first key; returns rows rewritten per model field."""
    done: dict[str, int] = {}
    for model, name in encrypted_fields():
        label = f"{model._meta.label}.{name}"
        done[label] = 0
        manager = model._default_manager
        last = None
        while True:
            page = manager.order_by("pk")
            if last is not None:
                page = page.filter(pk__gt=last)
            rows = list(page.values_list("pk", name)[:batch])  # decrypted by the field, any key
            if not rows:
                break
            with transaction.atomic():
                for pk, clear in rows:
                    if clear:
                        manager.filter(pk=pk).update(**{name: encrypt(clear)})
                        done[label] += 1
            last = rows[-1][0]
    return done
