"""Markdown bodies rendered to HTML that is safe to show: nothing but formatting survives."""

from __future__ import annotations

import re
import threading

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


EXTENSIONS = ["fenced_code", "tables", "sane_lists", "nl2br"]

# Building a ``Markdown`` (its extensions and parser) costs more than converting a message, so
# each thread keeps one and resets it between messages (instances are not thread-safe).
_local = threading.local()


def _converter() -> markdown.Markdown:
    converter: markdown.Markdown | None = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
    return converter


# Lines Markdown leaves exactly as they are: a letter first, then letters, digits, single spaces
# and punctuation with no Markdown meaning, no space at the end (two would be a line break). Most
# messages opened in a hurry ("El servidor no responde") are such lines; their HTML is written
# directly, the same as the converter and the sanitiser would give (a property test checks it).
_PLAIN_LINE = re.compile(r"[^\W\d_](?:[^\W_]|[ .,;:?!¿¡'\"/@%$])*(?<! )")


def _plain_html(text: str) -> str | None:
    lines = text.split("\n")
    if not all(_PLAIN_LINE.fullmatch(line) for line in lines):
        return None
    return "<p>" + "<br>\n".join(lines) + "</p>"


def render_markdown(text: str) -> str:
    """HTML for a message body. Raw HTML in the source is escaped or stripped, links get rel=noopener."""
    plain = _plain_html(text)
    return plain if plain is not None else _render(text)


def _render(text: str) -> str:
    converter = _converter()
    try:
        html = converter.convert(text)
    finally:
        converter.reset()
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
