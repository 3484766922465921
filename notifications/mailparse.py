"""Inbound e-mail parsing: raw bytes to a `ParsedMail`, HTML to text, reply stripping.

Pure module (no Django import). `parse_message` never raises: whatever it cannot understand it
records in `ParsedMail.defects`, and the caller decides (with `ParsedMail.quarantine_reason`)
whether the message goes to a ticket or to the quarantine.

Reply stripping (`strip_reply`) runs mail-parser-reply first and then our own rules for what it
misses in our customers' languages. Its guiding rule is that the customer's words are never
lost: a rule whose result would be empty is skipped, a forwarded message is content (only the
quoted tail of a reply is removed), and every rule that could eat prose asks for corroborating
evidence (a date, an address, a quoted line below it).
"""

from __future__ import annotations

import codecs
import email
import email.header
import email.parser
import email.utils
import mimetypes
import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from html import unescape
from html.parser import HTMLParser

from mailparser_reply import EmailMessage, EmailReplyParser  # type: ignore[import-untyped,unused-ignore]

__all__ = [
    "Attachment",
    "ParsedMail",
    "html_to_text",
    "is_forward_subject",
    "parse_message",
    "strip_reply",
]

# ---------------------------------------------------------------------------------------------
# Public data


@dataclass(frozen=True)
class Attachment:
    """A file kept from the message; `filename` is a safe basename, never a path."""

    filename: str
    content_type: str
    payload: bytes = field(repr=False)
    size: int
    inline: bool
    content_id: str | None


@dataclass(frozen=True)
class ParsedMail:
    """Everything the intake needs from one inbound message."""

    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    from_address: str | None
    from_name: str | None
    reply_to: list[str]
    to_addresses: list[str]
    cc_addresses: list[str]
    delivered_to: list[str]
    subject: str
    date: datetime | None
    #: The customer's new words: `full_text` with quoted history and signatures stripped.
    text: str
    #: The whole body as text (plain part preferred, else HTML converted), before stripping.
    full_text: str
    #: The HTML body of the top-level message, if it had one.
    html: str | None
    attachments: list[Attachment]
    #: (filename, reason) of parts whose bytes were not kept.
    rejected_attachments: list[tuple[str, str]]
    is_auto_reply: bool
    is_bounce: bool
    auto_reason: str | None
    defects: list[str]

    @property
    def is_automated(self) -> bool:
        """True for auto-replies, bulk mail and bounces: record them, never answer them."""
        return self.is_auto_reply or self.is_bounce

    @property
    def quarantine_reason(self) -> str | None:
        """Why this message cannot go to a ticket as it is, or None when it can."""
        if any(d.startswith((_PARSE_FAILED, _INTERNAL_ERROR)) for d in self.defects):
            return "the MIME structure could not be parsed"
        if self.from_address is None:
            return "no usable sender address"
        if not self.full_text.strip() and not self.attachments:
            if any(reason.startswith("nested deeper") for _name, reason in self.rejected_attachments):
                return "its content is nested deeper than the limit"
            return "no text and no attachment"
        return None


# ---------------------------------------------------------------------------------------------
# parse_message

_PARSE_FAILED = "parse-failed"
_INTERNAL_ERROR = "internal-error"
_MAX_DEFECTS = 200
_FORWARD_HEADER = "---------- Forwarded message ----------"


def parse_message(
    raw: bytes,
    *,
    max_attachment_bytes: int,
    max_attachments: int,
    max_depth: int = 5,
) -> ParsedMail:
    """Parse one raw RFC 5322 message. Never raises for any input bytes.

    Parts nested deeper than `max_depth` (the top-level message is depth 0), attachments larger
    than `max_attachment_bytes` and attachments beyond the first `max_attachments` are not kept;
    each is listed in `rejected_attachments` with the reason.
    """
    defects: list[str] = []
    try:
        return _parse(
            bytes(raw),
            limits=_Limits(max_attachment_bytes, max_attachments, max_depth),
            defects=defects,
        )
    except Exception as exc:  # the contract is "never raises"; the defect says what happened
        defects.append(f"{_INTERNAL_ERROR}: {type(exc).__name__}: {exc}"[:300])
        return _salvage(raw, defects)


@dataclass(frozen=True)
class _Limits:
    max_attachment_bytes: int
    max_attachments: int
    max_depth: int


def _parse(raw: bytes, *, limits: _Limits, defects: list[str]) -> ParsedMail:
    try:
        msg = email.message_from_bytes(raw)
    except Exception as exc:  # RecursionError on absurd nesting, and whatever else the parser hits
        defects.append(f"{_PARSE_FAILED}: {type(exc).__name__}")
        return _salvage(raw, defects)

    walker = _Walker(limits, defects)
    chunks = walker.walk(msg, 0)
    return _assemble(
        _Headers(msg, defects),
        defects,
        full_text="\n\n".join(_trim_text(c.text) for c in chunks if c.text.strip()),
        walker=walker,
    )


def _assemble(headers: _Headers, defects: list[str], *, full_text: str, walker: _Walker | None) -> ParsedMail:
    subject = headers.text("subject")
    from_name, from_address = _first_mailbox(headers.raw("from"), defects)
    report_types = walker.report_types if walker is not None else set()
    is_bounce, is_auto, reasons = _classify(headers, subject, from_address, report_types)
    forwarded = is_forward_subject(subject)
    return ParsedMail(
        message_id=_first_msg_id(headers.raw("message-id")),
        in_reply_to=_first_msg_id(headers.raw("in-reply-to")),
        references=_msg_ids(headers.raw("references")),
        from_address=from_address,
        from_name=from_name,
        reply_to=_addresses(headers.raw("reply-to"), defects),
        to_addresses=_addresses(headers.raw("to"), defects),
        cc_addresses=_addresses(headers.raw("cc"), defects),
        delivered_to=_addresses(
            headers.raw("delivered-to") + headers.raw("x-original-to") + headers.raw("envelope-to"),
            defects,
        ),
        subject=subject,
        date=_parse_date(headers.text("date"), defects),
        text=strip_reply(full_text, forwarded=forwarded) if full_text else "",
        full_text=full_text,
        html=walker.html if walker is not None else None,
        attachments=walker.attachments if walker is not None else [],
        rejected_attachments=walker.rejected if walker is not None else [],
        is_auto_reply=is_auto,
        is_bounce=is_bounce,
        auto_reason="; ".join(reasons) or None,
        defects=_cap(defects),
    )


def _salvage(raw: bytes, defects: list[str]) -> ParsedMail:
    """The MIME structure could not be parsed: keep the headers and the body as text, so the
    quarantine still shows who sent what, and nothing is lost."""
    headers = _Headers(Message(), defects)
    body = b""
    try:
        data = bytes(raw)
        body = data
        msg = email.parser.BytesHeaderParser().parsebytes(data)  # no recursion into the body
        headers = _Headers(msg, defects)
        payload = msg.get_payload()
        body = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    except Exception as exc:
        defects.append(f"{_INTERNAL_ERROR}: salvage: {type(exc).__name__}")
    text = _trim_text(_normalise_text(_decode_bytes(body, None, defects, "body")))
    return _assemble(headers, defects, full_text=text, walker=None)


def _cap(defects: list[str]) -> list[str]:
    if len(defects) <= _MAX_DEFECTS:
        return defects
    return [*defects[:_MAX_DEFECTS], f"... and {len(defects) - _MAX_DEFECTS} more defects"]


# --- charsets --------------------------------------------------------------------------------

_SURROGATES = re.compile("[\ud800-\udfff]")
_SINGLE_BYTE_WESTERN = frozenset({"ascii", "iso8859-1", "iso8859-15", "cp1252"})
_REFUSED_CODECS = frozenset({"unicode-escape", "raw-unicode-escape", "undefined", "punycode"})


def _codec(charset: str | None, defects: list[str], where: str) -> str | None:
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    if name in ("", "unknown-8bit", "x-unknown", "unknown"):
        defects.append(f"unknown charset {name!r} in {where}")
        return None
    try:
        codec = codecs.lookup(name).name.replace("_", "-")
    except Exception:
        defects.append(f"unknown charset {name[:40]!r} in {where}")
        return None
    if codec in _REFUSED_CODECS:
        defects.append(f"refused charset {name[:40]!r} in {where}")
        return None
    return codec


def _decode_bytes(data: bytes, charset: str | None, defects: list[str], where: str) -> str:
    """Decode with the declared charset, then UTF-8, then cp1252, then Latin-1 (never fails).

    Bytes declared as a single-byte Western charset that are valid UTF-8 (and not ASCII) are
    read as UTF-8: mislabelled UTF-8 is common, and real Latin-1 text is almost never valid UTF-8.
    """
    codec = _codec(charset, defects, where)
    if codec in _SINGLE_BYTE_WESTERN and not data.isascii():
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            defects.append(f"{where} declared {codec} but is UTF-8")
            return text
    for candidate in dict.fromkeys((codec, "utf-8", "cp1252")):
        if candidate is None:
            continue
        try:
            text = data.decode(candidate)
        except Exception:  # UnicodeError, LookupError, and codec-specific errors
            if candidate == codec:
                defects.append(f"{where} is not valid {codec}")
            continue
        if candidate != codec and codec is not None:
            defects.append(f"{where} decoded as {candidate}")
        return text
    return data.decode("latin-1")


def _from_8bit(value: str, defects: list[str], where: str) -> str:
    """Header values parsed from bytes carry raw 8-bit bytes as surrogates: decode them."""
    if not _SURROGATES.search(value):
        return value
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        data = value.encode("utf-8", "surrogateescape")
    defects.append(f"raw 8-bit bytes in {where}")
    return _decode_bytes(data, None, defects, where)


def _clean(text: str) -> str:
    """Drop NULs (databases refuse them) and any stray surrogate."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return _SURROGATES.sub("\ufffd", text)


def _trim_text(text: str) -> str:
    """Without leading and trailing blank lines; the first line keeps its indentation."""
    return "\n".join(_trim_blank(text.split("\n"))).rstrip()


def _normalise_text(text: str) -> str:
    return _clean(text.replace("\r\n", "\n").replace("\r", "\n"))


# --- headers ---------------------------------------------------------------------------------

_FOLD = re.compile(r"\r?\n(?=[ \t])")
_LINE_BREAKS = re.compile(r"[\r\n]+")


class _Headers:
    """Raw header values by lower-cased name, decoded on demand."""

    def __init__(self, msg: Message, defects: list[str]) -> None:
        self._defects = defects
        self._values: dict[str, list[str]] = {}
        try:
            items = list(msg.raw_items())
        except Exception as exc:
            defects.append(f"unreadable headers: {type(exc).__name__}")
            items = []
        for name, value in items:
            key = str(name).strip().lower()
            text = _from_8bit(str(value), defects, f"header {key[:40]}")
            text = _LINE_BREAKS.sub(" ", _FOLD.sub("", text)).strip()
            self._values.setdefault(key, []).append(_clean(text))

    def raw(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def first(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[0] if values else None

    def text(self, name: str) -> str:
        value = self.first(name)
        return _decode_words(value, self._defects) if value is not None else ""


def _decode_words(value: str, defects: list[str]) -> str:
    """Decode RFC 2047 encoded words; undecodable words are kept as they are."""
    if "=?" not in value:
        return value
    try:
        parts = email.header.decode_header(value)
    except Exception as exc:
        defects.append(f"bad encoded word: {type(exc).__name__}")
        return value
    out: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            if charset is None:
                out.append(chunk.decode("raw-unicode-escape", "replace"))
            else:
                out.append(_decode_bytes(chunk, str(charset), defects, "encoded word"))
        else:
            out.append(str(chunk))
    return _clean(" ".join(_LINE_BREAKS.split("".join(out))))


_ADDR_SPEC = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+$")


def _mailboxes(values: Iterable[str], defects: list[str]) -> list[tuple[str, str]]:
    result: list[tuple[str, str]] = []
    for value in values:
        try:
            pairs = email.utils.getaddresses([value])
        except Exception as exc:
            defects.append(f"unparseable address list: {type(exc).__name__}")
            continue
        for name, addr in pairs:
            addr = addr.strip().lower()
            if not addr:
                continue
            if not _ADDR_SPEC.match(addr):
                defects.append(f"invalid address {addr[:80]!r}")
                continue
            result.append((_decode_words(name, defects).strip(), addr))
    return result


def _addresses(values: Iterable[str], defects: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for _name, addr in _mailboxes(values, defects):
        seen.setdefault(addr, None)
    return list(seen)


def _first_mailbox(values: list[str], defects: list[str]) -> tuple[str | None, str | None]:
    boxes = _mailboxes(values[:1], defects)
    if not boxes:
        return None, None
    name, addr = boxes[0]
    return (name or None), addr


_MSG_ID = re.compile(r"<([^<>\s]+)>")


def _msg_ids(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        found = _MSG_ID.findall(value)
        if not found and value.strip() and not any(c.isspace() for c in value.strip()):
            found = [value.strip()]
        for msg_id in found:
            seen.setdefault(msg_id, None)
    return list(seen)


def _first_msg_id(values: list[str]) -> str | None:
    ids = _msg_ids(values[:1])
    return ids[0] if ids else None


def _parse_date(value: str, defects: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except Exception:
        defects.append(f"unparseable Date {value[:60]!r}")
        return None
    if parsed.tzinfo is None:  # "-0000": the zone is unknown; RFC 5322 says treat it as UTC
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


# --- MIME tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    kind: str  # "plain", "html" or "forward"
    text: str


class _Walker:
    """Walks the MIME tree once, collecting body chunks, attachments and rejections."""

    def __init__(self, limits: _Limits, defects: list[str]) -> None:
        self.limits = limits
        self.defects = defects
        self.attachments: list[Attachment] = []
        self.rejected: list[tuple[str, str]] = []
        self.html: str | None = None
        self.report_types: set[str] = set()
        self._in_forward = 0
        self._unnamed = 0

    def walk(self, part: Message, depth: int) -> list[_Chunk]:
        self._note_defects(part)
        ctype = _content_type(part)
        if part.is_multipart():
            children = [c for c in _payload_list(part) if isinstance(c, Message)]
            if ctype.startswith("message/"):
                return self._message(part, ctype, children, depth)
            if depth + 1 > self.limits.max_depth:
                for child in children:
                    self._reject_deep(child)
                return []
            if ctype == "multipart/report" and depth == 0:
                report_type = _param(part, "report-type")
                if report_type:
                    self.report_types.add(report_type.lower())
            if ctype == "multipart/alternative":
                return self._alternative(children, depth + 1)
            chunks: list[_Chunk] = []
            for child in children:
                chunks.extend(self.walk(child, depth + 1))
            return chunks
        return self._leaf(part, ctype, depth)

    def _alternative(self, children: list[Message], depth: int) -> list[_Chunk]:
        branches = [self.walk(child, depth) for child in children]
        with_text = [b for b in branches if any(c.text.strip() for c in b)]
        for branch in with_text:
            if all(c.kind != "html" for c in branch):
                return branch
        return with_text[-1] if with_text else []

    def _leaf(self, part: Message, ctype: str, depth: int) -> list[_Chunk]:
        disposition = _disposition(part)
        filename = _filename(part, self.defects)
        if ctype.startswith("multipart/"):
            self.defects.append(f"{ctype} without usable boundary; read as text")
            ctype = "text/plain"
        is_body = ctype in ("text/plain", "text/html") and disposition != "attachment"
        if is_body and not filename:
            text = _normalise_text(
                _decode_bytes(_payload_bytes(part, self.defects), _charset(part), self.defects, ctype)
            )
            if ctype == "text/html":
                if self.html is None and not self._in_forward:
                    self.html = text
                return [_Chunk("html", html_to_text(text))]
            if (_param(part, "format") or "").lower() == "flowed":
                text = _unflow(text, delsp=(_param(part, "delsp") or "").lower() == "yes")
            return [_Chunk("plain", text)]
        if self._in_forward:
            return []
        self._attach(part, ctype, filename, disposition)
        return []

    def _message(self, part: Message, ctype: str, children: list[Message], depth: int) -> list[_Chunk]:
        """message/rfc822 (a forwarded mail) or another message/* container."""
        if ctype not in ("message/rfc822", "message/global") or not children:
            if not self._in_forward:
                data = b"\n".join(_as_bytes(c, self.defects) for c in children)
                self._attach_bytes(_filename(part, self.defects), ctype, data, False, None)
            if ctype == "message/delivery-status" and not self._in_forward:
                self.report_types.add("delivery-status")  # a bounce the customer forwards is theirs
            return []
        inner = children[0]
        subject = _Headers(inner, self.defects).text("subject")
        if not self._in_forward:
            name = _filename(part, self.defects) or f"{subject or 'forwarded-message'}.eml"
            if depth + 1 > self.limits.max_depth:
                self._reject(name, f"nested deeper than {self.limits.max_depth} levels")
                return []
            self._attach_bytes(name, "message/rfc822", _as_bytes(inner, self.defects), False, None)
        elif depth + 1 > self.limits.max_depth:
            self.defects.append(f"forwarded message nested deeper than {self.limits.max_depth} levels")
            return []
        self._in_forward += 1
        try:
            body = "\n\n".join(_trim_text(c.text) for c in self.walk(inner, depth + 1) if c.text.strip())
        finally:
            self._in_forward -= 1
        return [_Chunk("forward", _render_forward(inner, body, self.defects))]

    def _attach(self, part: Message, ctype: str, filename: str | None, disposition: str | None) -> None:
        content_id = _content_id(part)
        inline = disposition == "inline" or (disposition is None and content_id is not None)
        name = filename or ""
        if len(self.attachments) >= self.limits.max_attachments:
            self._reject(self._name(name, ctype), f"too many attachments (limit {self.limits.max_attachments})")
            return
        self._attach_bytes(name, ctype, _payload_bytes(part, self.defects), inline, content_id)

    def _attach_bytes(
        self, filename: str | None, ctype: str, data: bytes, inline: bool, content_id: str | None
    ) -> None:
        name = self._name(filename or "", ctype)
        if len(self.attachments) >= self.limits.max_attachments:
            self._reject(name, f"too many attachments (limit {self.limits.max_attachments})")
        elif len(data) > self.limits.max_attachment_bytes:
            self._reject(name, f"too large ({len(data)} bytes, limit {self.limits.max_attachment_bytes})")
        else:
            self.attachments.append(Attachment(name, ctype, data, len(data), inline, content_id))

    def _reject_deep(self, part: Message) -> None:
        if self._in_forward:
            self.defects.append("part nested too deeply inside a forwarded message")
            return
        name = self._name(_filename(part, self.defects) or "", _content_type(part))
        self._reject(name, f"nested deeper than {self.limits.max_depth} levels")

    def _reject(self, name: str, reason: str) -> None:
        self.rejected.append((name, reason))
        self.defects.append(f"attachment {name!r} rejected: {reason}")

    def _name(self, filename: str, ctype: str) -> str:
        name = _safe_filename(filename)
        if name:
            return name
        self._unnamed += 1
        maintype, _, subtype = ctype.partition("/")
        stem = maintype if maintype in ("image", "audio", "video") else "attachment"
        if maintype in ("message", "text", "multipart") and re.fullmatch(r"[a-z0-9][a-z0-9.+-]{0,40}", subtype):
            stem = f"multipart-{subtype}" if maintype == "multipart" else subtype
        return f"{stem}-{self._unnamed}{_extension(ctype)}"

    def _note_defects(self, part: Message) -> None:
        for defect in getattr(part, "defects", []):
            self.defects.append(type(defect).__name__)


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "text/plain"


def _param(part: Message, name: str) -> str | None:
    try:
        value = part.get_param(name)
    except Exception:
        return None
    if isinstance(value, tuple):
        value = email.utils.collapse_rfc2231_value(value)
    return value if isinstance(value, str) else None


def _charset(part: Message) -> str | None:
    try:
        charset = part.get_content_charset()
    except Exception:
        return None
    return charset if isinstance(charset, str) else None


def _disposition(part: Message) -> str | None:
    try:
        value = part.get_content_disposition()
    except Exception:
        return None
    return value if value in ("inline", "attachment") else None


def _filename(part: Message, defects: list[str]) -> str | None:
    try:
        name = _decoded_param_holder(part, defects).get_filename()
    except Exception as exc:
        defects.append(f"unreadable filename: {type(exc).__name__}")
        return None
    if not isinstance(name, str) or not name.strip():
        return None
    return _decode_words(_from_8bit(name, defects, "filename"), defects)


def _decoded_param_holder(part: Message, defects: list[str]) -> Message:
    """`part`, or when its Content-Type/Content-Disposition carry raw 8-bit bytes (a UTF-8
    filename sent unencoded), a stand-in with those two headers decoded: the stdlib would
    otherwise turn every such byte into U+FFFD before we see the filename."""
    raw = [(str(k), str(v)) for k, v in part.raw_items() if str(k).lower() in _PARAM_HEADERS]
    if not any(_SURROGATES.search(value) for _name, value in raw):
        return part
    holder = Message()
    for name, value in raw:
        holder[name] = _LINE_BREAKS.sub(" ", _FOLD.sub("", _from_8bit(value, defects, name.lower())))
    return holder


_PARAM_HEADERS = frozenset({"content-type", "content-disposition"})


def _content_id(part: Message) -> str | None:
    try:
        value = part.get("Content-ID")
    except Exception:
        return None
    if value is None:
        return None
    text = _clean(str(value)).strip().strip("<>").strip()
    return text[:250] or None


def _payload_list(part: Message) -> list[object]:
    try:
        payload = part.get_payload()
    except Exception:
        return []
    return list(payload) if isinstance(payload, list) else []


def _payload_bytes(part: Message, defects: list[str]) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:
        defects.append(f"undecodable payload: {type(exc).__name__}")
        data = None
    if isinstance(data, bytes):
        return data
    try:
        payload = part.get_payload()
    except Exception:
        return b""
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _as_bytes(msg: Message, defects: list[str]) -> bytes:
    try:
        return msg.as_bytes()
    except Exception as exc:
        defects.append(f"could not re-serialise a nested message: {type(exc).__name__}")
    try:
        return msg.as_string().encode("utf-8", "surrogateescape")
    except Exception:
        return b""


def _render_forward(inner: Message, body: str, defects: list[str]) -> str:
    headers = _Headers(inner, defects)
    lines = [_FORWARD_HEADER]
    for label in ("From", "Date", "Subject", "To", "Cc"):
        value = headers.text(label.lower())
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines) + "\n\n" + body


def _unflow(text: str, *, delsp: bool) -> str:
    """Undo RFC 3676 format=flowed soft line breaks."""
    out: list[str] = []
    pending: str | None = None
    pending_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        soft = content.endswith(" ") and content != "-- "
        if soft and delsp:
            content = content[:-1]
        if pending is not None and depth == pending_depth:
            pending += content
        else:
            if pending is not None:
                out.append(_quote_prefix(pending_depth) + pending)
            pending, pending_depth = content, depth
        if not soft:
            out.append(_quote_prefix(pending_depth) + pending)
            pending = None
    if pending is not None:
        out.append(_quote_prefix(pending_depth) + pending)
    return "\n".join(out)


def _quote_prefix(depth: int) -> str:
    return "> " * depth


_UNSAFE_FILENAME = re.compile('[\x00-\x1f\x7f<>:"|?*\u200e\u200f\u202a-\u202e\u2066-\u2069]')
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
)


def _safe_filename(name: str) -> str:
    """A basename safe on any file system: no path, no control or bidi characters, <= 150 chars."""
    name = unicodedata.normalize("NFC", _clean(name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME.sub("_", name).strip().strip(".").strip()
    if not name:
        return ""
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    stem, ext = posixpath.splitext(name)
    ext = ext[:16]
    return stem[: 150 - len(ext)] + ext


def _extension(ctype: str) -> str:
    if ctype.startswith("multipart/"):
        return ""
    guessed = mimetypes.guess_extension(ctype, strict=False)
    if guessed:
        return guessed
    return ".txt" if ctype.startswith(("text/", "message/")) else ".bin"


# --- auto-replies and bounces ----------------------------------------------------------------

_OOO_SUBJECT = re.compile(
    r"^\s*(?:respuesta\s+autom[áa]tica|fuera\s+de\s+(?:la\s+)?oficina|out\s+of\s+(?:the\s+)?office"
    r"|automatic\s+reply|auto[-\s]?reply|autoreply|r[ée]ponse\s+automatique|absen(?:ce|t)\s+du\s+bureau"
    r"|auto\s*:|abwesenheitsnotiz|automatische\s+antwort)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:undeliverable\s*:|undelivered\s+mail|delivery\s+status\s+notification|mail\s+delivery\s+fail"
    r"|returned\s+mail\s*:|failure\s+notice|delivery\s+failure|no\s+se\s+puede\s+entregar|mensaje\s+no\s+entregado"
    r"|notificaci[óo]n\s+de\s+estado\s+de\s+(?:la\s+)?entrega|non\s+remis\s*:|[ée]chec\s+de\s+(?:la\s+)?remise"
    r"|message\s+non\s+(?:remis|d[ée]livr[ée]))",
    re.IGNORECASE,
)
_AUTO_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
_SUPPRESS_TOKENS = frozenset({"all", "oof", "autoreply"})


def _classify(
    headers: _Headers, subject: str, from_address: str | None, report_types: set[str]
) -> tuple[bool, bool, list[str]]:
    """(is_bounce, is_auto_reply, reasons) from RFC 3834 headers and common practice."""
    bounce: list[str] = []
    auto: list[str] = []
    local = from_address.split("@", 1)[0] if from_address else ""
    if "delivery-status" in report_types:
        bounce.append("delivery status report")
    if local == "mailer-daemon":
        bounce.append("sent by MAILER-DAEMON")
    return_path = headers.first("return-path")
    if return_path is not None and return_path.replace(" ", "") == "<>":
        bounce.append("null Return-Path")
    if headers.first("x-failed-recipients"):
        bounce.append("X-Failed-Recipients")
    if _BOUNCE_SUBJECT.match(subject):
        bounce.append("bounce subject")
    if local == "postmaster" and (bounce or report_types):
        bounce.append("sent by postmaster")
    if "disposition-notification" in report_types:
        auto.append("read receipt")

    auto_submitted = (headers.first("auto-submitted") or "").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        auto.append(f"Auto-Submitted: {auto_submitted}")
    for name in ("x-autoreply", "x-autorespond", "x-autogenerated", "x-auto-reply"):
        if headers.first(name) is not None:
            auto.append(f"{name} header")
    precedence = (headers.first("precedence") or "").strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        auto.append(f"Precedence: {precedence}")
    suppress = {t.lower() for t in re.split(r"[\s,]+", headers.first("x-auto-response-suppress") or "") if t}
    if suppress & _SUPPRESS_TOKENS:
        auto.append("X-Auto-Response-Suppress: " + ", ".join(sorted(suppress & _SUPPRESS_TOKENS)))
    if headers.first("list-id") is not None or headers.first("list-unsubscribe") is not None:
        auto.append("mailing list (bulk)")
    if _OOO_SUBJECT.match(subject):
        auto.append("out-of-office subject")
    return bool(bounce), bool(auto), bounce + auto


_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|rv|tr|enc|wg)\s*:", re.IGNORECASE)


def is_forward_subject(subject: str) -> bool:
    """True when the subject's first prefix marks a forward (Fwd:, FW:, RV:, TR:, Enc:, WG:)."""
    return bool(_FORWARD_SUBJECT.match(subject))


# ---------------------------------------------------------------------------------------------
# HTML to text


class _HTMLToText(HTMLParser):
    _SKIP = frozenset({"script", "style", "title", "template", "noscript"})
    _BLOCK = frozenset(
        {
            "address", "article", "aside", "center", "dd", "div", "dl", "dt", "figcaption", "figure",
            "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "li", "main", "nav", "ol",
            "p", "pre", "section", "table", "tbody", "tfoot", "thead", "tr", "ul",
        }
    )  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._buf: list[str] = []
        self._started = False  # the current line has content (maybe only spaces, inside <pre>)
        self._has_text = False  # ... and some of it is not whitespace
        self._ends_space = False
        self._touched = False  # an &nbsp; or text arrived since the last line break
        self._quote = 0
        self._line_quote = 0
        self._skip = 0
        self._pre = 0
        self._links: list[tuple[str, list[str]]] = []
        self._paragraphs: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "br":
            self._newline()
        elif tag == "blockquote":
            self._ensure_newline()
            self._quote += 1
        elif tag == "hr":
            self._ensure_newline()
            self._write("----------")
            self._newline()
        elif tag == "li":
            self._ensure_newline()
            self._write("- ")
        elif tag in ("td", "th"):
            if self._started and not self._ends_space:
                self._write(" ")
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt and not self._skip:
                self._write(f"[image: {alt}]")
        elif tag == "a":
            if self._links:  # <a> cannot nest: like a browser, a new one closes the open one
                self._close_link()
            self._links.append(((dict(attrs).get("href") or "").strip(), []))
        elif tag in self._BLOCK:
            self._ensure_newline()
            if tag == "pre":
                self._pre += 1
            elif tag == "p":
                # Word's MsoNormal paragraphs have no margin (blank lines are explicit &nbsp;
                # paragraphs); any other <p> reads as a paragraph with a blank line around it.
                spaced = "msonormal" not in (dict(attrs).get("class") or "").lower()
                self._paragraphs.append(spaced)
                if spaced:
                    self._blank_line()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "blockquote":
            self._ensure_newline()
            self._quote = max(0, self._quote - 1)
        elif tag == "a" and self._links:
            self._close_link()
        elif tag in self._BLOCK:
            if tag == "pre":
                self._pre = max(0, self._pre - 1)
            self._ensure_newline()
            if tag == "p" and self._paragraphs and self._paragraphs.pop():
                self._blank_line()

    def _close_link(self) -> None:
        """Keep the link text; add the address after it when it says something the text does not."""
        href, parts = self._links.pop()
        text = " ".join("".join(parts).split())
        if text and href.lower().startswith(("http://", "https://")) and href.rstrip("/") != text.rstrip("/"):
            self._write(f" ({href})")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre:
            first, *rest = data.replace("\r\n", "\n").split("\n")
            self._write(first, raw=True)
            for piece in rest:
                self._newline()
                self._write(piece, raw=True)
            return
        if "\xa0" in data:
            self._touched = True
        text = " ".join(data.split())
        if data[:1].isspace():
            text = " " + text
        if data[-1:].isspace() and text.strip():
            text += " "
        self._write(text)

    def _write(self, text: str, *, raw: bool = False) -> None:
        if not raw and (not self._started or self._ends_space):
            text = text.lstrip()
        if not text:
            return
        if not self._started:
            self._line_quote = self._quote
        self._buf.append(text)
        self._started = True
        self._has_text = self._has_text or not text.isspace()
        self._ends_space = text[-1].isspace()
        self._touched = True
        for _href, parts in self._links:
            parts.append(text)

    def _newline(self) -> None:
        line = "".join(self._buf).rstrip()
        depth = self._line_quote if line else self._quote
        prefix = "> " * depth
        self.lines.append((prefix + line) if line else prefix.rstrip())
        self._buf = []
        self._started = self._has_text = self._ends_space = self._touched = False
        self._line_quote = self._quote

    def _blank_line(self) -> None:
        if self.lines and self.lines[-1].strip(" >"):
            self._newline()

    def _ensure_newline(self) -> None:
        if self._has_text or self._touched:
            self._newline()

    def text(self) -> str:
        if self._has_text:
            self._newline()
        out: list[str] = []
        for line in self.lines:  # at most one blank line in a row
            if not line.strip(" >") and out and not out[-1].strip(" >"):
                continue
            out.append(line)
        return "\n".join(out).strip("\n")


_TAG = re.compile(r"<[^>]*>")


def html_to_text(html: str) -> str:
    """Readable text from HTML: line breaks and link text kept, scripts and styles dropped,
    <blockquote> content prefixed with "> " (so reply stripping treats it as quoted history).
    """
    try:
        parser = _HTMLToText()
        parser.feed(html)
        parser.close()
        text = parser.text()
    except Exception:
        text = ""
    if not text.strip() and _TAG.sub("", html).strip():
        text = " ".join(unescape(_TAG.sub(" ", html)).split())
    return _clean(text)


# ---------------------------------------------------------------------------------------------
# Reply stripping

#: mail-parser-reply, with the languages our customers write in (and German, which it knows well).
_REPLY_PARSER = EmailReplyParser(languages=["es", "en", "fr", "de"])

_QUOTED = re.compile(r"^\s*>")
#: Forwarded content starts here; everything from this line on is kept.
_FORWARD_MARKER = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded\s+message|original\s+forwarded\s+message|mensaje\s+reenviado"
    r"|message\s+transf[ée]r[ée]|message\s+r[ée]exp[ée]di[ée]|weitergeleitete\s+nachricht)\s*-{2,}"
    r"|begin\s+forwarded\s+message\s*:|inicio\s+del\s+mensaje\s+reenviado\s*:"
    r"|d[ée]but\s+du\s+message\s+r[ée]exp[ée]di[ée]\s*:|anfang\s+der\s+weitergeleiteten\s+nachricht\s*:)\s*$",
    re.IGNORECASE,
)
#: "-----Original Message-----" and its translations: a reply's quoted history starts here.
_ORIGINAL_MARKER = re.compile(
    r"^[\s>]*-{2,}\s*(?:original\s+message|mensaje\s+original|message\s+d['’]origine|message\s+original"
    r"|urspr[üu]ngliche\s+nachricht|originalnachricht)\s*-{2,}\s*$",
    re.IGNORECASE,
)
#: Attribution lines, possibly wrapped: "El lun, 3 feb 2025 a las 10:12, Ana <a@b.c> escribió:".
_ATTRIBUTION = re.compile(
    r"^(?:>\s?)*\s*(?:On\s.+\bwrote|El\s.+\bescribi[óo]|Le\s.+\ba\s+[ée]crit|Am\s.+\bschrieb\b.*)\s*:\s*$",
    re.DOTALL,
)
_ATTRIBUTION_START = re.compile(r"^(?:>\s?)*\s*(?:On|El|Le|Am)\s")
_LOOSE_ATTRIBUTION = re.compile(
    r"(?:\bwrote|\bescribi[óo]|\ba\s+[ée]crit|\bschrieb\b.*|[ée]crivait|\bha\s+escrito)\s*:\s*$", re.IGNORECASE
)


def _is_loose_attribution(line: str) -> bool:
    """A line ending like an attribution ("... wrote:", "... escribió:", "... a écrit :")."""
    stripped = line.rstrip()
    return stripped.endswith(":") and bool(_LOOSE_ATTRIBUTION.search(stripped))


_TIME = re.compile(r"\d{1,2}[:.h]\d{2}")
_RULE_LINE = re.compile(r"^\s*(?:[-_=*~]\s*){4,}$")
_LONG_RULE = re.compile(r"^[_-]{32,}")
_HEADER_FROM = re.compile(r"^(?:>\s?)*\s*\**(?:From|De|Von)\s*\**\s*:")
_HEADER_OTHER = re.compile(
    r"^(?:>\s?)*\s*\**(Sent|Date|To|Cc|CC|Subject|Enviado(?:\s+el)?|Fecha|Para|Asunto|Envoy[ée](?:\s+le)?"
    r"|[ÀA]|Objet|Gesendet|An|Betreff|Datum)\s*\**\s*:"
)
#: Lines that only occur in raw headers pasted into a message, never in a mail client's quote header.
_RAW_HEADER = re.compile(
    r"^\s*(?:Received|Return-Path|Message-I[Dd]|DKIM-Signature|Authentication-Results|ARC-[\w-]+|X-[\w-]+"
    r"|MIME-Version|Content-Type|Content-Transfer-Encoding|Delivered-To|Reply-To)\s*:"
)
_MOBILE_FOOTER = re.compile(
    r"^\s*(?:(?:sent|enviado|envoy[ée])\s+(?:from|desde|de|depuis|with|con|avec|[àa]\s+partir\s+de)\s+"
    r"(?:(?:my|mi|mon|ma)\s+[\w\-\s,]{1,40}[.!]?|(?:outlook|mail|correo|courrier|yahoo|gmail|proton\s?mail|samsung"
    r"|android|ios|blackberry|aol)\b.{0,50})"
    r"|(?:get|obtener|obtenir|obtenez|t[ée]l[ée]charger|t[ée]l[ée]chargez|descargar|download)\s+outlook\s+"
    r"(?:for|para|pour)\s+\S.{0,60})$",
    re.IGNORECASE,
)
#: A line our own notifications can carry; in a reply it can only be part of the quoted mail.
_REPLY_ABOVE = re.compile(
    r"(?:reply\s+above\s+this\s+line|responda\s+por\s+encima\s+de\s+esta\s+l[íi]nea"
    r"|r[ée]pondez\s+au[-\s]dessus\s+de\s+cette\s+ligne)",
    re.IGNORECASE,
)
_MAX_SIGNATURE_LINES = 12
_LIBRARY_MAX_LINE = 300
_LIBRARY_MAX_LINES = 2000


def strip_reply(text: str, *, forwarded: bool = False) -> str:
    """The customer's new words: quoted history, attributions and signatures removed.

    Forwarded content is kept: from the first forward marker ("---------- Forwarded message",
    "Mensaje reenviado", "Message transféré", "Begin forwarded message:", ...) to the end, or,
    with `forwarded=True` (the subject says Fwd:/RV:/TR:), from the first reply header on.
    Never returns an empty string for a non-blank input: a rule that would leave nothing is
    skipped.
    """
    if not text.strip():
        return text
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    split = _forward_start(lines, forwarded=forwarded)
    head, tail = lines[:split], lines[split:]
    tail_has_text = _has_text(tail)
    kept = _strip_lines(head, allow_empty=tail_has_text)
    if tail_has_text:
        kept = [*kept, "", *tail] if _has_text(kept) else tail
    return "\n".join(_trim_blank(kept)).rstrip()


def _has_text(lines: Sequence[str]) -> bool:
    return any(line.strip() for line in lines)


def _trim_blank(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _forward_start(lines: list[str], *, forwarded: bool) -> int:
    for index, line in enumerate(lines):
        if _FORWARD_MARKER.match(line):
            marker = index
            break
    else:
        marker = len(lines)
    if forwarded:
        cut = _reply_cut(lines[:marker])
        if cut is not None:
            return cut
    return marker


def _strip_lines(lines: list[str], *, allow_empty: bool) -> list[str]:
    def accept(candidate: list[str]) -> bool:
        return allow_empty or _has_text(candidate)

    cut = _reply_cut(lines)
    if cut is not None and accept(lines[:cut]):
        lines = lines[:cut]
    steps: tuple[Callable[[list[str]], list[str]], ...] = (
        _drop_leading_quote,
        _drop_trailing_quote,
        _drop_signature,
        _drop_mobile_footer,
        _drop_trailing_rules,
    )
    for _round in range(8):
        before = len(lines)
        for step in steps:
            candidate = step(lines)
            if accept(candidate):
                lines = candidate
        if len(lines) == before:
            break
    return lines


def _reply_cut(lines: list[str]) -> int | None:
    """Index of the first line of a reply's quoted history, or None."""
    last_unquoted = max((i for i, line in enumerate(lines) if line.strip() and not _QUOTED.match(line)), default=-1)
    cuts = [
        cut
        for cut in (
            _library_cut(lines, last_unquoted),
            _attribution_cut(lines, last_unquoted),
            _header_block_cut(lines),
            _original_cut(lines),
            _reply_above_cut(lines),
        )
        if cut is not None
    ]
    return min(cuts) if cuts else None


def _library_view(lines: list[str]) -> str:
    view: list[str] = []
    for index, line in enumerate(lines[:_LIBRARY_MAX_LINES]):
        stripped = line.strip()
        if len(stripped) > _LIBRARY_MAX_LINE or _LONG_RULE.match(stripped):
            stripped = ""
        elif _ATTRIBUTION_START.match(stripped) and not any(
            _is_loose_attribution(near) for near in lines[index : index + 2]
        ):
            stripped = ""  # cannot be an attribution; spare the library's slow patterns
        view.append(stripped)
    return "\n".join(view)


def _library_cut(lines: list[str], last_unquoted: int) -> int | None:
    """Where mail-parser-reply finds the first reply header, if our vetoes let it stand.

    The library sees the text line for line (so its match maps back to our line index), but
    only the first `_LIBRARY_MAX_LINES` lines, with lines longer than `_LIBRARY_MAX_LINE` blanked
    and with On/Am/Le/El lines blanked unless they (or the next line) end like an attribution:
    its attribution patterns are quadratic in the line length when they fail (a pasted 20 kB log
    line starting with "On " takes seconds), and a real attribution never fails them that way.
    """
    normalised = _library_view(lines)
    try:
        message = EmailMessage(text=normalised, languages=list(_REPLY_PARSER.languages))
        header_regex = message.HEADER_REGEX
        message_text = message.text
        if not isinstance(message_text, str) or message_text.count("\n") != normalised.count("\n"):
            return None
        match = header_regex.search(message_text)
    except Exception:
        return None
    if match is None:
        return None
    start = int(match.start())
    index = message_text.count("\n", 0, start)
    if message_text[start : start + 1] == "\n":
        index += 1
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index >= len(lines):
        return None
    if _is_loose_attribution(lines[index]) or (index + 1 < len(lines) and _is_loose_attribution(lines[index + 1])):
        span = 1 if _is_loose_attribution(lines[index]) else 2
        return index if _attribution_confirmed(lines, index, span, last_unquoted) else None
    block = lines[index : index + 8]
    if not any(_HEADER_FROM.match(line) for line in block) and not _ORIGINAL_MARKER.match(lines[index]):
        return None  # two lines such as "Fecha: ..." / "Para: ..." are prose, not a quote header
    if any(_RAW_HEADER.match(line) for line in lines[index : index + 10]):
        return None  # raw headers pasted on purpose (a bounce, a spam report) are content
    return index


def _attribution_cut(lines: list[str], last_unquoted: int) -> int | None:
    for index, line in enumerate(lines):
        if not _ATTRIBUTION_START.match(line):
            continue
        for span in (1, 2, 3):
            chunk = lines[index : index + span]
            if len(chunk) < span or (span > 1 and not chunk[-1].strip()):
                break
            joined = " ".join(part.strip() for part in chunk)
            if len(joined) > 300:
                break
            if _ATTRIBUTION.match(joined) and any(c.isdigit() for c in joined):
                if _attribution_confirmed(lines, index, span, last_unquoted):
                    return index
                break
    return None


def _attribution_confirmed(lines: list[str], index: int, span: int, last_unquoted: int) -> bool:
    """An attribution is trusted when it is followed by a quote that runs to the end (an answer
    written between quoted lines must stay), or, when unquoted text follows it (Outlook for Mac
    quotes that way), when it carries both an address and a time: prose that happens to end in
    "escribió:" has neither."""
    after = index + span
    while after < len(lines) and not lines[after].strip():
        after += 1
    if after == len(lines):
        return True
    if _QUOTED.match(lines[after]):
        return last_unquoted < after
    joined = " ".join(lines[index:after])
    return "@" in joined and bool(_TIME.search(joined))


def _header_block_cut(lines: list[str]) -> int | None:
    """Outlook-style header blocks: From/De first, then at least two of Sent/To/Subject/..."""
    for index, line in enumerate(lines):
        if not _HEADER_FROM.match(line):
            continue
        window = lines[index + 1 : index + 8]
        labels = {m.group(1) for m in (_HEADER_OTHER.match(w) for w in window) if m}
        if len(labels) < 2 or any(_RAW_HEADER.match(w) for w in [line, *window]):
            continue
        start = index
        before = index - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        if before >= 0 and (_RULE_LINE.match(lines[before]) or _ORIGINAL_MARKER.match(lines[before])):
            start = before
        return start
    return None


def _reply_above_cut(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if len(line) <= 200 and _REPLY_ABOVE.search(line):
            above = index  # the attribution of the quote that carries it goes too
            while above > 0 and (not lines[above - 1].strip() or _QUOTED.match(lines[above - 1])):
                above -= 1
            if above > 0 and _is_loose_attribution(lines[above - 1]):
                above -= 1
            return above if _QUOTED.match(line) else index
    return None


def _original_cut(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if _ORIGINAL_MARKER.match(line):
            return index
    return None


def _drop_trailing_quote(lines: list[str]) -> list[str]:
    start = len(lines)
    while start > 0 and (not lines[start - 1].strip() or _QUOTED.match(lines[start - 1])):
        start -= 1
    if not any(_QUOTED.match(line) for line in lines[start:]):
        return lines
    above = start - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above >= 0 and _is_loose_attribution(lines[above]):
        start = above
        if (
            above >= 1
            and len(lines[above].strip()) <= 40
            and _ATTRIBUTION_START.match(lines[above - 1])
            and not _is_loose_attribution(lines[above - 1])
        ):
            start = above - 1
    return lines[:start]


def _drop_leading_quote(lines: list[str]) -> list[str]:
    """Bottom-posting (Thunderbird's default): attribution and quote first, the answer below."""
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    for span in (1, 2, 3):
        joined = " ".join(line.strip() for line in lines[index : index + span])
        if _ATTRIBUTION.match(joined) or (span == 1 and _is_loose_attribution(joined)):
            index += span
            break
    quoted = False
    while index < len(lines) and (not lines[index].strip() or _QUOTED.match(lines[index])):
        quoted = quoted or bool(_QUOTED.match(lines[index]))
        index += 1
    if not quoted or not _has_text(lines[index:]):
        return lines
    return lines[index:]


def _drop_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if line.rstrip() == "--":
            signature = [s for s in lines[index + 1 :] if s.strip()]
            if len(signature) <= _MAX_SIGNATURE_LINES:
                return lines[:index]
            return lines
    return lines


def _drop_mobile_footer(lines: list[str]) -> list[str]:
    trimmed = _trim_blank(lines)
    if trimmed and _MOBILE_FOOTER.match(trimmed[-1]):
        end = len(lines)
        while end > 0 and not lines[end - 1].strip():
            end -= 1
        return lines[: end - 1]
    return lines


def _drop_trailing_rules(lines: list[str]) -> list[str]:
    end = len(lines)
    while end > 0 and (not lines[end - 1].strip() or _RULE_LINE.match(lines[end - 1])):
        end -= 1
    return lines[:end]
