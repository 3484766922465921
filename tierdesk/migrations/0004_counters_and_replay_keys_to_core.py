"""Counters and replay keys now belong to the ``core`` app (``core/migrations/0001_initial.py``);
their tables stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tierdesk", "0003_copy_replay_keys"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Counter"), migrations.DeleteModel(name="ReplayKey")],
            database_operations=[],
        ),
    ]
