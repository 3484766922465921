"""`manage.py run_desk` (what `make run` starts) includes the SMTP listener on 127.0.0.1."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tierdesk.management.commands.run_desk import commands, port_is_free

ROOT = Path(__file__).resolve().parents[2]


def test_the_mail_listener_is_started_on_loopback_with_the_chosen_port():
    started = commands(addr="127.0.0.1:8000", smtp_port=2525)
    assert set(started) == {"web", "worker", "scheduler", "mail"}
    assert started["mail"][-5:] == ["mail_listener", "--host", "127.0.0.1", "--port", "2525"]
    assert "mail" not in commands(addr="127.0.0.1:8000", smtp_port=None)


def test_a_busy_port_is_detected_before_starting():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert not port_is_free("127.0.0.1", port)
    assert port_is_free("127.0.0.1", port)


def _desk(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIERDESK_", "DJANGO_"))}
    env.update(
        TIERDESK_DATA_DIR=str(tmp_path),
        TIERDESK_DATABASE_URL=f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        TIERDESK_EMAIL_BACKEND="memory",
        PYTHONUNBUFFERED="1",
    )
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert migrated.returncode == 0, migrated.stderr
    desk = subprocess.Popen(
        [sys.executable, "manage.py", "run_desk", "--no-smtp", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    assert desk.stdout is not None
    threading.Thread(target=lambda: lines.extend(iter(desk.stdout.readline, "")), daemon=True).start()  # type: ignore[union-attr]
    return desk, lines


def _pids(lines: list[str]) -> dict[str, int]:
    """The latest pid of each process, from the desk's "<name> started (pid N)" lines."""
    found = {}
    for line in list(lines):
        if match := re.match(r"(\w+) started \(pid (\d+)\)", line):
            found[match[1]] = int(match[2])
    return found


def _wait_for(condition: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_worker_is_started_again_and_sigterm_stops_every_process(tmp_path):
    desk, lines = _desk(tmp_path, "--addr", f"127.0.0.1:{_free_port()}")
    try:
        _wait_for(lambda: set(_pids(lines)) == {"web", "worker", "scheduler"})
        first = _pids(lines)["worker"]
        time.sleep(3)  # the worker is up (no autoreloader between us and it)
        os.kill(first, signal.SIGKILL)
        _wait_for(lambda: _pids(lines)["worker"] != first)
        assert any("worker stopped with exit code -9; starting it again." in line for line in lines)
        children = _pids(lines)
        assert all(_alive(pid) for pid in children.values())
        desk.send_signal(signal.SIGTERM)
        assert desk.wait(timeout=60) == 0
        _wait_for(lambda: not any(_alive(pid) for pid in children.values()), timeout=20)
    finally:
        if desk.poll() is None:
            desk.kill()


def test_a_process_that_keeps_failing_stops_the_desk_with_a_status_naming_it(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        desk, lines = _desk(tmp_path, "--addr", f"127.0.0.1:{taken.getsockname()[1]}")  # the web server cannot bind
        try:
            status = desk.wait(timeout=240)
        finally:
            if desk.poll() is None:
                desk.kill()
    time.sleep(0.5)
    output = "".join(lines)
    assert status != 0, output
    assert "The desk stopped: web stopped with exit code 1 (4 times)." in output
    others = {name: pid for name, pid in _pids(lines).items() if name != "web"}
    assert others and not any(_alive(pid) for pid in others.values())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
