"""Background work of the privacy app: building a person's data export."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone


@task()
def build_export(export_id: int) -> str:
    from privacy import actions  # the actions enqueue this task: imported when it runs

    export = actions.build_export(export_id=export_id, now=timezone.now())
    return export.state if export is not None else "gone"
