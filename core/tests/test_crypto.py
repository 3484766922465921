"""Secrets encrypted at rest: what the database holds, reading with older keys, and rotation."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from accounts.models import TOTPDevice
from api.models import OvhApplication, Webhook
from core import crypto


def stored(model, pk, column):  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {connection.ops.quote_name(model._meta.db_table)}"  # noqa: S608
            " WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_secrets_are_never_stored_in_clear(desk, settings):  # type: ignore[no-untyped-def]
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    device = TOTPDevice.objects.create(user=desk.lucia, secret="JBSWY3DPEHPK3PXP", created_at=desk.lucia.date_joined)
    application = OvhApplication.objects.create(name="x", application_key="ak", application_secret="s3cr3t-value")
    hook = Webhook.objects.create(name="h", url="https://example.com/h", events=[], secret="hook-secret")
    for model, pk, column, clear in (
        (TOTPDevice, device.pk, "secret", "JBSWY3DPEHPK3PXP"),
        (OvhApplication, application.pk, "application_secret", "s3cr3t-value"),
        (Webhook, hook.pk, "secret", "hook-secret"),
    ):
        raw = stored(model, pk, column)
        assert raw.startswith("fernet:") and clear not in raw
        assert getattr(model.objects.get(pk=pk), column) == clear


@pytest.mark.django_db
def test_rotation_re_encrypts_with_the_new_key_and_the_old_key_can_go(desk, settings):  # type: ignore[no-untyped-def]
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    application = OvhApplication.objects.create(name="x", application_key="ak", application_secret="s3cr3t-value")
    before = stored(OvhApplication, application.pk, "application_secret")
    settings.ENCRYPTION_KEYS = [new, old]
    assert OvhApplication.objects.get().application_secret == "s3cr3t-value"  # the old key still reads
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = stored(OvhApplication, application.pk, "application_secret")
    assert after != before and after.startswith("fernet:")
    settings.ENCRYPTION_KEYS = [new]
    assert OvhApplication.objects.get().application_secret == "s3cr3t-value"
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError):
        OvhApplication.objects.get()


@pytest.mark.django_db
def test_a_value_stored_before_encryption_is_read_and_encrypted_by_rotation(desk):  # type: ignore[no-untyped-def]
    application = OvhApplication.objects.create(name="x", application_key="ak", application_secret="placeholder")
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(OvhApplication._meta.db_table)
        cursor.execute(f"UPDATE {table} SET application_secret = %s WHERE id = %s", ["legacy-clear", application.pk])  # noqa: S608
    assert OvhApplication.objects.get().application_secret == "legacy-clear"
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert stored(OvhApplication, application.pk, "application_secret").startswith("fernet:")
    assert OvhApplication.objects.get().application_secret == "legacy-clear"
