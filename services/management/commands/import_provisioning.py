"""``manage.py import_provisioning FILE``: organisations, contacts and services from a CSV or JSON Lines file."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from services import actions
from services.imports import ImportReport, UnreadableFile, read


class Command(BaseCommand):
    help = (
        "Load organisations, contacts and services from a CSV or JSON Lines file (docs/operators/provisioning.md). "
        "Every line is checked; a file with refused lines changes nothing unless --apply-valid."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="a .csv (with a header line) or .jsonl file")
        parser.add_argument("--apply-valid", action="store_true", help="apply the valid lines of a file with errors")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        report = ImportReport()
        try:
            rows = read(content, path.name, report)
        except UnreadableFile as error:
            raise CommandError(str(error.message)) from None
        actions.import_rows(
            rows=rows, report=report, apply_valid=options["apply_valid"], actor=None, now=timezone.now()
        )
        for line in report.errors:
            self.stderr.write(line.text())
        for kind, counts in report.counts.items():
            self.stdout.write(f"{kind}: " + ", ".join(f"{outcome} {n}" for outcome, n in sorted(counts.items())))
        if report.applied:
            self.stdout.write(
                f"{report.rows} lines read; applied"
                + (f", {len(report.error_lines)} lines refused" if report.errors else "")
                + "."
            )
        else:
            raise CommandError(
                f"{report.rows} lines read, {len(report.error_lines)} refused: nothing applied "
                "(correct the file, or use --apply-valid)."
            )
