"""Configuration from the environment: bad values stop start-up with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tierdesk.env import ConfigurationError, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Start from a clean slate: no TIERDESK_* values and no DJANGO_* switches that a test run may
    # have set in this process (DJANGO_ALLOW_ASYNC_UNSAFE makes ``check --deploy`` fail on purpose).
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TIERDESK_", "DJANGO_"))}
    environment.update({"TIERDESK_DATA_DIR": env.pop("TIERDESK_DATA_DIR", tempfile.mkdtemp()), **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_helpers_name_the_variable_in_their_errors():
    with pytest.raises(ConfigurationError, match="TIERDESK_X"):
        env_bool("TIERDESK_X", False, environ={"TIERDESK_X": "maybe"})
    with pytest.raises(ConfigurationError, match="below the minimum"):
        env_int("TIERDESK_X", 1, minimum=5, environ={"TIERDESK_X": "2"})
    assert env_list("TIERDESK_X", [], environ={"TIERDESK_X": "a, b,,c"}) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TIERDESK_DATABASE_URL", "mysql://x", "TIERDESK_DATABASE_URL"),
        ("TIERDESK_DEBUG", "perhaps", "TIERDESK_DEBUG"),
        ("TIERDESK_TASK_BACKEND", "rq", "TIERDESK_TASK_BACKEND"),
        ("TIERDESK_ATTACHMENT_MAX_BYTES", "ten", "TIERDESK_ATTACHMENT_MAX_BYTES"),
    ],
)
def test_a_bad_value_stops_start_up_with_a_clear_message(variable, value, message):
    result = run_manage("check", **{variable: value})
    assert result.returncode != 0
    assert message in result.stderr
    assert "ConfigurationError" in result.stderr


def test_production_needs_a_secret_key():
    result = run_manage("check", TIERDESK_DEBUG="false", TIERDESK_ALLOWED_HOSTS="desk.example.com")
    assert result.returncode != 0
    assert "TIERDESK_SECRET_KEY" in result.stderr


def production_values_from_the_docs() -> dict[str, str]:
    """The production environment docs/operators/security.md gives, as an operator copies it."""
    text = (ROOT / "docs" / "operators" / "security.md").read_text()
    block = text.split("<!-- production-environment -->", 1)[1].split("```", 2)[1]
    values = {}
    for line in block.splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name.startswith("TIERDESK_"):
            values[name] = value.strip().strip("'\"")
    return values


def test_check_deploy_is_clean_with_the_production_values_the_docs_give():
    values = production_values_from_the_docs()
    assert {"TIERDESK_DEBUG", "TIERDESK_SECRET_KEY", "TIERDESK_ENCRYPTION_KEYS", "TIERDESK_TRUSTED_PROXIES"} <= set(
        values
    )
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **values)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_needs_encryption_keys_and_refuses_bad_ones():
    values = production_values_from_the_docs()
    del values["TIERDESK_ENCRYPTION_KEYS"]
    missing = run_manage("check", **values)
    assert missing.returncode != 0 and "TIERDESK_ENCRYPTION_KEYS" in missing.stderr
    wrong = run_manage("check", **values, TIERDESK_ENCRYPTION_KEYS="not-a-key")
    assert wrong.returncode != 0 and "TIERDESK_ENCRYPTION_KEYS" in wrong.stderr
    proxies = run_manage("check", **{**production_values_from_the_docs(), "TIERDESK_TRUSTED_PROXIES": "10.0.0.0/33"})
    assert proxies.returncode != 0 and "TIERDESK_TRUSTED_PROXIES" in proxies.stderr


def test_celery_acknowledges_late_and_takes_back_a_dead_workers_tasks_soon():
    code = (
        "from tierdesk.celery_app import app; c = app.conf; "
        "print(c.task_acks_late, c.task_reject_on_worker_lost, c.worker_prefetch_multiplier, "
        "c.broker_transport_options['visibility_timeout'], c.task_publish_retry_policy['max_retries'])"
    )
    result = run_manage("shell", "-c", code, TIERDESK_TASK_BACKEND="celery")
    assert result.returncode == 0, result.stderr
    acks_late, reject_on_lost, prefetch, visibility, retries = result.stdout.splitlines()[-1].split()
    assert (acks_late, reject_on_lost, prefetch) == ("True", "True", "1")
    assert 60 <= int(visibility) < 300  # within the health check's late limit, not kombu's hour
    assert int(retries) <= 3
    result = run_manage("shell", "-c", code, TIERDESK_TASK_BACKEND="celery", TIERDESK_CELERY_VISIBILITY_TIMEOUT="30")
    assert result.returncode != 0 and "TIERDESK_CELERY_VISIBILITY_TIMEOUT" in result.stderr
