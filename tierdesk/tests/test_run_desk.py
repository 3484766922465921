"""`manage.py run_desk` (what `make run` starts) includes the SMTP listener on 127.0.0.1."""

from __future__ import annotations

import socket

from tierdesk.management.commands.run_desk import commands, port_is_free


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
