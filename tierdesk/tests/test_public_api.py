"""The desk uses no private name of Django or of a dependency (``scripts/public_api.py``).

Every module of the checkout is read, tests, migrations, scripts and benchmarks included; the
checker's own rules are tested on small pieces of source first, so that a check that finds
nothing is one that would have found something.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("public_api", ROOT / "scripts" / "public_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


public_api = _load()


def _names(source: str, **kwargs: object) -> list[str]:
    return [use.name for use in public_api.check_source(source, **kwargs)]


def test_imports_of_private_names_from_other_packages_are_found() -> None:
    assert _names("from django.db.models.base import _prepare_related") == ["_prepare_related"]
    assert _names("from django.utils._os import safe_join") == ["_os"]
    assert _names("import django.utils._os") == ["_os"]
    assert _names("from core._base import _mine", own=["core"]) == []  # the desk's own
    assert _names("from ._base import _now") == []  # relative: the desk's own


def test_attributes_nobody_in_the_desk_defines_are_found() -> None:
    assert _names("backend._get_id()") == ["_get_id"]
    assert _names("if not self._state.adding: pass") == ["_state"]
    assert _names("instance._state = ModelState()") == ["_state"]  # set on another's object
    assert _names("value = getattr(client, '_consumer_key')") == ["_consumer_key"]
    assert (
        _names("class A:\n    def __init__(self):\n        self._seen = 1\n    def f(self):\n        return self._seen")
        == []
    )
    assert _names("class A:\n    _cache = {}\nA._cache.clear()") == []


def test_an_attribute_of_an_imported_package_is_found_even_when_the_desk_has_the_name() -> None:
    source = "from django.db.backends.sqlite3 import base\nclass C:\n    _qmark = 1\nbase._qmark"
    assert _names(source) == ["_qmark"]
    assert _names("from core import outbox\nvalidated = outbox._validated", own=["core"]) == []


def test_overrides_of_private_hooks_are_found() -> None:
    source = (
        "from django.db.backends.sqlite3 import base\n"
        "class DatabaseWrapper(base.DatabaseWrapper):\n"
        "    def _commit(self):\n"
        "        super()._commit()\n"
        "    def _ours(self):\n"
        "        pass\n"
    )
    uses = public_api.check_source(source)
    assert [(use.name, use.how.split(" ")[0]) for use in uses] == [("_commit", "override")]


def test_what_is_allowed_is_allowed_and_says_why() -> None:
    assert _names("Ticket._meta.get_field('subject')") == []
    assert _names("_('Hello')") == []  # the gettext alias is a name, never an attribute
    assert _names("type(x).__name__, x.__dict__") == []
    assert all(reason.strip() for reason in public_api.ALLOWED.values())


def test_the_desk_uses_no_private_name_of_django_or_of_a_dependency() -> None:
    uses = public_api.find_uses(ROOT)
    assert uses == [], "private names of other packages:\n" + "\n".join(map(str, uses))
