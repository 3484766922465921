"""Carry the replay keys still in force from the three receivers' own tables into ReplayKey, so a
delivery replayed while the desk is upgraded is still refused."""

from django.db import migrations
from django.utils import timezone

SOURCES = [
    ("monitoring", "triage", "WebhookDelivery"),
    ("payment", "infogerencia", "WebhookReplayGuard"),
    ("cti", "console", "CtiDelivery"),
]


def copy_keys(apps, schema_editor):
    ReplayKey = apps.get_model("tierdesk", "ReplayKey")
    now = timezone.now()
    for source, app_label, model_name in SOURCES:
        Old = apps.get_model(app_label, model_name)
        ReplayKey.objects.bulk_create(
            [
                ReplayKey(
                    source=source,
                    replay_key=old.replay_key,
                    received_at=getattr(old, "received_at", now),
                    expires_at=old.expires_at,
                )
                for old in Old.objects.filter(expires_at__gte=now)
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tierdesk", "0002_replay_keys"),
        ("triage", "0002_guide_rules"),
        ("infogerencia", "0002_catalogue"),
        ("console", "0002_search_engines"),
    ]

    operations = [migrations.RunPython(copy_keys, migrations.RunPython.noop)]
