"""Text the desk writes into history, notes and events, stored as a code with parameters and
rendered in the reader's language when it is read.

A writer stores ``coded("triage.automatic", message_key="all_checks_pass")`` (plain JSON:
``{"code": …, "params": {…}}``), never a sentence: the sentence is made by :func:`render`, under
the reader's active language, from the text registered for the code. Each app registers the
texts of its codes (``register``) in its ``AppConfig.ready``, next to the code that writes them.

A parameter is a plain JSON value (a number, a reference, what a person typed: shown as written;
a list or an object, for a text's function to word), or a coded text itself (rendered first). A
registered text is either a translatable format string (``gettext_lazy("Automatic triage: %(why)s")``) or a
function of the rendered parameters returning the sentence, for texts that choose their words.

Rows written before a text had a code keep their sentence: :func:`render` of a plain string is
the string, and :func:`render_or` shows the old text when no code was stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.functional import Promise

Text = Promise | Callable[[dict[str, Any]], str]

_texts: dict[str, Text] = {}


def register(texts: Mapping[str, Text]) -> None:
    """Make these codes readable; a code registered twice keeps its last text."""
    _texts.update(texts)


def is_registered(code: str) -> bool:
    return code in _texts


def coded(code: str, **params: Any) -> dict[str, Any]:
    """What is stored for a text the desk writes: its code and its parameters (JSON values)."""
    if code not in _texts:
        raise LookupError(f"No text is registered for the code {code!r}.")
    return {"code": code, "params": params}


def is_coded(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("code"), str) and "params" in value


def render(value: Any) -> str:
    """A stored value as a sentence in the active language: a coded text is rendered from its
    code's registered text; a list, one line per item; anything else, as written (a person's text,
    or the desk's from before codes)."""
    if value is None:
        return ""
    if is_coded(value):
        return render_code(value["code"], value.get("params") or {})
    if isinstance(value, list | tuple):
        return "\n".join(render(item) for item in value)
    return str(value)


def render_code(code: str, params: Mapping[str, Any]) -> str:
    """The registered text of ``code`` with its parameters, in the active language. An unknown
    code (a text removed since) reads as the code and its parameters, so nothing is lost."""
    text = _texts.get(code)
    shown = {key: render(item) if is_coded(item) else item for key, item in params.items()}
    if text is None:
        details = ", ".join(f"{key}={value}" for key, value in shown.items())
        return f"{code} ({details})" if details else code
    if callable(text) and not isinstance(text, Promise):
        return str(text(shown))
    return str(text) % shown if shown else str(text)


def render_or(code: str, params: Mapping[str, Any] | None, fallback: str) -> str:
    """The coded text when a code was stored, else the text stored before codes (``fallback``)."""
    if code:
        return render_code(code, params or {})
    return fallback
