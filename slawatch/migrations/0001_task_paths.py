"""The SLA scan and the recomputation of due times moved from ``sla.tasks`` to ``slawatch.tasks``:
tasks of the database backend still waiting under the old names are renamed, so a worker
started after the upgrade runs them instead of failing to import them."""

from django.db import migrations

RENAMED = {
    "sla.tasks.sla_scan": "slawatch.tasks.sla_scan",
    "sla.tasks.recompute_due_times": "slawatch.tasks.recompute_due_times",
}


def rename(apps, schema_editor, *, names=RENAMED):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    db = schema_editor.connection.alias
    for old, new in names.items():
        DBTaskResult.objects.using(db).filter(task_path=old, status="READY").update(task_path=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, names={new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
