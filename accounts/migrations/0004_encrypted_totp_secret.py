"""Two-factor secrets encrypted at rest (core.crypto): the column becomes text and every stored
secret is written again through the field, which encrypts it."""

from django.db import migrations

import core.crypto


def encrypt_existing(apps, schema_editor):  # type: ignore[no-untyped-def]
    device = apps.get_model("accounts", "TOTPDevice")
    for pk, secret in device.objects.values_list("pk", "secret"):
        if secret:
            device.objects.filter(pk=pk).update(secret=core.crypto.encrypt(secret))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_provisioning"),
    ]

    operations = [
        migrations.AlterField(
            model_name="totpdevice",
            name="secret",
            field=core.crypto.EncryptedTextField(verbose_name="secret"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=True),
    ]
