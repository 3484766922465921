"""Reads of the services app on the paths that open tickets."""

from __future__ import annotations

from functools import cache

from django.db import connection

from core import rows
from services.models import Service


def service_of(organisation_id: int | None, reference: str) -> Service | None:
    """The service ``reference`` (as written, trimmed, any case) of an organisation, or ``None``.

    ``Service.objects.filter(organisation_id=…, reference=…).first()`` with the SQL written once
    (``core.rows``), for the API's ticket creation.
    """
    if organisation_id is None:
        return None
    columns = rows.columns(Service, "s")
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [organisation_id, reference.strip().lower()])
        row = cursor.fetchone()
    return None if row is None else columns.build(row)


@cache
def _sql() -> str:
    return (
        f"SELECT {rows.columns(Service, 's').sql} FROM {connection.ops.quote_name(Service._meta.db_table)} s"  # noqa: S608 - model metadata
        " WHERE s.organisation_id = %s AND s.reference = %s"
    )
