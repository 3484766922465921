"""Reading a provisioning file (CSV or JSON Lines) into rows, and the import's report by line.

A file holds organisations, contacts and services, one per line, each with its ``kind``. Every
line is read and checked; ``services.actions.import_rows`` applies them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.provisioning import ItemError, clean_contact, clean_organisation
from services.provisioning import clean_service

KINDS = ("organisation", "contact", "service")
CLEANERS = {"organisation": clean_organisation, "contact": clean_contact, "service": clean_service}
COLUMNS = frozenset(
    {
        "kind",
        "external_id",
        "organisation",
        "name",
        "country",
        "vat_id",
        "address",
        "first_name",
        "last_name",
        "email",
        "phone",
        "language",
        "contact_role",
        "may_open_tickets",
        "sees_billing",
        "receives_incident_mail",
        "reference",
        "product",
        "display_name",
        "datacentre",
        "host_node",
        "rack",
        "network_segment",
        "in_production",
        "endpoints",
        "active",
    }
)


@dataclass
class Row:
    line: int
    kind: str
    data: dict[str, Any]


@dataclass
class LineReport:
    line: int
    kind: str
    external_id: str
    errors: list[ItemError]

    def text(self) -> str:
        where = f"{self.kind} {self.external_id}".strip()
        details = "; ".join(
            f"{error.field}: {error.message} [{error.code}]" if error.field else f"{error.message} [{error.code}]"
            for error in self.errors
        )
        return f"{_('line')} {self.line}" + (f" ({where})" if where else "") + f": {details}"


@dataclass
class ImportReport:
    rows: int = 0
    applied: bool = False
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[LineReport] = field(default_factory=list)

    def count(self, kind: str, outcome: str) -> None:
        per_kind = self.counts.setdefault(kind, {})
        per_kind[outcome] = per_kind.get(outcome, 0) + 1

    @property
    def error_lines(self) -> list[int]:
        return sorted({report.line for report in self.errors})


class UnreadableFile(Exception):
    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def _row(line: int, raw: Any, report: ImportReport) -> Row | None:
    if not isinstance(raw, dict):
        report.errors.append(LineReport(line, "", "", [ItemError("invalid_item", _("Each item must be an object."))]))
        return None
    data = {key: value for key, value in raw.items() if value not in ("", None)}
    kind = str(data.pop("kind", "")).strip().lower()
    if kind not in KINDS:
        report.errors.append(
            LineReport(
                line,
                "",
                str(data.get("external_id", "")),
                [
                    ItemError(
                        "invalid_kind",
                        _("This value must be one of: %(choices)s.") % {"choices": ", ".join(KINDS)},
                        "kind",
                    )
                ],
            )
        )
        return None
    return Row(line, kind, data)


def read(content: bytes, filename: str, report: ImportReport) -> list[Row]:
    """The rows of a CSV (with a header line) or JSON Lines file; lines that cannot be read go to ``report``."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(_("The file is not UTF-8 text.")) from None
    if "\x00" in text:
        raise UnreadableFile(_("The file is not UTF-8 text."))
    if filename.lower().endswith((".jsonl", ".ndjson", ".json")):
        return list(_read_json_lines(text, report))
    if filename.lower().endswith(".csv"):
        return list(_read_csv(text, report))
    raise UnreadableFile(_("Send a .csv or a .jsonl file."))


def _read_json_lines(text: str, report: ImportReport) -> Iterable[Row]:
    for line, source in enumerate(text.splitlines(), start=1):
        if not source.strip():
            continue
        report.rows += 1
        try:
            raw = json.loads(source)
        except ValueError:
            report.errors.append(
                LineReport(line, "", "", [ItemError("invalid_json", _("This line is not a JSON object."))])
            )
            continue
        if (row := _row(line, raw, report)) is not None:
            yield row


def _read_csv(text: str, report: ImportReport) -> Iterable[Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    unknown = [name for name in header if name not in COLUMNS]
    if "kind" not in header or unknown:
        raise UnreadableFile(
            _("The first line names the columns; it needs kind, and only these: %(columns)s.")
            % {"columns": ", ".join(sorted(COLUMNS))}
        )
    try:
        for raw in reader:
            report.rows += 1
            if None in raw:  # more cells than columns
                report.errors.append(
                    LineReport(
                        reader.line_num,
                        "",
                        "",
                        [ItemError("too_many_cells", _("This line has more cells than the header."))],
                    )
                )
                continue
            if (row := _row(reader.line_num, raw, report)) is not None:
                yield row
    except csv.Error as error:
        raise UnreadableFile(_("The file is not valid CSV (%(error)s).") % {"error": str(error)}) from None
