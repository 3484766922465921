"""What a screen shows, kept for the checks, and the checks themselves.

``capture`` reads a page as a person meets it: every text node that is rendered (including text
for screen readers and the options of a menu), the attributes people read or hear (``aria-label``,
``title``, ``placeholder``, ``alt``), the language each is marked with (the nearest ``lang``),
the HTML as served, whether the page scrolls sideways, and what axe-core finds serious.

The checks return what is wrong, as sentences, so a failing test says what a person saw.
"""

from __future__ import annotations

import functools
import html as htmllib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

READ_PAGE = """
() => {
  const texts = [];
  const visible = (el) => {
    if (el.closest('script,style,noscript,template,head')) return false;
    if (el.closest('select,datalist')) return !el.closest('[hidden]');
    return el.checkVisibility ? el.checkVisibility() : !!el.getClientRects().length;
  };
  const langOf = (el) => { const owner = el.closest('[lang]'); return owner ? owner.getAttribute('lang') : ''; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    const el = node.parentElement;
    if (!text || !el || !visible(el)) continue;
    texts.push({text, lang: langOf(el), code: !!el.closest('code,pre,kbd,samp'), tag: el.tagName.toLowerCase()});
  }
  const named = '[aria-label],[title],[placeholder],[alt],input[type=submit][value],input[type=button][value]';
  for (const el of document.body.querySelectorAll(named)) {
    if (!visible(el)) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'value']) {
      if (name === 'value' && !(el.tagName === 'INPUT' && ['submit', 'button'].includes(el.type))) continue;
      const value = (el.getAttribute(name) || '').replace(/\\s+/g, ' ').trim();
      if (value) texts.push({text: value, lang: langOf(el), code: false, tag: el.tagName.toLowerCase() + '@' + name});
    }
  }
  const root = document.documentElement;
  return {
    texts,
    lang: root.getAttribute('lang') || '',
    title: document.title,
    main: (document.querySelector('main') || document.body).innerText,
    overflow: root.scrollWidth > window.innerWidth + 1,
    width: window.innerWidth,
  };
}
"""

AXE_RUN = """
async () => {
  if (typeof axe === 'undefined') return null;
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
}
"""


@dataclass
class Text:
    text: str
    lang: str
    code: bool
    tag: str


@dataclass
class Screen:
    journey: str
    language: str
    step: str
    url: str
    html: str
    main: str
    lang: str
    texts: list[Text]
    shot: Path | None
    overflow: bool
    width: int
    axe: list[dict[str, Any]] | None
    facts: dict[str, Any] = field(default_factory=dict)
    user_texts: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        if self.shot:
            shown = str(self.shot.relative_to(ROOT))
        else:
            shown = "an e-mail" if self.url.startswith("mailto:") else f"{self.url}, no screenshot"
        return f"{self.journey} {self.language} {self.step} ({shown})"


def capture(
    page: Any, *, journey: str, language: str, step: str, shot: Path, facts: dict[str, Any], axe: bool = True
) -> Screen:
    read = page.evaluate(READ_PAGE)
    return Screen(
        journey=journey,
        language=language,
        step=step,
        url=page.url,
        html=page.content(),
        main=read["main"],
        lang=read["lang"],
        texts=[Text(**item) for item in read["texts"]],
        shot=shot,
        overflow=read["overflow"],
        width=read["width"],
        axe=page.evaluate(AXE_RUN) if axe else None,
        facts=facts,
    )


def read_mail(message: Any, *, journey: str, language: str, step: str, facts: dict[str, Any]) -> Screen:
    """An e-mail as its reader meets it: the subject and the plain-text body."""
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    html_part = message.get_body(preferencelist=("html",))
    lines = [str(message["Subject"] or ""), *[line.strip() for line in text.splitlines() if line.strip()]]
    return Screen(
        journey=journey,
        language=language,
        step=step,
        url="mailto:" + str(message["To"]),
        html=html_part.get_content() if html_part is not None else "",
        main="\n".join(lines),
        lang=language,
        texts=[Text(text=line, lang="", code=False, tag="mail") for line in lines],
        shot=None,
        overflow=False,
        width=0,
        axe=None,
        facts={"subject": str(message["Subject"] or ""), "body": text, **facts},
    )


# --- the desk's own words in each language --------------------------------------------------

WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)


def _words(text: str) -> set[str]:
    return {w.casefold() for w in WORD.findall(text)}


def _texts(value: Any) -> list[str]:
    """A catalogue entry's text, or each of its plural forms."""
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value or () if item]


@functools.cache
def words_only_in() -> dict[str, frozenset[str]]:
    """For each language, the words of the desk's interface (its catalogue and the guide's
    names) that the other two languages never use: a Spanish-only word on an English page is
    Spanish text the reader cannot read."""
    import django
    from babel.messages.pofile import read_po

    per_language: dict[str, set[str]] = {"es": set(), "en": set(), "fr": set()}
    msgids: set[str] = set()
    placeholders = re.compile(r"%\(\w+\)[sd]|\{\{.*?\}\}|\{\w+\}|%[sd]")
    django_root = Path(django.__file__).parent
    for code in per_language:
        # The desk's catalogue, and Django's (its forms, the administration): real words of each language.
        sources = [
            ROOT / "locale" / code / "LC_MESSAGES" / "django.po",
            django_root / "conf" / "locale" / code / "LC_MESSAGES" / "django.po",
            django_root / "contrib" / "admin" / "locale" / code / "LC_MESSAGES" / "django.po",
        ]
        for source in sources:
            if not source.exists():
                continue
            with source.open("rb") as handle:
                catalogue = read_po(handle, locale=code)
            for message in catalogue:
                if not message.id:
                    continue
                for text in _texts(message.id):
                    msgids |= _words(placeholders.sub(" ", text))
                for text in _texts(message.string):
                    per_language[code] |= _words(placeholders.sub(" ", text))
    fixture = json.loads((ROOT / "levels" / "fixtures" / "guide.json").read_text())
    for item in fixture:
        for key, value in item["fields"].items():
            if isinstance(value, str) and key[-3:] in {"_es", "_en", "_fr"}:
                per_language[key[-2:]] |= _words(value)
    per_language["en"] |= msgids
    only: dict[str, frozenset[str]] = {}
    for code, words in per_language.items():
        others = set().union(*(w for c, w in per_language.items() if c != code))
        only[code] = frozenset(words - others - SHARED_WORDS)
    return only


# Words spelt the same in two of the languages that the catalogues happen not to show so.
SHARED_WORDS = frozenset(
    {
        "configure",
        "principal",
        "information",
        "general",
        "final",
        "total",
        "normal",
        "local",
        "moderna",
        "simple",
        "sure",
        "note",
        "notes",
        "plan",
        "site",
        "sites",
        "date",
        "service",
        "services",
        "client",
        "pause",
        "support",
        "incident",
        "incidents",
        "interventions",
        "intervention",
        "message",
        "messages",
        "type",
        "types",
        "ticket",
        "tickets",
        "manager",
        "email",
        "e-mail",
        "mail",
        "guide",
        "guides",
    }
)


URL_OR_ADDRESS = re.compile(r"\S+@\S+|\w+://\S+|/[\w./-]+")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _own_text(screen: Screen, text: str) -> str:
    """The part of a text the desk wrote: what people typed (subjects, messages, names,
    references) is taken out."""
    folded = text.casefold()
    for typed in screen.user_texts:
        if folded in typed.casefold():
            return ""
    for typed in screen.user_texts:
        if typed in text:
            text = text.replace(typed, " ")
    return URL_OR_ADDRESS.sub(" ", text)


def other_language_words(screen: Screen) -> list[str]:
    """Text in another language than the page's, not marked with its own ``lang``."""
    only = words_only_in()
    found = []
    for item in screen.texts:
        marked = (item.lang or screen.lang)[:2]
        if item.code or item.tag in {"textarea", "input@value"} or marked != screen.language:
            continue  # code, and what someone is typing, are in their own language
        own = _own_text(screen, item.text)
        for other in ("es", "en", "fr"):
            if other == screen.language:
                continue
            hits = sorted(_words(own) & only[other])
            if hits:
                found.append(f"{other} words {hits} in {item.text[:90]!r} ({item.tag})")
    return found


def spanish_text(screen: Screen) -> list[str]:
    """Spanish words of the desk's interface on an English or French page, not marked lang=es."""
    return [line for line in other_language_words(screen) if line.startswith("es ")]


def raw_codes(screen: Screen) -> list[str]:
    """Identifiers such as ``server_no_ping`` or ``quote_drafted`` shown as text."""
    found = []
    for item in screen.texts:
        own = _own_text(screen, item.text)
        for code in SNAKE.findall(own):
            found.append(f"{code!r} in {item.text[:90]!r} ({item.tag}{', in <code>' if item.code else ''})")
    return found


def no_op_moves(screen: Screen) -> list[str]:
    return [t.text[:90] for t in screen.texts if re.search(r"\b(L[123])\s*→\s*\1\b", t.text)]


def double_periods(screen: Screen) -> list[str]:
    return [t.text[:90] for t in screen.texts if re.search(r"[^.]\.\.(?!\.)", t.text)]


FRENCH_TIGHT = re.compile(r"[^\W\d_)»][:;?!](?=\s|$)|[)»][:;?!](?=\s|$)", re.UNICODE)


def french_spacing(screen: Screen) -> list[str]:
    """French wants a (narrow) no-break space before : ; ? ! — "Ligne incidents :"."""
    if screen.language != "fr":
        return []
    lines = [line.strip() for line in screen.main.splitlines() if line.strip()]
    lines += [t.text for t in screen.texts if "@" in t.tag]
    code = sorted({t.text for t in screen.texts if t.code}, key=len, reverse=True)  # e.g. "Authorization: Bearer"
    found = []
    for line in lines:
        for snippet in code:
            line = line.replace(snippet, " ")
        own = _own_text(screen, line)
        if FRENCH_TIGHT.search(own):
            found.append(repr(line[:100]))
    return found


DJANGO_ENGLISH = (
    "- Select an option -",
    "---------",
    "This field is required.",
    "Enter a valid date.",
    "Enter a valid",
    "Select a valid choice.",
    "Ensure this value",
)


def django_defaults(screen: Screen) -> list[str]:
    """Django's own English (or empty) choices and messages on a page in another language."""
    found = []
    for item in screen.texts:
        for phrase in DJANGO_ENGLISH:
            if phrase in item.text and (phrase == "---------" or screen.language != "en"):
                found.append(f"{phrase!r} in {item.text[:90]!r} ({item.tag})")
    return found


SINGLE_NUMBER_ATTRIBUTES = (
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "width",
    "height",
    "stroke-width",
    "font-size",
    "opacity",
    "fill-opacity",
    "offset",
    "dx",
    "dy",
)
SVG = re.compile(r"<svg\b.*?</svg>", re.S | re.I)
ATTRIBUTE = re.compile(r"""\s([\w:-]+)\s*=\s*("[^"]*"|'[^']*')""")
STYLE_NUMBER = re.compile(r"\d,\d+\s*(?:%|px|em|rem|vw|vh|ch)\b|:\s*-?\d+,\d+\s*[;\"'}]")


def localised_numbers(screen: Screen) -> list[str]:
    """Numbers written with a decimal comma where a machine reads them: SVG geometry, inline CSS,
    JSON and data attributes (Chromium drops ``x="77,6"`` and draws nothing)."""
    found = []
    for svg in SVG.findall(screen.html):
        for name, quoted in ATTRIBUTE.findall(svg):
            value = htmllib.unescape(quoted[1:-1])
            if name.lower() in SINGLE_NUMBER_ATTRIBUTES and "," in value:
                found.append(f'<svg> {name}="{value}"')
            if name.lower() == "viewbox" and re.search(r"\d,\d", value):
                found.append(f'<svg> viewBox="{value}"')
    for name, quoted in ATTRIBUTE.findall(screen.html):
        value = htmllib.unescape(quoted[1:-1])
        if name.lower() == "style" and STYLE_NUMBER.search(value):
            found.append(f'style="{value[:80]}"')
        if name.lower().startswith("data-") and re.fullmatch(r"-?\d+,\d+", value.strip()):
            found.append(f'{name}="{value}"')
    for block in re.findall(r"<style\b[^>]*>(.*?)</style>", screen.html, re.S | re.I):
        for hit in STYLE_NUMBER.findall(block):
            found.append(f"<style> {hit!r}")
    for block in re.findall(
        r"<script\b[^>]*type=[\"']application/(?:ld\+)?json[\"'][^>]*>(.*?)</script>", screen.html, re.S
    ):
        try:
            json.loads(block)
        except ValueError:
            found.append(f"<script type=json> does not parse: {block[:80]!r}")
    return sorted(set(found))


def serious_axe(screen: Screen) -> list[str]:
    if screen.axe is None:
        return []
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['targets']}" for v in screen.axe]


def problems(screens: dict[str, Screen], check: Any, *, steps: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """``check`` on each screen (or those whose step name is in ``steps``): what it found, by
    screen, leaving out the screens where it found nothing."""
    found = {}
    for key, screen in screens.items():
        if steps and key.split("-", 1)[1] not in steps:
            continue
        lines = check(screen)
        if lines:
            found[screen.where] = lines
    return found


def explain(found: dict[str, list[str]]) -> str:
    """What a check found, screen by screen, as a person would report it."""
    return "\n".join(f"{where}:\n  " + "\n  ".join(lines[:8]) for where, lines in found.items())


SWEEP_CHECKS = (
    spanish_text,
    raw_codes,
    django_defaults,
    no_op_moves,
    localised_numbers,
    double_periods,
    french_spacing,
)
