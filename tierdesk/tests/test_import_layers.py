"""The layers hold: no cycle between apps, no arrow running back up (``scripts/import_graph.py``).

The graph is drawn from the source of every app (imports at module level and inside functions;
not those under ``if TYPE_CHECKING:``); tests, migrations, ``bench/`` and ``journeys/`` are outside
it. ``docs/architecture.md`` explains the layers; ``scripts/import-graph`` draws them.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


import_graph = _load()


def _explain(edges: dict[tuple[str, str], list]) -> str:  # type: ignore[type-arg]
    return "; ".join(
        f"{source} -> {target} ({', '.join(f'{a.module}:{a.line}' for a in where)})"
        for (source, target), where in edges.items()
    )


def test_every_app_of_the_desk_has_its_layer() -> None:
    ours = {app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").exists()}
    assert ours == set(import_graph.APPS)


def test_no_cycle_between_apps() -> None:
    assert import_graph.build(ROOT).cycles() == []


def test_no_arrow_runs_back_up() -> None:
    back = import_graph.build(ROOT).back_arrows()
    assert back == {}, _explain(back)


def test_model_relations_run_up_only_where_the_layout_says_why() -> None:
    assert set(import_graph.build(ROOT).relations_up()) == set(import_graph.ACCEPTED_RELATIONS)


def _write(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def test_the_check_sees_imports_hidden_in_functions_and_only_those_that_run(tmp_path: Path) -> None:
    _write(tmp_path, "core/helpers.py", "def later():\n    from tickets.models import Ticket\n    return Ticket\n")
    _write(tmp_path, "tickets/models.py", "from core import helpers\n")
    _write(
        tmp_path,
        "sla/clock.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from tickets.models import T\n",
    )
    _write(tmp_path, "levels/tests/test_x.py", "import console.views\n")
    _write(tmp_path, "levels/migrations/0001_initial.py", "import api\n")
    _write(
        tmp_path, "levels/models.py", "from django.db import models\nx = models.ForeignKey('sla.BusinessCalendar')\n"
    )
    _write(tmp_path, "services/models.py", "from django.db import models\nx = models.ForeignKey(to='tickets.Ticket')\n")

    graph = import_graph.build(tmp_path)

    assert set(graph.edges()) == {("core", "tickets"), ("tickets", "core")}
    assert set(graph.back_arrows()) == {("core", "tickets")}
    assert graph.cycles() == [["core", "tickets"]]
    assert [(a.module, a.line) for a in graph.function_imports] == [("core.helpers", 2)]
    assert set(graph.relations_up()) == {("levels", "sla"), ("services", "tickets")}
    assert import_graph.main(["--root", str(tmp_path), "--check", "--format", "text"]) == 1


def test_the_command_draws_the_desk_and_passes_its_own_check(capsys) -> None:  # type: ignore[no-untyped-def]
    assert import_graph.main(["--root", str(ROOT), "--check"]) == 0
    drawn = capsys.readouterr().out
    assert drawn.startswith("graph BT") and "tickets --> sla" in drawn and "linkStyle" not in drawn
    assert "%% cycles between apps: 0" in drawn and "%% arrows running back up: 0" in drawn


def test_every_import_inside_a_function_says_why() -> None:
    unexplained = import_graph.build(ROOT).unexplained
    assert unexplained == [], "; ".join(f"{a.module}:{a.line} {a.imported}" for a in unexplained)


def test_an_import_inside_a_function_without_a_reason_fails_the_check(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "tickets/actions.py",
        "def a():\n"
        "    from tickets import tasks  # tickets.tasks imports this module\n"
        "def b():\n"
        "    # apps.py is loaded before the models\n"
        "    from tickets import models\n"
        "    from tickets import dispatch\n"
        "\n"
        "    from tickets import rules\n"
        "def c():\n"
        "    from tickets import queries\n",
    )
    graph = import_graph.build(tmp_path)
    assert len(graph.function_imports) == 5
    assert [(a.module, a.line) for a in graph.unexplained] == [("tickets.actions", 8), ("tickets.actions", 10)]
    assert import_graph.main(["--root", str(tmp_path), "--check", "--format", "summary"]) == 1
