"""Writes of the services app: services from the provider's own systems, created, updated and
deactivated by the provider's identifiers, a batch at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.actions import cleaned_batch, organisation_ids, provision_contacts, provision_organisations
from accounts.models import User
from accounts.provisioning import MAX_ITEMS, ItemError, ItemResult, duplicates_in_file_error, unknown_organisation_error
from services.imports import CLEANERS, KINDS, ImportReport, LineReport, Row
from services.models import Endpoint, Service, ServiceStatus
from services.provisioning import clean_service

SERVICE_FIELDS = (
    "organisation_id",
    "reference",
    "product",
    "display_name",
    "datacentre",
    "host_node",
    "rack",
    "network_segment",
    "in_production",
    "status",
    "deactivated_at",
)


def _endpoint_key(endpoints: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, tuple[int, ...]]]:
    return sorted((e["host"], e["role"], tuple(e["ports"])) for e in endpoints)


@transaction.atomic
def provision_services(*, items: Sequence[Mapping[str, Any]], actor: User | None, now: datetime) -> list[ItemResult]:
    """Create, update or deactivate services by the provider's identifier, with their endpoints.

    A batch is read with a few statements and written with one ``INSERT … ON CONFLICT`` per
    thousand services (``bulk_create(update_conflicts=True)``), plus the endpoints that changed.
    A service is never deleted: ``active: false`` deactivates it; its tickets keep it, new tickets
    cannot name it. A service created by hand (without the provider's identifier) and sent with the
    same reference is adopted.
    """
    results, cleaned = cleaned_batch(items, clean_service)
    organisations = organisation_ids(values["organisation"] for values in cleaned.values())
    external_ids = [values["external_id"] for values in cleaned.values()]
    references = [values["reference"] for values in cleaned.values()]
    existing: dict[str, Service] = {}
    by_reference: dict[str, Service] = {}
    for start in range(0, len(external_ids), MAX_ITEMS):
        for service in Service.objects.filter(external_id__in=external_ids[start : start + MAX_ITEMS]):
            existing[service.external_id or ""] = service
        for service in Service.objects.filter(reference__in=references[start : start + MAX_ITEMS]):
            by_reference[service.reference] = service
    endpoints: dict[int, list[dict[str, Any]]] = {}
    known_ids = [service.pk for service in (*existing.values(), *by_reference.values())]
    for start in range(0, len(known_ids), MAX_ITEMS):
        for endpoint in Endpoint.objects.filter(service_id__in=known_ids[start : start + MAX_ITEMS]):
            endpoints.setdefault(endpoint.service_id, []).append(
                {"host": endpoint.host, "role": endpoint.role, "ports": list(endpoint.ports)}
            )

    adopted: list[Service] = []
    writes: list[Service] = []
    new_endpoints: dict[str, list[dict[str, Any]]] = {}
    seen_references: set[str] = set()
    for index, values in cleaned.items():
        result = results[index]
        organisation_id = organisations.get(values["organisation"])
        if organisation_id is None:
            result.errors.append(unknown_organisation_error(values["organisation"]))
            continue
        if values["reference"] in seen_references:
            result.errors.append(
                ItemError(
                    "duplicate_reference", _("This reference appears more than once in the same call."), "reference"
                )
            )
            continue
        seen_references.add(values["reference"])
        current = existing.get(values["external_id"])
        holder = by_reference.get(values["reference"])
        adopt = holder is not None and holder.external_id is None and current is None
        if adopt:
            current = holder  # created by hand: the provider's from now on, if it is theirs
        elif holder is not None and holder.external_id != values["external_id"]:
            result.errors.append(
                ItemError(
                    "reference_taken",
                    _("The reference %(reference)s belongs to another service.") % {"reference": values["reference"]},
                    "reference",
                )
            )
            continue
        if current is not None and current.organisation_id != organisation_id:
            result.errors.append(
                ItemError(
                    "service_other_organisation",
                    _("This service belongs to another organisation; deactivate it and create a new one."),
                    "organisation",
                )
            )
            continue
        if adopt and current is not None:
            current.external_id = values["external_id"]
            adopted.append(current)
        row = Service(
            external_id=values["external_id"],
            organisation_id=organisation_id,
            created_at=now,
            **{name: values[name] for name in SERVICE_FIELDS if name in values},
        )
        if not values["active"]:
            row.status = ServiceStatus.DEACTIVATED
            row.deactivated_at = current.deactivated_at if current and current.is_deactivated else now
        elif current is not None and not current.is_deactivated:
            row.status = current.status  # suspended or expired stays so until the desk changes it
        else:
            row.status, row.deactivated_at = ServiceStatus.ACTIVE, None
        changed_endpoints = current is None or _endpoint_key(endpoints.get(current.pk, [])) != _endpoint_key(
            values["endpoints"]
        )
        if current is None:
            result.outcome = "created"
        elif not changed_endpoints and all(getattr(current, n) == getattr(row, n) for n in SERVICE_FIELDS):
            result.outcome, result.id = "unchanged", current.pk
            if current in adopted:
                result.outcome = "updated"
            continue
        elif row.status == ServiceStatus.DEACTIVATED and not current.is_deactivated:
            result.outcome = "deactivated"
        else:
            result.outcome = "updated"
        writes.append(row)
        if changed_endpoints:
            new_endpoints[values["external_id"]] = values["endpoints"]

    if adopted:
        Service.objects.bulk_update(adopted, ["external_id"], batch_size=MAX_ITEMS)
    for start in range(0, len(writes), MAX_ITEMS):
        Service.objects.bulk_create(
            writes[start : start + MAX_ITEMS],
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=[name for name in SERVICE_FIELDS],
        )
    ids: dict[str, int] = {}
    for start in range(0, len(external_ids), MAX_ITEMS):
        ids.update(
            Service.objects.filter(external_id__in=external_ids[start : start + MAX_ITEMS]).values_list(  # type: ignore[arg-type]
                "external_id", "pk"
            )
        )
    if new_endpoints:
        changed = [ids[external_id] for external_id in new_endpoints]
        for start in range(0, len(changed), MAX_ITEMS):
            Endpoint.objects.filter(service_id__in=changed[start : start + MAX_ITEMS]).delete()
        Endpoint.objects.bulk_create(
            [
                Endpoint(service_id=ids[external_id], host=e["host"], ports=e["ports"], role=e["role"])
                for external_id, entries in new_endpoints.items()
                for e in entries
            ],
            batch_size=MAX_ITEMS,
        )
    for index, values in cleaned.items():
        if not results[index].errors:
            results[index].id = ids.get(values["external_id"])
    return results


# --- the bulk import -------------------------------------------------------------------------

IMPORT_BATCH = MAX_ITEMS


def import_rows(
    *, rows: Sequence[Row], report: ImportReport, apply_valid: bool, actor: User | None, now: datetime
) -> ImportReport:
    """Check and apply a provisioning file's rows: organisations first, then contacts, then services.

    Everything runs in one transaction, so the report lists every line the desk refuses, including
    what only the database can tell (an unknown organisation, a reference taken). When a line is
    refused, nothing of the file is kept unless ``apply_valid``: then the other lines are.
    """
    seen: set[tuple[str, str]] = set()
    checked: dict[str, list[Row]] = {kind: [] for kind in KINDS}
    for row in rows:
        values, errors = CLEANERS[row.kind](row.data)
        external_id = str(row.data.get("external_id", ""))
        if values is not None and (row.kind, values["external_id"]) in seen:
            errors = [duplicates_in_file_error()]
        if errors:
            report.errors.append(LineReport(row.line, row.kind, external_id, errors))
            report.count(row.kind, "error")
            continue
        seen.add((row.kind, values["external_id"]))  # type: ignore[index]
        checked[row.kind].append(row)
    apply = {"organisation": provision_organisations, "contact": provision_contacts, "service": provision_services}
    with transaction.atomic():
        for kind in KINDS:
            batch_rows = checked[kind]
            for start in range(0, len(batch_rows), IMPORT_BATCH):
                chunk = batch_rows[start : start + IMPORT_BATCH]
                results = apply[kind](items=[row.data for row in chunk], actor=actor, now=now)
                for row, result in zip(chunk, results, strict=True):
                    report.count(kind, result.outcome)
                    if result.errors:
                        report.errors.append(LineReport(row.line, kind, result.external_id, result.errors))
        report.errors.sort(key=lambda line_report: line_report.line)
        report.applied = apply_valid or not report.errors
        if not report.applied:
            transaction.set_rollback(True)
    return report
