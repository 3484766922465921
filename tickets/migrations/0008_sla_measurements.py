"""A ticket's measured SLA clocks move from the ``sla`` app to ``tickets``: the table
``sla_slameasurement`` keeps its name and rows (only Django's record of the model changes), and
its content type follows it, so permissions granted on it are kept."""

import django.db.models.deletion
from django.db import migrations, models

MOVED = ["slameasurement"]


def move_content_types(apps, schema_editor, *, source="sla", target="tickets"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=target, model__in=MOVED).exists():
        ContentType.objects.using(db).filter(app_label=source, model__in=MOVED).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="tickets", target="sla")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("tickets", "0007_pending_dispatch"),
        ("sla", "0003_measurements_to_tickets"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SlaMeasurement",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("level", models.CharField(max_length=2, verbose_name="level")),
                        ("clock", models.CharField(max_length=20, verbose_name="clock")),
                        (
                            "outcome",
                            models.CharField(
                                choices=[("met", "Met"), ("breached", "Breached"), ("cancelled", "Stopped before it was due")],
                                max_length=10,
                                verbose_name="outcome",
                            ),
                        ),
                        ("started_at", models.DateTimeField(verbose_name="started")),
                        ("ended_at", models.DateTimeField(verbose_name="ended")),
                        ("elapsed_seconds", models.BigIntegerField(verbose_name="business seconds used")),
                        ("target_seconds", models.BigIntegerField(verbose_name="target in business seconds")),
                        (
                            "ticket",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="sla_measurements",
                                to="tickets.ticket",
                                verbose_name="ticket",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "SLA measurement",
                        "verbose_name_plural": "SLA measurements",
                        "db_table": "sla_slameasurement",
                        "indexes": [models.Index(fields=["clock", "level", "ended_at"], name="sla_measure_report_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
