"""Text the desk stores as a code with parameters reads in each reader's language."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from core import stored_text


@pytest.fixture
def texts():
    stored_text.register(
        {
            "test.recovered": gettext_lazy("Monitoring reports the check %(check)s recovered."),
            "test.worded": lambda params: gettext("Stays on level 1") + f" ({params['check']})",
        }
    )


def test_a_coded_text_is_rendered_in_the_active_language(texts):
    value = stored_text.coded("test.recovered", check="ping")
    assert value == {"code": "test.recovered", "params": {"check": "ping"}}
    with translation.override("en"):
        assert stored_text.render(value) == "Monitoring reports the check ping recovered."
    with translation.override("fr"):
        assert stored_text.render(value) == "La supervision signale que la vérification ping est rétablie."
    with translation.override("es"):
        assert "ping" in stored_text.render(value) and "Monitoring" not in stored_text.render(value)


def test_a_text_may_be_worded_by_a_function_and_nested(texts):
    value = stored_text.coded("test.worded", check=stored_text.coded("test.recovered", check="ssh"))
    with translation.override("fr"):
        assert stored_text.render(value) == (
            "Reste au niveau 1 (La supervision signale que la vérification ssh est rétablie.)"
        )


def test_text_stored_before_codes_and_unknown_codes_stay_readable(texts):
    assert stored_text.render("Requiere infogerencia: recompilar PHP.") == "Requiere infogerencia: recompilar PHP."
    assert stored_text.render(None) == ""
    assert stored_text.render_or("", {}, "old text") == "old text"
    assert stored_text.render({"code": "gone.away", "params": {"n": 2}}) == "gone.away (n=2)"
    with pytest.raises(LookupError):
        stored_text.coded("never.registered")
