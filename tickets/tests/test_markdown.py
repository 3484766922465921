"""Message bodies to HTML: the direct path for plain lines gives exactly what the converter gives."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tickets.markdown import _plain_html, _render, render_markdown

# Letters (Spanish, French and others), digits, the punctuation the direct path accepts, and
# characters with a meaning in Markdown or HTML, so that both sides of the line are explored.
ALPHABET = st.sampled_from(
    list("abcXYZñçéÉüß東ا019 .,;:?!¿¡'\"/@%$")
    + ["\n", "\n\n", "  ", "\t", "*", "_", "#", "-", "+", "1.", ">", "<", "&", "`", "[", "]", "(", ")", "\\", "=",
       "|", "~", "\xa0", "<b>", "http://x.example"]
)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(ALPHABET, max_size=30).map("".join))
@example("El servidor no responde")
@example("Hola, ¿qué tal? ¡Bien!\nDesde las 10:00 no hay ping")
@example("a  b")
@example("x  ")
@example("1. uno")
@example("a\n\nb")
def test_plain_lines_render_as_the_converter_renders_them(text: str) -> None:
    plain = _plain_html(text)
    if plain is not None:
        assert plain == _render(text)
    assert render_markdown(text) == _render(text)


def test_what_takes_the_direct_path() -> None:
    assert _plain_html("El servidor no responde") == "<p>El servidor no responde</p>"
    assert _plain_html("Línea uno\nlínea dos") == "<p>Línea uno<br>\nlínea dos</p>"
    for text in ("", "1. uno", "a  ", "*a*", "a\n\nb", "<b>x</b>", " a", "a & b", "_x_"):
        assert _plain_html(text) is None, text


def test_markdown_and_html_still_go_through_the_converter() -> None:
    assert render_markdown("**urgente**") == "<p><strong>urgente</strong></p>"
    assert render_markdown("<script>alert(1)</script>") == _render("<script>alert(1)</script>")
    assert "<script>" not in render_markdown("<script>alert(1)</script>")
