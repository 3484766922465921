"""OVH application secrets and webhook signing secrets encrypted at rest (core.crypto)."""

from django.db import migrations

import core.crypto


def encrypt_existing(apps, schema_editor):  # type: ignore[no-untyped-def]
    for model_name, field in (("OvhApplication", "application_secret"), ("Webhook", "secret")):
        model = apps.get_model("api", model_name)
        for pk, secret in model.objects.values_list("pk", field):
            if secret:
                model.objects.filter(pk=pk).update(**{field: core.crypto.encrypt(secret)})


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_provisioning"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ovhapplication",
            name="application_secret",
            field=core.crypto.EncryptedTextField(verbose_name="application secret"),
        ),
        migrations.AlterField(
            model_name="webhook",
            name="secret",
            field=core.crypto.EncryptedTextField(verbose_name="signing secret"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=True),
    ]
