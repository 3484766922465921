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
from django.tasks import TaskResultStatus
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from core.models import Counter, ReplayKey
from slawatch.tasks import sla_scan
from tickets.models import SlaMeasurement

pytestmark = pytest.mark.django_db(transaction=True)


def old_models(app_label: str, migration: str):  # type: ignore[no-untyped-def]
    """The models as the migration ``app_label.migration`` left them."""
    return MigrationLoader(connection).project_state((app_label, migration)).apps


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


def test_sla_measurements_keep_their_rows_when_they_move_to_tickets(open_incident) -> None:  # type: ignore[no-untyped-def]
    ticket = open_incident()
    call_command("migrate", "sla", "0002_calendar_version_measurements", verbosity=0)  # and tickets 0008
    apps = old_models("sla", "0002_calendar_version_measurements")
    ended = datetime(2027, 3, 2, 10, tzinfo=UTC)
    apps.get_model("sla", "SlaMeasurement").objects.create(
        ticket_id=ticket.pk,
        level="L1",
        clock="first_response",
        outcome="met",
        started_at=ended,
        ended_at=ended,
        elapsed_seconds=60,
        target_seconds=21600,
    )
    old_type = ContentType.objects.get(app_label="sla", model="slameasurement")

    call_command("migrate", verbosity=0)
    ContentType.objects.clear_cache()

    measured = SlaMeasurement.objects.get(ticket=ticket, ended_at=ended)
    assert (measured.outcome, measured.elapsed_seconds, measured.target_seconds) == ("met", 60, 21600)
    assert list(ticket.sla_measurements.filter(ended_at=ended)) == [measured]
    assert ContentType.objects.get_for_model(SlaMeasurement).pk == old_type.pk


def test_waiting_sla_tasks_are_renamed_to_their_new_module() -> None:
    call_command("migrate", "slawatch", "zero", verbosity=0)
    when = datetime(2027, 3, 2, 10, tzinfo=UTC)
    waiting, done = (
        DBTaskResult.objects.create(
            task_path="sla.tasks.sla_scan",
            status=status,
            args_kwargs={"args": [], "kwargs": {}},
            queue_name="sla",
            backend_name="default",
            run_after=when,
        )
        for status in (TaskResultStatus.READY, TaskResultStatus.SUCCESSFUL)
    )

    call_command("migrate", verbosity=0)

    waiting.refresh_from_db()
    done.refresh_from_db()
    assert waiting.task_path == "slawatch.tasks.sla_scan"
    assert import_string(waiting.task_path) is sla_scan
    assert done.task_path == "sla.tasks.sla_scan"  # finished: kept as it ran
