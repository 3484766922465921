"""Inbound parsing: the real-world corpus, targeted cases, and fuzzing (no exception, nothing lost)."""

from __future__ import annotations

import base64
import quopri
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from notifications.mailparse import (
    ParsedMail,
    html_to_text,
    is_forward_subject,
    parse_message,
    strip_reply,
)

CORPUS = Path(__file__).parent / "corpus"
LIMIT_BYTES = 4096
LIMIT_COUNT = 10


def parse(raw: bytes | str, **limits: int) -> ParsedMail:
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    return parse_message(
        data,
        max_attachment_bytes=limits.get("max_attachment_bytes", LIMIT_BYTES),
        max_attachments=limits.get("max_attachments", LIMIT_COUNT),
        max_depth=limits.get("max_depth", 5),
    )


def no_internal_error(mail: ParsedMail) -> bool:
    return not any(d.startswith(("internal-error", "parse-failed")) for d in mail.defects)


# ---------------------------------------------------------------------------------------------
# Corpus: each <name>.eml has <name>.expected.txt (the stripped body) and a row here.


@dataclass(frozen=True)
class Flags:
    auto: bool = False
    bounce: bool = False
    attachments: int = 0
    rejected: int = 0


CORPUS_FLAGS: dict[str, Flags] = {
    "apple_mail_es": Flags(),
    "dsn_bounce": Flags(auto=True, bounce=True, attachments=2),
    "forwarded_rfc822": Flags(attachments=1),
    "gmail_en_reply": Flags(),
    "gmail_es_reply": Flags(),
    "gmail_fr_forward_inline": Flags(),
    "gmail_fr_reply": Flags(),
    "html_only": Flags(),
    "inline_image_related": Flags(attachments=1),
    "iphone_en": Flags(),
    "iphone_fr": Flags(),
    "latin1_declared_utf8": Flags(),
    "ooo_es": Flags(auto=True),
    "outlook_en_original_message": Flags(),
    "outlook_es_reply": Flags(),
    "outlook_forward_es": Flags(),
    "outlook_fr_reply": Flags(),
    "outlook_mobile_es": Flags(),
    "thunderbird_fr": Flags(),
    "too_big_attachment": Flags(attachments=1, rejected=1),
    "unknown_charset_cp1252": Flags(),
}


def test_it_has_a_flags_row_and_an_expectation_for_every_corpus_message() -> None:
    names = {p.stem for p in CORPUS.glob("*.eml")}
    assert len(names) >= 16
    assert names == set(CORPUS_FLAGS)
    assert all((CORPUS / f"{name}.expected.txt").exists() for name in names)


@pytest.mark.parametrize("name", sorted(CORPUS_FLAGS))
def test_it_strips_each_corpus_message_to_the_expected_body(name: str) -> None:
    mail = parse((CORPUS / f"{name}.eml").read_bytes())
    expected = (CORPUS / f"{name}.expected.txt").read_text(encoding="utf-8").rstrip()
    flags = CORPUS_FLAGS[name]

    assert mail.text.rstrip() == expected
    assert (mail.is_auto_reply, mail.is_bounce) == (flags.auto, flags.bounce)
    assert len(mail.attachments) == flags.attachments
    assert len(mail.rejected_attachments) == flags.rejected
    assert mail.from_address is not None
    assert mail.message_id is not None and "<" not in mail.message_id
    assert expected.splitlines()[0] in mail.full_text
    assert no_internal_error(mail)


def test_it_reads_the_corpus_details_that_intake_relies_on() -> None:
    gmail = parse((CORPUS / "gmail_es_reply.eml").read_bytes())
    assert gmail.from_address == "ana.garcia@webana.example"
    assert gmail.from_name == "Ana García"
    assert gmail.to_addresses == ["soporte+td-1042@tierdesk.example"]
    assert gmail.in_reply_to == "td-1042.1738577520@tierdesk.example"
    assert gmail.references == ["td-1042.1738577520@tierdesk.example"]
    assert gmail.date == datetime(2025, 2, 3, 10, 2, 41, tzinfo=UTC)
    assert gmail.html is not None and "gmail_quote" in gmail.html
    assert "escribió" in gmail.full_text and "escribió" not in gmail.text

    english = parse((CORPUS / "gmail_en_reply.eml").read_bytes())
    assert english.from_address == "john@example-shop.co.uk"  # lower-cased
    assert english.delivered_to == ["support+td-2077@tierdesk.example"]

    outlook = parse((CORPUS / "outlook_es_reply.eml").read_bytes())
    assert outlook.subject == "RE: [#TD-1050] La cuenta de correo no envía correos"
    assert outlook.cc_addresses == ["lucia@ferreteria-martin.example"]

    image = parse((CORPUS / "inline_image_related.eml").read_bytes()).attachments[0]
    assert (image.filename, image.content_type, image.inline, image.content_id) == (
        "captura.png",
        "image/png",
        True,
        "ii_m6q1x2y30",
    )
    assert image.payload.startswith(b"\x89PNG") and image.size == len(image.payload)

    forwarded = parse((CORPUS / "forwarded_rfc822.eml").read_bytes()).attachments[0]
    assert (forwarded.filename, forwarded.content_type) == ("Alerta disco lleno.eml", "message/rfc822")
    assert b"Subject: Alerta: disco lleno en ns3012345" in forwarded.payload

    big = parse((CORPUS / "too_big_attachment.eml").read_bytes())
    assert big.rejected_attachments == [("logs.zip", "too large (10240 bytes, limit 4096)")]
    assert big.attachments[0].filename == "factura.pdf"

    bounce = parse((CORPUS / "dsn_bounce.eml").read_bytes())
    assert bounce.auto_reason is not None and "delivery status report" in bounce.auto_reason
    assert bounce.is_automated


# ---------------------------------------------------------------------------------------------
# strip_reply


@pytest.mark.parametrize(
    "history",
    [
        "El lun, 3 feb 2025 a las 10:12, Soporte <soporte@tierdesk.example> escribió:\n> Hola\n> texto",
        "El lun, 3 feb 2025 a las 10:12, Soporte tierdesk (<soporte@tierdesk.example>)\nescribió:\n\n> Hola",
        "El 3 feb 2025, a las 10:12, Soporte tierdesk\n<soporte@tierdesk.example> escribió:\n> Hola",
        "On Mon, Feb 3, 2025 at 10:12 AM Support <support@tierdesk.example> wrote:\n> Hello",
        "On Mon, Feb 3, 2025 at 10:12 AM tierdesk Support <\nsupport@tierdesk.example> wrote:\n> Hello",
        "Le lun. 3 févr. 2025 à 10:12, Support <support@tierdesk.example> a écrit :\n> Bonjour",
        "Le lun. 3 févr. 2025 à 10:12, Support <support@tierdesk.example> a\nécrit\u202f:\n> Bonjour",
        "Le 03/02/2025 à 10:12, Support tierdesk a écrit\u00a0:\n> Bonjour",
        "Am 03.02.2025 um 10:12 schrieb Support <support@tierdesk.example>:\n> Hallo",
        "De: Soporte <soporte@tierdesk.example>\nEnviado: lunes, 3 de febrero de 2025 10:12\n"
        "Para: Ana <ana@webana.example>\nAsunto: RE: [#TD-1]\n\nHola",
        "De: Soporte <soporte@tierdesk.example>\nEnviado el: lunes, 3 de febrero de 2025 10:12\n"
        "Para: Ana\nCC: Pedro\nAsunto: RE: [#TD-1]\n\nHola",
        "________________________________\nFrom: Support <support@tierdesk.example>\n"
        "Sent: Monday, February 3, 2025 10:12 AM\nTo: Ana\nSubject: RE: [#TD-1]\n\nHello",
        "De : Support <support@tierdesk.example>\nEnvoyé : lundi 3 février 2025 10:12\n"
        "À : Jean\nObjet : RE: [#TD-1]\n\nBonjour",
        "-----Original Message-----\nFrom: Support\nSent: Monday\nTo: Ana\nSubject: x\n\nHello",
        "-----Mensaje original-----\nDe: Soporte\nEnviado el: lunes\nPara: Ana\nAsunto: x\n\nHola",
        "-------- Message d'origine --------\nDe : Support\nDate : 03/02/2025 10:12\nÀ : Jean\n\nBonjour",
        "-------- Mensaje original --------\nAsunto: x\nFecha: lunes\n\nHola",
        "> Hola\n> texto sin cabecera",
        "## Responda por encima de esta línea ##\nHola Ana, su incidencia...",
        "Ana <ana@webana.example> escribió:\n> ## Reply above this line ##\n> Hello",
        "> -- Répondez au-dessus de cette ligne --\n> Bonjour",
    ],
)
def test_it_removes_quoted_history_in_every_client_shape(history: str) -> None:
    reply = "Gracias, ya funciona.\n\nUn saludo,\nAna"
    assert strip_reply(f"{reply}\n\n{history}\n") == reply


@pytest.mark.parametrize(
    "footer",
    [
        "Enviado desde mi iPhone",
        "Sent from my iPhone",
        "Envoyé de mon iPhone",
        "Obtener Outlook para Android",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Obtenir Outlook pour Android",
        "Sent from Mail for Windows",
        "Obtenez Outlook pour Android",
        "Envoyé à partir de Courrier pour Windows",
        "Enviado desde mi smartphone Samsung Galaxy.",
        "-- \nAna García\nWebAna SL\nTel. 600 000 000",
        "--\nAna",
    ],
)
def test_it_removes_signatures_and_mobile_footers(footer: str) -> None:
    assert strip_reply(f"El DNS ya resuelve bien.\n\n{footer}\n") == "El DNS ya resuelve bien."


def test_it_keeps_a_forwarded_message_the_customer_sends_us() -> None:
    text = (
        "Mirad este aviso:\n\n-------- Mensaje reenviado --------\nAsunto: Aviso\nFecha: lunes\n"
        "De: Registro <avisos@registro.example>\nPara: ana@webana.example\n\nSu dominio caduca.\n"
        "> y un texto citado dentro del reenvío"
    )
    assert strip_reply(text) == text


@pytest.mark.parametrize(
    "marker",
    [
        "---------- Forwarded message ---------",
        "---------- Mensaje reenviado ---------",
        "-------- Message transféré --------",
        "Begin forwarded message:",
        "Inicio del mensaje reenviado:",
        "Début du message réexpédié :",
    ],
)
def test_it_keeps_everything_from_a_forward_marker_on(marker: str) -> None:
    forwarded = f"{marker}\nFrom: X <x@example.com>\nDate: Mon, 3 Feb 2025\nSubject: y\nTo: z\n\ncuerpo"
    assert strip_reply(f"Nota -- mirad.\n\n{forwarded}") == f"Nota -- mirad.\n\n{forwarded}"
    assert strip_reply(f"Nota\n\n-- \nAna\n\n{forwarded}") == f"Nota\n\n{forwarded}"


def test_it_keeps_an_outlook_header_block_when_the_subject_says_forward() -> None:
    text = "¿Es phishing?\n\nDe: Registro <a@b.example>\nEnviado el: lunes\nPara: yo\nAsunto: Pague\n\nPague aquí."
    assert strip_reply(text, forwarded=True) == text
    assert strip_reply(text) == "¿Es phishing?"
    assert is_forward_subject("RV: Aviso") and is_forward_subject("TR : Facture")
    assert is_forward_subject("Fwd: x") and is_forward_subject("FW: x")
    assert not is_forward_subject("Re: Fwd: x") and not is_forward_subject("Reenvío de factura")


@pytest.mark.parametrize(
    "text",
    [
        "> todo citado\n> nada nuevo",
        "Enviado desde mi iPhone",
        "-- \nAna",
        "El lun, 3 feb 2025 a las 10:12, Soporte <s@t.example> escribió:\n> Hola",
        "   \n  texto con sangría\n",
    ],
)
def test_it_never_returns_empty_for_a_non_empty_text(text: str) -> None:
    assert strip_reply(text).strip()


def test_it_keeps_prose_that_only_looks_like_headers_or_attributions() -> None:
    prose = [
        "Fecha: mañana\nPara: todos los técnicos\nEl cambio se hará a las 10:00.",
        "El técnico de la mañana escribió:\nque no había problema, pero sigue caído.",
        "Here are the headers of the bounced mail:\n\nReceived: from mx.example\n"
        "From: a@b.example\nTo: c@d.example\nSubject: test\nMessage-ID: <1@b>\n\nbody",
        "Paso 1\n--\nPaso 2\nPaso 3\nPaso 4\nPaso 5\nPaso 6\nPaso 7\nPaso 8\nPaso 9\nPaso 10\nPaso 11\n"
        "Paso 12\nPaso 13\nPaso 14",
        "- el servidor no responde\n- el panel da error 500\nGracias, Ana",
        "Enviado desde mi servidor de pruebas el log de ayer, que adjunto ahora mismo sin cambios.",
    ]
    for text in prose:
        assert strip_reply(text) == text


def test_it_keeps_answers_written_between_quoted_lines() -> None:
    text = (
        "Hola, respondo abajo.\n\n"
        "El lun, 3 feb 2025 a las 10:12, Soporte <soporte@tierdesk.example> escribió:\n"
        "> ¿Qué versión de PHP usa?\n"
        "8.2\n"
        "> ¿Y el panel?\n"
        "Plesk.\n"
        "> Un saludo\n"
    )
    assert strip_reply(text) == text.rstrip().removesuffix("\n> Un saludo")


def test_it_handles_bottom_posting() -> None:
    text = "Le 03/02/2025 à 10:12, Support a écrit :\n> Bonjour,\n> question ?\n\nRéponse en bas.\n\n-- \nLuc\n"
    assert strip_reply(text) == "Réponse en bas."


def test_it_normalises_crlf_and_keeps_indentation() -> None:
    text = "Config:\r\n    listen 80;\r\n    server_name x;\r\n\r\n> citado\r\n"
    assert strip_reply(text) == "Config:\n    listen 80;\n    server_name x;"


# ---------------------------------------------------------------------------------------------
# Headers, auto-replies, bounces

PLAIN = "From: Ana <ana@webana.example>\nTo: soporte@tierdesk.example\nSubject: {subject}\n{extra}\nhola\n"


def plain(subject: str = "Consulta", extra: str = "") -> ParsedMail:
    return parse(PLAIN.format(subject=subject, extra=extra))


@pytest.mark.parametrize(
    "extra",
    [
        "Auto-Submitted: auto-replied\n",
        "Auto-Submitted: auto-generated\n",
        "X-Autoreply: yes\n",
        "X-Autorespond: yes\n",
        "Precedence: bulk\n",
        "Precedence: junk\n",
        "Precedence: list\n",
        "Precedence: auto_reply\n",
        "X-Auto-Response-Suppress: All\n",
        "X-Auto-Response-Suppress: DR, OOF, AutoReply\n",
        "List-Id: <clientes.webana.example>\n",
        "List-Unsubscribe: <mailto:unsubscribe@webana.example>\n",
    ],
)
def test_it_recognises_auto_reply_headers(extra: str) -> None:
    mail = plain(extra=extra)
    assert mail.is_auto_reply and not mail.is_bounce and mail.auto_reason


@pytest.mark.parametrize(
    "subject",
    [
        "Respuesta automática: [#TD-1] Consulta",
        "Fuera de la oficina",
        "Out of Office: [#TD-1]",
        "Automatic reply: [#TD-1] Question",
        "Réponse automatique : [#TD-1] Question",
        "Absence du bureau",
        "Auto: [#TD-1] Question",
        "=?utf-8?q?R=C3=A9ponse_automatique=C2=A0:_x?=",
    ],
)
def test_it_recognises_out_of_office_subjects(subject: str) -> None:
    assert plain(subject=subject).is_auto_reply


def test_it_does_not_flag_an_ordinary_reply() -> None:
    mail = plain(subject="Re: Out of the box install fails", extra="Auto-Submitted: no\nPrecedence: normal\n")
    assert not mail.is_automated and mail.auto_reason is None
    assert not plain(subject="Fwd: Undeliverable: factura").is_bounce


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (PLAIN.format(subject="x", extra="Return-Path: <>\n"), "null Return-Path"),
        ("From: MAILER-DAEMON@mx.example (Mail Delivery System)\nSubject: x\n\nfailed\n", "MAILER-DAEMON"),
        ("From: postmaster@mx.example\nSubject: Undeliverable: x\n\nfailed\n", "postmaster"),
        (PLAIN.format(subject="x", extra="X-Failed-Recipients: a@b.example\n"), "X-Failed-Recipients"),
        (PLAIN.format(subject="Mail delivery failed: returning message to sender", extra=""), "bounce subject"),
        (PLAIN.format(subject="No se puede entregar: factura", extra=""), "bounce subject"),
        (PLAIN.format(subject="Non remis : facture", extra=""), "bounce subject"),
        (
            "From: a@b.example\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
            "--b\nContent-Type: text/plain\n\nfailed\n--b\nContent-Type: message/delivery-status\n\n"
            "Reporting-MTA: dns; x\n\nFinal-Recipient: rfc822; c@d\nAction: failed\n--b--\n",
            "delivery status report",
        ),
    ],
)
def test_it_recognises_bounces(raw: str, reason: str) -> None:
    mail = parse(raw)
    assert mail.is_bounce and mail.auto_reason is not None and reason in mail.auto_reason


def test_it_does_not_take_a_bounce_the_customer_forwards_for_a_bounce() -> None:
    dsn = (CORPUS / "dsn_bounce.eml").read_bytes().decode()
    raw = multipart(
        "Content-Type: text/plain\n\nMi correo rebota, ¿qué pasa?\n",
        f"Content-Type: message/rfc822\n\n{dsn}",
    ).replace("From: a@b.example", "From: ana@webana.example\nSubject: Fwd: Undelivered Mail Returned to Sender")
    mail = parse(raw)
    assert not mail.is_automated, mail.auto_reason
    assert mail.text.startswith("Mi correo rebota, ¿qué pasa?")
    assert "Recipient address rejected" in mail.text


def test_it_treats_postmaster_as_a_person_without_bounce_evidence() -> None:
    mail = parse("From: postmaster@cliente.example\nSubject: Ayuda con SPF\n\nhola\n")
    assert not mail.is_bounce


def test_it_normalises_ids_addresses_and_dates() -> None:
    mail = parse(
        "Message-ID:   <ABC.123@Mail.Example>  \n"
        "In-Reply-To: <td-1@tierdesk.example> (comment)\n"
        "References: <a@x> <b@x>\n <a@x>\tfoo <c@x>\n"
        "From: =?utf-8?q?Garc=C3=ADa=2C_Ana?= <Ana@WebAna.Example>\n"
        'To: a@x.example, "Pérez, Luis" <LUIS@x.example>, not-an-address\n'
        "Cc: undisclosed-recipients:;\n"
        "Date: Mon, 3 Feb 2025 10:12:00 -0000\n"
        "Subject: =?iso-8859-1?q?caf=E9?= =?utf-8?b?w7Fv?= y m\xe1s\n\nhola\n"
    )
    assert mail.message_id == "ABC.123@Mail.Example"
    assert mail.in_reply_to == "td-1@tierdesk.example"
    assert mail.references == ["a@x", "b@x", "c@x"]
    assert (mail.from_name, mail.from_address) == ("García, Ana", "ana@webana.example")
    assert mail.to_addresses == ["a@x.example", "luis@x.example"]
    assert mail.cc_addresses == []
    assert mail.date == datetime(2025, 2, 3, 10, 12, tzinfo=UTC)
    assert mail.subject == "caféño y más"


def test_it_keeps_the_zone_of_the_date_and_survives_a_bad_one() -> None:
    assert plain(extra="Date: Mon, 3 Feb 2025 10:12:00 +0100\n").date == datetime(2025, 2, 3, 9, 12, tzinfo=UTC)
    date = plain(extra="Date: Mon, 3 Feb 2025 10:12:00 +0100\n").date
    assert date is not None and date.utcoffset() == timedelta(hours=1)
    bad = plain(extra="Date: el lunes por la mañana\n")
    assert bad.date is None and any("Date" in d for d in bad.defects)


def test_it_points_at_the_quarantine_when_it_cannot_use_a_message() -> None:
    assert plain().quarantine_reason is None
    assert parse("Subject: x\n\nhola\n").quarantine_reason == "no usable sender address"
    assert parse("From: a@b.example\n\n").quarantine_reason == "no text and no attachment"


# ---------------------------------------------------------------------------------------------
# Charsets


@pytest.mark.parametrize(
    ("charset", "body", "expected"),
    [
        ("utf-8", "La página no carga".encode("latin-1"), "La página no carga"),
        ("iso-8859-1", "La página no carga".encode(), "La página no carga"),
        ("x-unknown", "“Hola” – 5 €".encode("cp1252"), "“Hola” – 5 €"),
        ("us-ascii", "año".encode(), "año"),
        ("utf-16", b"\xff\xfeh\x00\x00", "h"),
        ("unicode-escape", b"\\u0041", "\\u0041"),
        ("base64", b"aG9sYQ==", "aG9sYQ=="),
        ('"', "ñ".encode(), "ñ"),
        ("utf-8", "café".encode("cp1252") + b"\x81", "café\x81"),
    ],
)
def test_it_decodes_wrong_and_unknown_charsets(charset: str, body: bytes, expected: str) -> None:
    raw = b"From: a@b.example\nContent-Type: text/plain; charset=" + charset.encode() + b"\n\n" + body
    mail = parse(raw)
    assert expected in mail.full_text
    assert no_internal_error(mail)


def test_it_decodes_raw_8bit_headers_and_drops_nul_bytes() -> None:
    mail = parse("From: José <jose@x.example>\nSubject: Año nuevo\x00\n\nho\x00la\n".encode())
    assert mail.from_name == "José" and mail.subject == "Año nuevo"
    assert mail.full_text == "hola"


# ---------------------------------------------------------------------------------------------
# Attachments


def multipart(*parts: str, boundary: str = "BOUNDARY", ctype: str = "multipart/mixed") -> str:
    body = "".join(f"--{boundary}\n{part}\n" for part in parts)
    return f'From: a@b.example\nContent-Type: {ctype}; boundary="{boundary}"\n\n{body}--{boundary}--\n'


def attachment(name: str, data: bytes, ctype: str = "application/octet-stream") -> str:
    encoded = base64.b64encode(data).decode()
    return (
        f'Content-Type: {ctype}\nContent-Disposition: attachment; filename="{name}"\n'
        f"Content-Transfer-Encoding: base64\n\n{encoded}\n"
    )


def test_it_keeps_attachments_within_limits_and_records_the_rest() -> None:
    raw = multipart(
        "Content-Type: text/plain\n\nadjuntos\n",
        attachment("a.txt", b"a" * 10),
        attachment("big.bin", b"b" * 101),
        attachment("c.txt", b"c" * 10),
        attachment("d.txt", b"d" * 10),
    )
    mail = parse(raw, max_attachment_bytes=100, max_attachments=2)
    assert [a.filename for a in mail.attachments] == ["a.txt", "c.txt"]
    assert mail.rejected_attachments == [
        ("big.bin", "too large (101 bytes, limit 100)"),
        ("d.txt", "too many attachments (limit 2)"),
    ]
    assert mail.text == "adjuntos"


def test_it_rejects_parts_nested_too_deeply_but_keeps_shallow_text() -> None:
    inner = multipart(attachment("deep.pdf", b"%PDF"), boundary="L3")
    middle = multipart(f'Content-Type: multipart/mixed; boundary="L3"\n\n{inner.split(chr(10), 2)[2]}', boundary="L2")
    raw = multipart(
        "Content-Type: text/plain\n\ntexto visible\n",
        f'Content-Type: multipart/mixed; boundary="L2"\n\n{middle.split(chr(10), 2)[2]}',
    )
    mail = parse(raw, max_depth=2)
    assert mail.text == "texto visible"
    assert mail.attachments == []
    assert mail.rejected_attachments == [("deep.pdf", "nested deeper than 2 levels")]
    assert [a.filename for a in parse(raw, max_depth=3).attachments] == ["deep.pdf"]


def test_it_handles_a_forward_inside_a_forward_to_max_depth() -> None:
    message = "From: x@y.example\nSubject: nivel 0\n\ntexto 0\n"
    for level in range(1, 5):
        message = multipart(
            f"Content-Type: text/plain\n\ntexto {level}\n",
            f"Content-Type: message/rfc822\n\n{message}",
            boundary=f"F{level}",
        ).replace("From: a@b.example\n", f"From: x@y.example\nSubject: nivel {level}\n")
    mail = parse(message, max_depth=5)
    assert mail.text.startswith("texto 4")
    assert "texto 3" in mail.full_text and "texto 2" in mail.full_text
    assert len(mail.attachments) == 1 and mail.attachments[0].filename == "nivel 3.eml"
    shallow = parse(message, max_depth=1)
    assert shallow.rejected_attachments == [("nivel 3.eml", "nested deeper than 1 levels")]
    assert shallow.text == "texto 4"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('filename="../../etc/passwd"', "passwd"),
        ('filename="C:\\\\Users\\\\ana\\\\factura.pdf"', "factura.pdf"),
        ('filename=".htaccess"', "htaccess"),
        ('filename="CON.txt"', "_CON.txt"),
        ('filename="fac\u202etxt.exe"', "fac_txt.exe"),
        ('filename="a<b>:c|d?.txt"', "a_b__c_d_.txt"),
        ("filename*=utf-8''factura%20a%C3%B1o.pdf", "factura año.pdf"),
        ('filename="=?utf-8?q?se=C3=B1al.png?="', "señal.png"),
        (f'filename="{"x" * 300}.pdf"', "x" * 146 + ".pdf"),
        ('filename="..."', "attachment-1.bin"),
    ],
)
def test_it_sanitises_attachment_filenames(header: str, expected: str) -> None:
    raw = multipart(
        "Content-Type: text/plain\n\nver adjunto\n",
        f"Content-Type: application/octet-stream\nContent-Disposition: attachment; {header}\n\nxyz\n",
    )
    assert [a.filename for a in parse(raw).attachments] == [expected]


# ---------------------------------------------------------------------------------------------
# Malformed mail


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b"From: a@b.example\nContent-Type: multipart/mixed\n\nsin boundary pero con texto\n",
        b"From: a@b.example\nContent-Type: multipart/mixed; boundary=x\n\n"
        b"--x\nContent-Type: text/plain\n\ntexto sin cierre\n",
        b"From: a@b.example\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\naG9sYQ=!!\n",
        b"From: a@b.example\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\ncaf=E9=\n=ZZ",
        b"From: =?utf-8?b?!!!?= <a@b.example>\nSubject: =?x-bad?q?=FF?=\n\ntexto",
        b"From a@b Mon Feb  3 10:12:00 2025\nFrom: a@b.example\n\nmbox line first",
        b"Content-Type: message/rfc822\n\nnot a message at all",
        b"Content-Type: text/html\n\n<![if !supportLists]><p>texto</p><![endif]><![CDATA[x]]><!bad",
        b'From: a@b.example\nContent-Type: multipart/alternative; boundary=""\n\n--\n\ntexto\n----\n',
    ],
)
def test_it_survives_malformed_mail(raw: bytes) -> None:
    mail = parse(raw)
    assert no_internal_error(mail)
    assert strip_reply(mail.full_text).strip() or not mail.full_text.strip()


def test_it_salvages_the_text_of_absurdly_nested_mime() -> None:
    raw = b"From: a@b.example\nContent-Type: multipart/mixed; boundary=b0\n\n"
    for level in range(3000):
        raw += b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (level, level + 1)
    raw += b"--b3000\nContent-Type: text/plain\n\nmensaje enterrado\n"
    mail = parse(raw)
    assert "mensaje enterrado" in mail.full_text
    assert mail.quarantine_reason == "the MIME structure could not be parsed"
    assert mail.from_address == "a@b.example"  # the quarantine still shows the sender


def test_it_sends_mail_whose_text_is_buried_too_deep_to_the_quarantine() -> None:
    raw = b"From: a@b.example\nContent-Type: multipart/mixed; boundary=b0\n\n"
    for level in range(8):
        raw += b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (level, level + 1)
    raw += b"--b8\nContent-Type: text/plain\n\nmensaje enterrado\n"
    mail = parse(raw, max_depth=5)
    assert mail.rejected_attachments == [("multipart-mixed-1", "nested deeper than 5 levels")]
    assert mail.quarantine_reason == "its content is nested deeper than the limit"
    assert "mensaje enterrado" in parse(raw, max_depth=10).text


def test_it_reads_the_text_of_multipart_without_boundary() -> None:
    mail = parse(b"From: a@b.example\nContent-Type: multipart/mixed\n\nsin boundary pero con texto\n")
    assert mail.text == "sin boundary pero con texto"


# ---------------------------------------------------------------------------------------------
# HTML to text


def test_it_converts_html_keeping_breaks_and_link_text() -> None:
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<div>Línea 1<br>Línea 2</div><div><a href='https://panel.example/x'>el panel</a> y "
        "<a href='mailto:a@b.example'>a@b.example</a></div><pre>  indent\n  kept</pre>"
        "<blockquote>citado<br>más</blockquote><p>fin&nbsp;&amp;&nbsp;adiós</p></body></html>"
    )
    assert html_to_text(html) == (
        "Línea 1\nLínea 2\nel panel (https://panel.example/x) y a@b.example\n  indent\n  kept\n"
        "> citado\n> más\n\nfin & adiós"
    )


def test_it_takes_the_html_part_when_the_plain_part_is_empty() -> None:
    raw = multipart(
        "Content-Type: text/plain\n\n \n",
        "Content-Type: text/html\n\n<p>solo en html</p>\n",
        ctype="multipart/alternative",
    )
    assert parse(raw).text == "solo en html"


# ---------------------------------------------------------------------------------------------
# Fuzzing: no exception escapes, nothing is lost

FUZZ = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(raw=st.binary(max_size=3000))
def test_fuzz_it_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    mail = parse(raw, max_attachment_bytes=500, max_attachments=2)
    assert no_internal_error(mail)
    assert not mail.full_text.strip() or mail.text.strip()


CORPUS_BYTES = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]


@st.composite
def mutated_corpus(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(CORPUS_BYTES)))
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "delete", "insert", "duplicate", "truncate"]))
        if action == "flip" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        elif action == "delete":
            del data[where : where + draw(st.integers(1, 200))]
        elif action == "insert":
            data[where:where] = draw(st.sampled_from([b"\n", b"\r\n--", b"=?", b"--", b"\x00", b"\xff\xfe", b"<"]))
        elif action == "duplicate":
            data[where:where] = data[where : where + draw(st.integers(1, 300))]
        else:
            del data[where:]
    return bytes(data)


@FUZZ
@given(raw=mutated_corpus())
def test_fuzz_it_never_raises_on_mutated_real_world_shapes(raw: bytes) -> None:
    mail = parse(raw, max_attachment_bytes=500, max_attachments=1)
    assert no_internal_error(mail)
    assert not mail.full_text.strip() or mail.text.strip()


SAFE_HEADERS = ["Subject", "X-Mailer", "Received", "Thread-Topic", "Content-Language", "X-Random", "Comments"]
STRUCTURAL_HEADERS = ["Content-Type", "Content-Transfer-Encoding", "MIME-Version", "Content-Disposition"]
CHARSETS = ["utf-8", "UTF8", "iso-8859-1", "latin1", "windows-1252", "iso-8859-15", "utf-16"]
BCHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? "
#: Western text whose single-byte encodings are never valid multi-byte UTF-8 (no 0x80-0xBF byte).
WESTERN = st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.characters(min_codepoint=0xC0, max_codepoint=0xFF)
ANY_TEXT = st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn"))


def norm(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


@dataclass
class Generated:
    raw: bytes
    bodies: list[str]  # texts that must appear in full_text (unless mutated)
    attachments: list[bytes]  # every attachment part generated, kept or rejected
    mutated: bool  # the bodies may be damaged: only "no exception" is checked
    complete: bool  # untouched: every attachment must be accounted for


@st.composite
def body_text(draw: st.DrawFn, western: bool) -> str:
    alphabet = WESTERN | st.just("\n") if western else ANY_TEXT | st.just("\n")
    return draw(st.text(alphabet, min_size=0, max_size=300))


@st.composite
def text_part(draw: st.DrawFn) -> tuple[bytes, str]:
    """A text/plain part (headers + encoded body) and the body it must decode to."""
    actual = draw(st.sampled_from(CHARSETS))
    western = actual not in ("utf-8", "UTF8", "utf-16")
    body = draw(body_text(western=western or draw(st.booleans())))
    declared: str | None = actual
    label = draw(st.sampled_from(["same", "unknown", "missing", "utf-8"]))
    if label == "unknown" and actual != "utf-16":
        declared = draw(st.sampled_from(["x-unknown", "unknown-8bit", "bogus-charset"]))
    elif label == "missing" and actual in ("utf-8", "UTF8"):
        declared = None
    elif label == "utf-8" and western:
        declared = "utf-8"  # Latin-1 bytes declared as UTF-8
    data = body.encode(actual)
    cte = draw(st.sampled_from(["base64", "quoted-printable", "8bit"] if actual != "utf-16" else ["base64"]))
    if cte == "base64":
        encoded = base64.encodebytes(data)
    elif cte == "quoted-printable":
        encoded = quopri.encodestring(data)
    else:
        encoded = data
    params = f"; charset={declared}" if declared is not None else ""
    head = f"Content-Type: text/plain{params}\nContent-Transfer-Encoding: {cte}\n\n".encode()
    return head + encoded, body


@st.composite
def header_lines(draw: st.DrawFn, names: list[str]) -> bytes:
    out = b""
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.sampled_from(names))
        value = draw(st.text(ANY_TEXT, max_size=60))
        if draw(st.booleans()):
            value = (
                "=?"
                + draw(st.sampled_from(["utf-8", "iso-8859-1", "x-bad"]))
                + "?"
                + draw(st.sampled_from(["q", "b", "z"]))
                + "?"
                + value.replace(" ", "_").replace("?", "")
                + "?="
            )
        folded = value if not draw(st.booleans()) else value[:20] + "\n\t" + value[20:]
        out += f"{name}: {folded}\n".encode("utf-8", "surrogatepass")
    return out


@st.composite
def generated_mail(draw: st.DrawFn) -> Generated:
    sender = draw(
        st.sampled_from([b"Ana <ana@webana.example>", b"=?utf-8?q?Jos=C3=A9?= <jose@x.example>", b"<>", b"\xff@\xfe"])
    )
    msg_id = draw(st.binary(max_size=20)).replace(b"\n", b"").replace(b"\r", b"")
    headers = b"From: " + sender + b"\nMessage-ID: <" + msg_id + b">\n" + draw(header_lines(SAFE_HEADERS))
    part, body = draw(text_part())
    shape = draw(st.sampled_from(["single", "mixed", "alternative", "forward"]))
    bodies = [body]
    attachments: list[bytes] = []
    if shape == "single":
        raw = headers + b"MIME-Version: 1.0\n" + part
        body_end = len(raw)
    else:
        boundary = draw(st.text(st.sampled_from(BCHARS), min_size=1, max_size=70).map(str.rstrip))
        assume(boundary)
        children = [part]
        last_body = 0
        if shape == "alternative":
            html = draw(st.text(WESTERN, max_size=100))
            children.append(b"Content-Type: text/html; charset=utf-8\n\n<p>" + html.encode() + b"</p>")
        if shape == "forward":
            inner_part, inner_body = draw(text_part())
            inner = b"From: x@y.example\nSubject: reenviado\n" + inner_part
            children.append(b"Content-Type: message/rfc822\n\n" + inner)
            bodies.append(inner_body)
            attachments.append(inner)
            last_body = 1
        for _ in range(draw(st.integers(0, 3))):
            payload = draw(st.binary(max_size=800))
            name = draw(st.text(ANY_TEXT, max_size=30)).replace('"', "").replace("\\", "")
            attachments.append(payload)
            children.append(
                f'Content-Type: application/octet-stream\nContent-Disposition: attachment; filename="{name}"\n'
                "Content-Transfer-Encoding: base64\n\n".encode()
                + base64.encodebytes(payload)
            )
        delimiter = b"--" + boundary.encode()
        assume(not any(line.startswith(delimiter) for child in children for line in child.split(b"\n")))
        ctype = "multipart/alternative" if shape == "alternative" else "multipart/mixed"
        raw = headers + f'MIME-Version: 1.0\nContent-Type: {ctype}; boundary="{boundary}"\n\npreamble\n'.encode()
        body_end = 0
        for index, child in enumerate(children):
            raw += delimiter + b"\n" + child
            if index == last_body:
                body_end = len(raw)
            raw += b"\n"
        raw += delimiter + b"--\n"
    if draw(st.booleans()):
        body_end += raw[:body_end].count(b"\n")
        raw = raw.replace(b"\n", b"\r\n")
    mutation = draw(st.sampled_from(["none", "none", "truncate", "structural-header", "garbage"]))
    mutated = mutation in ("structural-header", "garbage")
    if mutation == "truncate":
        cut = draw(st.integers(0, len(raw)))
        mutated = cut < body_end
        raw = raw[:cut]
    elif mutation == "structural-header":
        raw = draw(header_lines(STRUCTURAL_HEADERS)) + raw
    elif mutation == "garbage":
        where = draw(st.integers(0, len(raw)))
        raw = raw[:where] + draw(st.binary(min_size=1, max_size=40)) + raw[where:]
    return Generated(raw, bodies, attachments, mutated, complete=mutation == "none")


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(mail=generated_mail(), max_bytes=st.integers(0, 1000), max_count=st.integers(0, 3))
def test_fuzz_it_loses_nothing_from_structured_mutated_mime(mail: Generated, max_bytes: int, max_count: int) -> None:
    parsed = parse(mail.raw, max_attachment_bytes=max_bytes, max_attachments=max_count)
    assert no_internal_error(parsed)
    assert not parsed.full_text.strip() or parsed.text.strip()
    assert len(parsed.attachments) <= max_count
    for kept in parsed.attachments:
        assert kept.size == len(kept.payload) <= max_bytes
        assert kept.filename and "/" not in kept.filename and "\\" not in kept.filename
        assert not kept.filename.startswith(".") and len(kept.filename) <= 150
    if mail.mutated:
        event("mutated: only robustness checked")
        return
    for body in mail.bodies:
        if body.strip():
            event("body checked")
            assert norm(body) in norm(parsed.full_text)
    if mail.complete:
        event(f"accounted for {len(mail.attachments)} attachment(s), kept {len(parsed.attachments)}")
        assert len(parsed.attachments) + len(parsed.rejected_attachments) == len(mail.attachments)
        files = [a.payload for a in parsed.attachments if a.content_type == "application/octet-stream"]
        assert all(payload in mail.attachments for payload in files)


@FUZZ
@given(
    text=st.text(max_size=400) | st.text(st.sampled_from(list("> -:\nEl On Le escribió wrote a écrit")), max_size=200)
)
def test_fuzz_strip_reply_never_empties_nor_invents_text(text: str) -> None:
    stripped = strip_reply(text)
    if text.strip():
        assert stripped.strip()
    source = {line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")}
    assert all(line.rstrip() in source for line in stripped.split("\n") if line.strip())


HISTORIES = [
    "El lun, 3 feb 2025 a las 10:12, Soporte <soporte@tierdesk.example> escribió:\n> QUOTEDMARK\n> más",
    "El lun, 3 feb 2025 a las 10:12, Soporte tierdesk (<soporte@tierdesk.example>)\nescribió:\n\n> QUOTEDMARK",
    "On Mon, Feb 3, 2025 at 10:12 AM Support <support@tierdesk.example> wrote:\n> QUOTEDMARK",
    "Le lun. 3 févr. 2025 à 10:12, Support <support@tierdesk.example> a écrit :\n> QUOTEDMARK",
    "De: Soporte <s@t.example>\nEnviado el: lunes, 3 de febrero de 2025 10:12\nPara: Ana\nAsunto: RE: x\n\nQUOTEDMARK",
    "________________________________\nFrom: S <s@t.example>\nSent: Monday\nTo: A\nSubject: RE: x\n\nQUOTEDMARK",
    "De : Support <s@t.example>\nEnvoyé : lundi 3 février 2025\nÀ : Jean\nObjet : RE: x\n\nQUOTEDMARK",
    "-----Original Message-----\nFrom: S\nSent: Monday\nTo: A\nSubject: x\n\nQUOTEDMARK",
    "-----Mensaje original-----\nQUOTEDMARK",
    "-------- Message d'origine --------\nQUOTEDMARK",
    "> QUOTEDMARK",
    "",
]
FOOTERS = [
    "-- \nAna SIGMARK",
    "Enviado desde mi iPhone",
    "Sent from my iPhone",
    "Envoyé de mon iPhone",
    "Get Outlook for iOS",
    "Obtener Outlook para Android",
    "",
]
PROSE = st.text(
    st.sampled_from(list("abcdefghijklmnopqrstuvwxyz ÁÉáéíóúñç¿?¡!.,0123456789\n")), min_size=1, max_size=300
)


@FUZZ
@given(words=PROSE, footer=st.sampled_from(FOOTERS), history=st.sampled_from(HISTORIES))
def test_fuzz_strip_reply_keeps_the_customer_words_and_drops_the_history(words: str, footer: str, history: str) -> None:
    assume(words.strip())
    stripped = strip_reply(f"{words}\n\n{footer}\n\n{history}\n")
    assert norm(words) in norm(stripped)
    assert "QUOTEDMARK" not in stripped and "SIGMARK" not in stripped
    assert not footer or footer.splitlines()[0].strip() not in stripped.splitlines()
