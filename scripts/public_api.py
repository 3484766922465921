"""The desk's code against Django's and its libraries' private names: it finds every use.

A name with a leading underscore (not a ``__dunder__``) belongs to whoever defines it. The desk
may use its own (``tickets.actions._base``, a class's ``self._cache``); it may not use another
package's: they change without notice from one release to the next. Read with ``ast`` from the
source, a use is:

- **an import** of an underscore name, or through an underscore module, from a module outside
  the desk (``from django.db.models.base import _x``, ``import django.utils._os``);
- **an attribute** ``something._name`` (also ``getattr(x, "_name")``, ``setattr``, ``hasattr``,
  ``delattr`` with a literal name) when ``_name`` is defined nowhere in the desk's code (as a
  function, class, module, assignment ``self._name = …``, class attribute, keyword of a call,
  import alias), or when ``something`` is a name imported from outside the desk;
- **an override**: a method ``_name`` of a class whose base, imported from outside the desk,
  already has ``_name`` (a private hook; the base is imported to look, which needs Django set up
  for Django's classes: classes that cannot be imported are not looked into).

Allowed without a note: ``_meta`` (``Model._meta``, Django's documented Options API), the
gettext alias ``_()`` (a plain name, never an attribute) and ``__dunder__`` names. Anything else
allowed is listed in ``ALLOWED`` with a one-line reason (a documented name that happens to start
with an underscore, such as namedtuple's ``_replace``).

Run it with the project's Python (``tierdesk/tests/test_public_api.py`` runs it in the suite)::

    .venv/bin/python scripts/public_api.py            # every use, one per line; exit 1 if any
    .venv/bin/python scripts/public_api.py --root /other/checkout
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# Underscore names of other packages that the desk may use, each with why it is public after all.
ALLOWED: dict[str, str] = {
    "_meta": "Model._meta, Django's documented Options API (docs: ref/models/meta)",
    "_default_manager": "Model._default_manager, documented in Django's managers topic (Default managers)",
}

SKIPPED_DIRECTORIES = {".venv", "node_modules", ".git", "static", "locale", "templates", "__pycache__"}
ACCESSORS = {"getattr", "setattr", "hasattr", "delattr"}


@dataclass(frozen=True, order=True)
class Use:
    path: str
    line: int
    name: str
    how: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.name} ({self.how})"


def private(name: str) -> bool:
    """Whether ``name`` is a private name (a leading underscore, not a dunder, not ``_`` alone)."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__")) and name.strip("_") != ""


def python_files(root: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(directory) / name


def own_modules(root: Path) -> set[str]:
    """The desk's top-level module names: its packages and modules at the root, and its folders of scripts."""
    names = {p.stem for p in root.glob("*.py")}
    for entry in root.iterdir():
        if entry.is_dir() and entry.name not in SKIPPED_DIRECTORIES and not entry.name.startswith("."):
            if any(entry.glob("*.py")):
                names.add(entry.name)
    return names


def _module_of(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, *([node.module] if node.module else [])])


def defined_names(trees: Iterable[tuple[Path, ast.Module]]) -> set[str]:
    """Every underscore name the desk's own code defines as something an attribute can reach: a
    module, a class's method or class attribute, an attribute an object gives itself
    (``self._name = …``), ``setattr(x, "_name", …)``. Module-level functions and variables are reached through the
    module's name, which the checker resolves itself."""
    names: set[str] = set()
    for path, tree in trees:
        names.add(path.stem)
        names.update(path.parent.parts)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        names.add(item.name)
                    elif isinstance(item, ast.Assign):
                        names.update(t.id for t in item.targets if isinstance(t, ast.Name))
                    elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                        names.add(item.target.id)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id in {"self", "cls"}
            ):
                names.add(node.attr)  # an object's own attribute (not ``instance._state = …``)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "setattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                names.add(node.args[1].value)
    return {name for name in names if private(name)}


def _resolve(dotted: str) -> object | None:
    """The object ``dotted`` names (a module, or an attribute path within one), if it imports."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except Exception:  # noqa: BLE001,S112 - not importable here: not looked into
            continue
        try:
            for part in parts[cut:]:
                found = getattr(found, part)
        except AttributeError:
            return None
        return found
    return None


class _FileChecker(ast.NodeVisitor):
    def __init__(self, path: str, module: str, is_package: bool, own: set[str], defined: set[str]) -> None:
        self.path = path
        self.module = module
        self.is_package = is_package
        self.own = own
        self.defined = defined
        self.foreign: dict[str, str] = {}  # local name → dotted name outside the desk
        self.owned: set[str] = set()  # local names bound to the desk's modules and objects
        self.uses: list[Use] = []

    def _foreign(self, dotted: str) -> bool:
        return bool(dotted) and dotted.split(".")[0] not in self.own

    def _use(self, node: ast.AST, name: str, how: str) -> None:
        if name not in ALLOWED:
            self.uses.append(Use(self.path, getattr(node, "lineno", 0), name, how))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if self._foreign(alias.name):
                for part in alias.name.split("."):
                    if private(part):
                        self._use(node, part, f"import {alias.name}")
                self.foreign[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
            else:
                self.owned.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = _absolute(node, self.module, self.is_package)
        if node.level > 0 or not self._foreign(source):
            self.owned.update(alias.asname or alias.name for alias in node.names)
            return
        for part in source.split("."):
            if private(part):
                self._use(node, part, f"from {source} import …")
        for alias in node.names:
            if private(alias.name):
                self._use(node, alias.name, f"from {source} import {alias.name}")
            self.foreign[alias.asname or alias.name] = f"{source}.{alias.name}"

    def _dotted(self, node: ast.expr) -> str | None:
        """The dotted name outside the desk that ``node`` stands for (``base.DatabaseWrapper``)."""
        if isinstance(node, ast.Name):
            return self.foreign.get(node.id)
        if isinstance(node, ast.Attribute):
            inner = self._dotted(node.value)
            return f"{inner}.{node.attr}" if inner else None
        return None

    def _attribute(self, node: ast.AST, owner: ast.expr, name: str, how: str) -> None:
        if not private(name):
            return
        if isinstance(owner, ast.Name) and owner.id in self.owned:
            return  # a name of the desk's own module or object
        if name not in self.defined:
            self._use(node, name, how)
        elif (dotted := self._dotted(owner)) is not None:
            self._use(node, name, f"{how} of {dotted}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._attribute(node, node.value, node.attr, "attribute")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if (
            isinstance(node.func, ast.Name)
            and node.func.id in ACCESSORS
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            self._attribute(node, node.args[0], node.args[1].value, f"{node.func.id}()")
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = [found for base in node.bases if (dotted := self._dotted(base)) and (found := _resolve(dotted))]
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and private(item.name):
                for base in bases:
                    if hasattr(base, item.name):
                        self._use(item, item.name, f"override of {getattr(base, '__qualname__', base)}")
                        break
        self.generic_visit(node)


def find_uses(root: Path) -> list[Use]:
    """Every use of another package's private name in the desk's code under ``root``."""
    root = root.resolve()
    own = own_modules(root)
    trees = []
    for path in python_files(root):
        try:
            trees.append((path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
        except SyntaxError as error:
            raise SystemExit(f"{path}: {error}") from None
    defined = defined_names(trees)
    uses: list[Use] = []
    for path, tree in trees:
        checker = _FileChecker(
            str(path.relative_to(root)), _module_of(path, root), path.name == "__init__.py", own, defined
        )
        checker.visit(tree)
        uses.extend(checker.uses)
    return sorted(set(uses))


def check_source(source: str, *, own: Iterable[str] = (), defined: Iterable[str] = ()) -> list[Use]:
    """The uses in one piece of source, with the desk's module and defined names given (tests)."""
    checker = _FileChecker("<source>", "snippet", False, set(own), {n for n in defined if private(n)})
    tree = ast.parse(source)
    checker.defined |= defined_names([(Path("snippet.py"), tree)])
    checker.visit(tree)
    return sorted(set(checker.uses))


def _setup_django(root: Path) -> None:
    """Django set up with the desk's settings, so that the bases of classes can be imported."""
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    try:
        import django

        django.setup()
    except Exception as error:  # noqa: BLE001 - the check still runs; overrides of Django's models are not looked into
        print(f"Django not set up ({error}): classes that need it are not looked into", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args(argv)
    _setup_django(args.root)
    uses = find_uses(args.root)
    for use in uses:
        print(use)
    print(f"{len(uses)} use(s) of private names of Django or of a dependency", file=sys.stderr)
    return 1 if uses else 0


if __name__ == "__main__":
    sys.exit(main())
