"""Markdown bodies rendered to HTML that is safe to show: nothing but formatting survives."""

from __future__ import annotations

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


def render_markdown(text: str) -> str:
    """HTML for a message body. Raw HTML in the source is escaped or stripped, links get rel=noopener."""
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
