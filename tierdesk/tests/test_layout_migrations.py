"""Models that moved between apps keep their tables, their rows and their permissions.

Each test takes the database back to the schema before the move (the migrations that move a
model are unapplied with ``migrate <app> <migration>``), writes rows through the models as they
were, then migrates forward and reads them through the models as they are now.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from core.models import Counter, ReplayKey

pytestmark = pytest.mark.django_db(transaction=True)


def old_models(*node: str):  # type: ignore[no-untyped-def]
    """The models as the migration ``node`` (app label, name) left them."""
    return MigrationLoader(connection).project_state(node).apps


def test_counters_and_replay_keys_keep_their_rows_when_they_move_to_core() -> None:
    call_command("migrate", "core", "zero", verbosity=0)  # unapplies tierdesk 0004 too
    apps = old_models("tierdesk", "0003_copy_replay_keys")
    apps.get_model("tierdesk", "Counter").objects.create(name="ticket", value=1000041)
    expires = datetime(2031, 1, 1, tzinfo=UTC)
    apps.get_model("tierdesk", "ReplayKey").objects.create(
        source="payment", replay_key="k" * 64, received_at=expires, expires_at=expires
    )
    old_type = ContentType.objects.get(app_label="tierdesk", model="counter")
    granted = Permission.objects.get(content_type=old_type, codename="view_counter")

    call_command("migrate", verbosity=0)
    ContentType.objects.clear_cache()

    assert Counter.objects.get(name="ticket").value == 1000041
    assert ReplayKey.objects.get(source="payment").replay_key == "k" * 64
    assert ContentType.objects.get_for_model(Counter).pk == old_type.pk
    assert Permission.objects.get(pk=granted.pk).content_type.app_label == "core"
