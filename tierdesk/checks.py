"""The desk's own system checks: a production setting that would leave the desk half-working is
an error of ``check --deploy`` (and of the web process's start, for the static files)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.checks import Error, Tags, register
from django.tasks import task_backends
from django.tasks.backends.dummy import DummyBackend
from django.tasks.backends.immediate import ImmediateBackend


@register(Tags.compatibility, deploy=True)
def task_backend_runs_background_work(app_configs: Any, **kwargs: Any) -> list[Error]:
    """``dummy`` runs nothing and ``immediate`` runs everything inside the request: neither
    serves production, where mail, probes and SLA scans run in workers."""
    if settings.DEBUG:
        return []
    wrong = [alias for alias in settings.TASKS if isinstance(task_backends[alias], (DummyBackend, ImmediateBackend))]
    return [
        Error(
            f"TIERDESK_TASK_BACKEND gives the task backend {alias!r} a {type(task_backends[alias]).__name__}: "
            "no background work would run in workers.",
            hint="Use TIERDESK_TASK_BACKEND=database or celery in production.",
            id="tierdesk.E001",
        )
        for alias in wrong
    ]


def missing_static_manifest() -> str | None:
    """Why the hashed static files cannot be served (``collectstatic`` never ran), or None."""
    if isinstance(staticfiles_storage, ManifestFilesMixin) and staticfiles_storage.read_manifest() is None:
        return (
            f"The static files' manifest is missing from {settings.STATIC_ROOT}: "
            "run `python manage.py collectstatic --noinput` before starting the desk."
        )
    return None


@register(Tags.staticfiles, deploy=True)
def static_manifest_present(app_configs: Any, **kwargs: Any) -> list[Error]:
    problem = missing_static_manifest()
    return [Error(problem, id="tierdesk.E002")] if problem else []
