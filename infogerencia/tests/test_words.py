"""The level 3 pipeline's words in the reader's language: the steps on the ticket, the operation
report's fields by their labels, and the report e-mailed with French punctuation."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from infogerencia import notify
from infogerencia.tests.test_invoices import finish


def test_the_quotes_steps_are_named_not_coded(client, desk, pipeline):
    quote = pipeline.paid()
    for language, paid in {"en": "Payment received", "es": "Pago recibido", "fr": "Paiement reçu"}.items():
        type(desk.l2_commercial).objects.filter(pk=desk.l2_commercial.pk).update(language=language)
        client.force_login(desk.l2_commercial)
        page = client.get(reverse("infogerencia:staff_quote", args=[quote.number])).text
        steps = page[page.index('id="steps-title"') :]
        assert paid in steps
        for code in ("quote_drafted", "quote_sent", "payment_received"):
            assert code not in steps


def test_the_report_names_its_fields_and_speaks_french_punctuation(desk, pipeline, morning):
    quote = pipeline.paid()
    finish(desk, quote, morning)
    report = quote.intervention.report
    with translation.override("fr"):
        page = render_to_string("infogerencia/_report.html", {"report": report})
        text = notify.report_text(report)
    assert "Version de PHP obtenue" in page and "php_version" not in page and "60 minutes" in page
    assert "Résultat : " in text and "Étapes :" in text and "Temps passé : 60 minutes" in text
    assert "Version de PHP obtenue : ok" in text and "php_version" not in text
    with translation.override("es"):
        assert "Pasos:" in notify.report_text(report)
