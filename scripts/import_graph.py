"""The desk drawn from its imports: which app imports which, and whether every arrow points down.

The layers, bottom to top (an app may import its own layer and the layers below it, never one
above; ``docs/architecture.md``):

    ground         core
    guide's data   levels, services, accounts
    clock          sla
    tickets        tickets
    capabilities   triage, infogerencia, guides, notifications, slawatch, automations
    faces          portal, console, api
    roof           tierdesk

Every ``import`` and ``from … import`` of an app's modules counts, at module level or inside a
function, except those under ``if TYPE_CHECKING:`` (types only, never run). Left out: tests,
migrations, ``bench/``, ``journeys/``, ``conftest.py`` and the scripts. References that are not
imports (a settings value naming a class, a model relation written as ``"app.Model"``) are not
arrows of the graph; model relations that point up are listed apart, and ``ACCEPTED_RELATIONS``
says which are known and why.

Run it with the project's Python::

    scripts/import-graph                 # Mermaid diagram of the apps, with the counts
    scripts/import-graph --reduce        # only the arrows that no longer path implies
    scripts/import-graph --format dot    # the same as Graphviz DOT
    scripts/import-graph --format text   # every arrow with the modules behind it
    scripts/import-graph --format summary  # the counts only
    scripts/import-graph --check         # exit 1 on a cycle or an arrow running up
    scripts/import-graph --root /other/checkout

Pure Python, no Django: it reads the source with ``ast``.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

LAYERS: list[tuple[str, list[str]]] = [
    ("ground", ["core"]),
    ("guide's data", ["levels", "services", "accounts"]),
    ("clock", ["sla"]),
    ("tickets", ["tickets"]),
    ("capabilities", ["triage", "infogerencia", "guides", "notifications", "slawatch", "automations"]),
    ("faces", ["portal", "console", "api"]),
    ("roof", ["tierdesk"]),
]

# Model relations written by name that point to a layer above, each with the reason it stays.
ACCEPTED_RELATIONS: dict[tuple[str, str], str] = {
    ("levels", "sla"): (
        "a level's calendar (SupportLevel.calendar → sla.BusinessCalendar) while a policy belongs to its "
        "level (SlaPolicy.level): the two tables point at each other, and the calendars keep their "
        "admin pages and table under sla"
    ),
}

SKIPPED_PARTS = {"tests", "migrations", "__pycache__"}
RELATION_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def layer_of(app: str) -> int:
    for position, (_name, apps) in enumerate(LAYERS):
        if app in apps:
            return position
    raise KeyError(app)


APPS = [app for _name, apps in LAYERS for app in apps]


@dataclass(frozen=True)
class Arrow:
    """One import of ``target``'s code from ``source``'s, where it is written."""

    source: str
    target: str
    module: str
    line: int
    imported: str
    in_function: bool


@dataclass
class Graph:
    arrows: list[Arrow] = field(default_factory=list)
    relations: list[Arrow] = field(default_factory=list)  # model relations written by name
    function_imports: list[Arrow] = field(default_factory=list)  # every import inside a function

    def edges(self) -> dict[tuple[str, str], list[Arrow]]:
        found: dict[tuple[str, str], list[Arrow]] = defaultdict(list)
        for arrow in self.arrows:
            found[(arrow.source, arrow.target)].append(arrow)
        return dict(sorted(found.items()))

    def back_arrows(self) -> dict[tuple[str, str], list[Arrow]]:
        """Arrows from an app to one in a layer above it."""
        return {edge: where for edge, where in self.edges().items() if layer_of(edge[1]) > layer_of(edge[0])}

    def cycles(self) -> list[list[str]]:
        """Every elementary cycle between apps, each once (starting at its first app in ``APPS``)."""
        return elementary_cycles(set(self.edges()))

    def relations_up(self) -> dict[tuple[str, str], list[Arrow]]:
        found: dict[tuple[str, str], list[Arrow]] = defaultdict(list)
        for arrow in self.relations:
            if layer_of(arrow.target) > layer_of(arrow.source):
                found[(arrow.source, arrow.target)].append(arrow)
        return dict(sorted(found.items()))


def elementary_cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    following: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        following[source].add(target)
    order = {app: position for position, app in enumerate(APPS)}
    found: list[list[str]] = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(following[node], key=order.__getitem__):
            if nxt == start:
                found.append(list(path))
            elif order[nxt] > order[start] and nxt not in path:
                path.append(nxt)
                walk(start, nxt, path)
                path.pop()

    for app in APPS:
        walk(app, app, [app])
    return found


def _sources(root: Path) -> Iterator[tuple[str, Path]]:
    for app in APPS:
        folder = root / app
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.py")):
            if SKIPPED_PARTS.intersection(path.relative_to(root).parts):
                continue
            yield app, path


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    """Each import statement of a module with the modules it names and whether it sits in a
    function; ``if TYPE_CHECKING:`` blocks are skipped (their ``else`` is not)."""

    def __init__(self) -> None:
        self.depth = 0
        self.found: list[tuple[int, list[str], bool]] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.append((node.lineno, [alias.name for alias in node.names], self.depth > 0))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        # A relative import stays inside its own app: no arrow, but it is still an import.
        if node.level:
            names = ["." * node.level + (node.module or "")]
        else:
            base = node.module or ""
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        self.found.append((node.lineno, names, self.depth > 0))


def _relations(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """``(line, "app.Model")`` of every model relation written by name."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in RELATION_FIELDS:
            continue
        target = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "to"), None)
        if isinstance(target, ast.Constant) and isinstance(target.value, str) and "." in target.value:
            yield node.lineno, target.value


def build(root: Path) -> Graph:
    graph = Graph()
    for app, path in _sources(root):
        module = _module_name(root, path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        imports = _Imports()
        imports.visit(tree)
        for line, names, in_function in imports.found:
            if in_function:
                graph.function_imports.append(Arrow(app, app, module, line, names[0], True))
            for target in sorted({name.split(".")[0] for name in names}):
                if target in APPS and target != app:
                    graph.arrows.append(Arrow(app, target, module, line, names[0], in_function))
        if path.name == "models.py":
            for line, reference in _relations(tree):
                target = reference.split(".")[0]
                if target in APPS and target != app:
                    graph.relations.append(Arrow(app, target, module, line, reference, False))
    return graph


# --- drawing -----------------------------------------------------------------------------------


def reduced(edges: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The arrows not implied by a longer path (a transitive reduction: ``api → tickets`` goes
    when ``api → infogerencia → tickets`` is drawn). Only for a graph without cycles."""
    edges = set(edges)
    following: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        following[source].add(target)

    def reachable(start: str, skip: tuple[str, str]) -> set[str]:
        seen: set[str] = set()
        stack = [start]
        while stack:
            node = stack.pop()
            for nxt in following[node]:
                if (node, nxt) != skip and nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    return sorted(edge for edge in edges if edge[1] not in reachable(edge[0], edge))


def mermaid(graph: Graph, *, reduce: bool = False) -> str:
    back = graph.back_arrows()
    cycles = graph.cycles()
    cyclic = {edge for cycle in cycles for edge in zip(cycle, [*cycle[1:], cycle[0]], strict=True)}
    drawn = reduced(graph.edges()) if reduce and not cycles else list(graph.edges())
    lines = ["graph BT"]
    present = {app for edge in drawn for app in edge}
    for position, (name, apps) in enumerate(LAYERS):
        shown = [app for app in apps if app in present]
        if not shown:
            continue
        lines.append(f'    subgraph L{position}["{name}"]')
        lines.extend(f"        {app}" for app in shown)
        lines.append("    end")
    marked = []
    for index, edge in enumerate(drawn):
        lines.append(f"    {edge[0]} --> {edge[1]}")
        if edge in back or edge in cyclic:
            marked.append(str(index))
    if marked:
        lines.append(f"    linkStyle {','.join(marked)} stroke:#c00,stroke-width:2px")
    if len(drawn) < len(graph.edges()):
        lines.append(f"    %% {len(drawn)} of {len(graph.edges())} arrows drawn: the others follow from these")
    lines.extend(f"    %% {line}" for line in summary(graph))
    return "\n".join(lines)


def dot(graph: Graph, *, reduce: bool = False) -> str:
    back = graph.back_arrows()
    drawn = reduced(graph.edges()) if reduce and not graph.cycles() else list(graph.edges())
    lines = ["digraph tierdesk {", "    rankdir=BT;", "    node [shape=box];"]
    for position, (name, apps) in enumerate(LAYERS):
        lines.append(f'    subgraph cluster_{position} {{ label="{name}"; {" ".join(apps)}; }}')
    for edge in drawn:
        style = ' [color="#cc0000", penwidth=2]' if edge in back else ""
        lines.append(f"    {edge[0]} -> {edge[1]}{style};")
    lines.extend(f"    // {line}" for line in summary(graph))
    lines.append("}")
    return "\n".join(lines)


def text(graph: Graph) -> str:
    back = graph.back_arrows()
    lines = []
    for (source, target), where in graph.edges().items():
        mark = "  UP" if (source, target) in back else ""
        lines.append(f"{source} -> {target}{mark}")
        lines.extend(
            f"    {arrow.module}:{arrow.line} {arrow.imported}{' (in a function)' if arrow.in_function else ''}"
            for arrow in where
        )
    for (source, target), where in graph.relations_up().items():
        reason = ACCEPTED_RELATIONS.get((source, target), "not accepted")
        lines.append(f"{source} -> {target}  model relation by name, up: {reason}")
        lines.extend(f"    {arrow.module}:{arrow.line} {arrow.imported}" for arrow in where)
    lines.extend(summary(graph))
    return "\n".join(lines)


def tangles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The groups of apps that reach one another through imports (strongly connected, 2 or more)."""
    following: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        following[source].add(target)

    def reach(start: str) -> set[str]:
        seen, stack = {start}, [start]
        while stack:
            for nxt in following[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    reached = {app: reach(app) for app in APPS}
    groups: list[list[str]] = []
    for app in APPS:
        group = [other for other in APPS if other in reached[app] and app in reached[other]]
        if len(group) > 1 and group not in groups:
            groups.append(group)
    return groups


def summary(graph: Graph, *, shown: int = 10) -> list[str]:
    cycles = sorted(graph.cycles(), key=len)
    back = graph.back_arrows()
    groups = tangles(graph.edges())
    lines = [
        f"cycles between apps: {len(cycles)}"
        + (f" (through {sum(map(len, groups))} apps in {len(groups)} tangle(s))" if groups else ""),
        *(f"  cycle: {' -> '.join([*cycle, cycle[0]])}" for cycle in cycles[:shown]),
        *([f"  … and {len(cycles) - shown} longer ones"] if len(cycles) > shown else []),
        f"arrows running back up: {len(back)}",
        *(f"  up: {source} -> {target}" for source, target in back),
        f"model relations by name running up: {len(graph.relations_up())}"
        f" (accepted: {sum(1 for edge in graph.relations_up() if edge in ACCEPTED_RELATIONS)})",
        f"imports inside functions: {len(graph.function_imports)}",
    ]
    return lines


def brief(graph: Graph) -> str:
    return "\n".join(summary(graph))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--format", choices=["mermaid", "dot", "text", "summary"], default="mermaid")
    parser.add_argument("--check", action="store_true", help="exit 1 on a cycle or an arrow running up")
    parser.add_argument("--reduce", action="store_true", help="draw only the arrows no longer path implies")
    options = parser.parse_args(argv)
    graph = build(options.root)
    drawings: dict[str, Callable[[Graph], str]] = {
        "mermaid": lambda g: mermaid(g, reduce=options.reduce),
        "dot": lambda g: dot(g, reduce=options.reduce),
        "text": text,
        "summary": brief,
    }
    try:
        print(drawings[options.format](graph))
    except BrokenPipeError:  # ``| head``: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if options.check:
        unaccepted = [edge for edge in graph.relations_up() if edge not in ACCEPTED_RELATIONS]
        if graph.cycles() or graph.back_arrows() or unaccepted:
            print("import-graph: the layers are broken (see above)", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
