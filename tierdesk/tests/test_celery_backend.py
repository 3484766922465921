"""The same tasks on the scale-out backend: Celery workers over Redis or RabbitMQ.

A real ``celery worker`` process runs the desk's task against a SQLite file the test prepares;
the test enqueues through ``django.tasks`` exactly as the desk does and reads the effect in the
database. Needs Redis on 127.0.0.1:6379 (and RabbitMQ on 5672 for the AMQP case).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUEUES = "default,sla,probes,mail,webhooks"

pytestmark = pytest.mark.broker


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _environment(tmp_path: Path, broker: str, redis_db: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIERDESK_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tierdesk.settings",
        TIERDESK_DATA_DIR=str(tmp_path),
        TIERDESK_DATABASE_URL=f"sqlite:///{tmp_path / 'celery.sqlite3'}",
        TIERDESK_TASK_BACKEND="celery",
        TIERDESK_CELERY_BROKER_URL=broker,
        TIERDESK_CELERY_RESULT_BACKEND=f"redis://127.0.0.1:6379/{redis_db}",
        TIERDESK_AUTO_CLOSE_DAYS="1",
        TIERDESK_TRIAGE_ON_DECLARE="false",
    )
    return env


def _python(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("broker", "port", "redis_db"),
    [("redis://127.0.0.1:6379/14", 6379, 13), ("amqp://guest:guest@127.0.0.1:5672//", 5672, 12)],
    ids=["redis", "rabbitmq"],
)
def test_a_celery_worker_runs_the_desks_tasks(tmp_path, broker, port, redis_db):
    if not _port_open(6379) or not _port_open(port):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the broker on 127.0.0.1:{port} (or Redis) is not answering")
        pytest.skip(f"no broker on 127.0.0.1:{port}")
    env = _environment(tmp_path, broker, redis_db)
    # Prepare the data without queueing its side tasks, and empty the queues of earlier runs.
    quiet = {**env, "TIERDESK_TASK_BACKEND": "dummy"}
    for command in (["migrate", "-v0"], ["load_demo"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=quiet, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
    purge = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "tierdesk.celery_app", "purge", "-f", "-Q", QUEUES],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert purge.returncode == 0, purge.stderr
    count_closed = "from tickets.models import Ticket; print(Ticket.objects.filter(status='closed').count())"
    closed_before = int(_python(env, count_closed))
    worker = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "celery", "-A", "tierdesk.celery_app", "worker", "-Q", QUEUES, "-c", "1",
         "--pool", "solo", "-l", "warning", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        task_id = _python(
            env,
            "from tickets.tasks import close_resolved_tickets\nprint(close_resolved_tickets.enqueue().id)",
        )
        status = ""
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            status = _python(
                env,
                # The backend's own lookup: a task object's get_result needs the process that enqueued it.
                "from django.tasks import default_task_backend as backend\n"
                f"r = backend.get_result({task_id!r})\n"
                "print(r.status, r.return_value if r.is_finished else '')",
            )
            if status.startswith(("SUCCESSFUL", "FAILED")):
                break
            time.sleep(1)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            output, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert status.startswith("SUCCESSFUL"), f"{status}\n{output}"
    closed_now = int(_python(env, count_closed))
    closed_by_task = int(status.split()[1])
    assert closed_by_task >= 2  # the demo has tickets resolved more than a day ago
    assert closed_now == closed_before + closed_by_task
