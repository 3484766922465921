"""SLA measurements now belong to the ``tickets`` app (``tickets/migrations/0008``); the table
``sla_slameasurement`` and its rows stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0002_calendar_version_measurements"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SlaMeasurement")],
            database_operations=[],
        ),
    ]
