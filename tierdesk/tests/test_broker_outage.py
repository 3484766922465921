"""The scheduler on the scaled-out setup outlives an outage of its broker.

A real ``desk_scheduler`` process enqueues through Celery to a real Redis reached through a
loopback relay the test switches off and on: while the broker cannot be reached the scheduler
logs it and stays up; once it is back, the jobs of the slots it had already taken are enqueued.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 11

pytestmark = pytest.mark.broker


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Relay:
    """A TCP relay on 127.0.0.1:``port`` to 127.0.0.1:``target``: the broker as its clients see
    it. ``stop()`` closes the listening socket and every connection (an outage)."""

    def __init__(self, port: int, target: int) -> None:
        self.port, self.target = port, target
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass
        self.sockets = []


def _environment(tmp_path: Path, broker_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIERDESK_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tierdesk.settings",
        TIERDESK_DATA_DIR=str(tmp_path),
        TIERDESK_DATABASE_URL=f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        TIERDESK_TASK_BACKEND="celery",
        TIERDESK_CELERY_BROKER_URL=f"redis://127.0.0.1:{broker_port}/{REDIS_DB}",
        TIERDESK_CELERY_RESULT_BACKEND=f"redis://127.0.0.1:{broker_port}/{REDIS_DB}",
        PYTHONUNBUFFERED="1",
    )
    return env


def _queued_tasks() -> list[str]:
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    names = []
    for queue in ("default", "sla", "probes", "mail", "webhooks"):
        for raw in client.lrange(queue, 0, -1):
            names.append(json.loads(raw)["headers"]["task"])
    return names


def test_the_scheduler_outlives_a_broker_outage_and_enqueues_the_slots_it_took(tmp_path):
    if not _port_open(6379):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Redis on 127.0.0.1:6379 is not answering")
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
    port = _free_port()
    env = _environment(tmp_path, port)
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert migrated.returncode == 0, migrated.stderr
    relay = Relay(port, 6379)  # not started: the broker is down when the scheduler starts
    log = open(tmp_path / "scheduler.log", "w+")  # noqa: SIM115 - read while the process runs
    scheduler = subprocess.Popen(
        [sys.executable, "manage.py", "desk_scheduler", "--tick", "1"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 90
        while "could not enqueue" not in (tmp_path / "scheduler.log").read_text() and time.monotonic() < deadline:
            assert scheduler.poll() is None, (tmp_path / "scheduler.log").read_text()
            time.sleep(0.5)
        time.sleep(3)  # more ticks while the broker is away
        assert scheduler.poll() is None, (tmp_path / "scheduler.log").read_text()
        assert _queued_tasks() == []
        relay.start()
        deadline = time.monotonic() + 60
        while "tierdesk.tasks.purge_replay_keys" not in _queued_tasks() and time.monotonic() < deadline:
            time.sleep(0.5)
        queued = _queued_tasks()
        assert scheduler.poll() is None
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=30)
        relay.stop()
        log.close()
    output = (tmp_path / "scheduler.log").read_text()
    # The daily jobs' slot was taken during the outage: their only chance today, enqueued once.
    assert queued.count("tierdesk.tasks.purge_replay_keys") == 1, output
    assert queued.count("notifications.tasks.purge_inbound_mail") == 1, output
    assert "could not enqueue" in output
