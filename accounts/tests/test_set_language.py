"""The language a person is spoken to in is changed by an action."""

from __future__ import annotations

from typing import Any

from accounts.actions import set_language
from accounts.models import User


def test_the_language_is_saved_on_the_profile(desk: Any) -> None:
    assert set_language(user=desk.lucia, language="fr")
    assert User.objects.get(pk=desk.lucia.pk).language == "fr"


def test_a_language_the_desk_does_not_speak_is_refused_and_nothing_changes(desk: Any) -> None:
    before = User.objects.get(pk=desk.lucia.pk).language
    assert not set_language(user=desk.lucia, language="de")
    assert User.objects.get(pk=desk.lucia.pk).language == before
