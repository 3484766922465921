"""Counters and replay keys move from the ``tierdesk`` app to ``core``; their tables stay as they are.

Only Django's record of the models changes (their tables were made by ``tierdesk``'s first
migrations and keep their names), and their content types follow them, so permissions granted
on them are kept.
"""

from django.db import migrations, models

MOVED = ["counter", "replaykey"]


def move_content_types(apps, schema_editor, *, source="tierdesk", target="core"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=target, model__in=MOVED).exists():
        ContentType.objects.using(db).filter(app_label=source, model__in=MOVED).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="core", target="tierdesk")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("tierdesk", "0003_copy_replay_keys"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Counter",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                        ("value", models.PositiveBigIntegerField(default=0, verbose_name="last value")),
                    ],
                    options={
                        "verbose_name": "counter",
                        "verbose_name_plural": "counters",
                        "db_table": "tierdesk_counter",
                    },
                ),
                migrations.CreateModel(
                    name="ReplayKey",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("source", models.CharField(max_length=30, verbose_name="source")),
                        ("replay_key", models.CharField(max_length=64, verbose_name="replay key")),
                        ("received_at", models.DateTimeField(verbose_name="received")),
                        ("expires_at", models.DateTimeField(verbose_name="may be purged after")),
                    ],
                    options={
                        "verbose_name": "replay key",
                        "verbose_name_plural": "replay keys",
                        "db_table": "tierdesk_replaykey",
                        "indexes": [models.Index(fields=["expires_at"], name="tierdesk_replaykey_expiry_idx")],
                        "constraints": [
                            models.UniqueConstraint(fields=("source", "replay_key"), name="tierdesk_replaykey_unique")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
