"""Every page, e-mail and PDF speaks Spanish, English and French: the catalogues are complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


@pytest.mark.parametrize("language", ["es", "fr"])
def test_every_message_is_translated_with_the_same_placeholders(language):
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    missing, broken = [], []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            missing.append(ids[0])
            continue
        if sorted(PLACEHOLDER.findall(str(ids[0]))) != sorted(PLACEHOLDER.findall(str(strings[0]))):
            broken.append(ids[0])
    assert missing == [], f"{len(missing)} untranslated in {language}: {missing[:10]}"
    assert broken == [], f"placeholders differ in {language}: {broken[:10]}"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("es", "Identificador de cliente"), ("fr", "Identifiant client"), ("en", "Customer identifier")],
)
def test_the_login_page_speaks_the_visitors_language(client, db, language, expected):
    client.cookies["django_language"] = language
    page = client.get("/accounts/login/").text
    assert expected.lower() in page.lower()
    assert f'lang="{language}"' in page
