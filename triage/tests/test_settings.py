"""The triage settings: bad values stop start-up; the deny-list turns into the probes' DenyList."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from triage.probes import PRODUCTION_DENYLIST
from triage.routing import denylist, resolvers

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TIERDESK_PROBE_DENYLIST", "10.0.0.0/33"),
        ("TIERDESK_PROBE_DENYLIST", "private"),
        ("TIERDESK_DNS_RESOLVERS", "192.0.2.53:99999"),
        ("TIERDESK_PROBE_CONCURRENCY", "0"),
    ],
)
def test_a_bad_triage_setting_stops_start_up_with_its_name(variable: str, value: str, tmp_path: Path) -> None:
    code = "import tierdesk.settings"
    env = {"PATH": "/usr/bin:/bin", "TIERDESK_DATA_DIR": str(tmp_path), variable: value}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "ConfigurationError" in done.stderr and variable in done.stderr


def test_production_expands_to_the_built_in_list_and_resolvers_are_carved_out() -> None:
    with override_settings(
        TIERDESK_PROBE_DENYLIST=["production", "203.0.113.0/24"], TIERDESK_DNS_RESOLVERS=["10.1.2.3:5353", "[::1]"]
    ):
        deny = denylist()
        assert resolvers() == [("10.1.2.3", 5353), ("::1", 53)]
    assert set(PRODUCTION_DENYLIST.networks) < set(deny.networks)
    assert str(deny.match("203.0.113.9")) == "203.0.113.0/24"
    assert str(deny.match("10.9.9.9")) == "10.0.0.0/8"
    assert deny.match("10.1.2.3") is None and deny.match("::1") is None
    with override_settings(TIERDESK_PROBE_DENYLIST=[]):
        assert not denylist()
