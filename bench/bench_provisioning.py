"""The provider's data at scale: 100,000 services loaded from a file, then 10,000 changes by the API.

Run: ``.venv/bin/python bench/bench_provisioning.py [--services 100000] [--changes 10000]
[--database-url postgres://…]``. Builds a throw-away desk (SQLite on disk in WAL by default) and:

1. writes a JSON Lines file as a provider would export it: one organisation and its owner per ten
   services, each service with an endpoint, a datacentre and a rack, and loads it with
   ``manage.py import_provisioning`` (timed; target: under 5 minutes for 100,000 services);
2. applies ``--changes`` changes through ``POST /api/v1/provisioning/services`` with a
   provisioning token, 1,000 per call (timed): 40 % move rack, 30 % are deactivated, 20 % are new
   services, 10 % change their endpoints;
3. checks the desk against the source it kept in memory: the number of services, active and
   deactivated, every service's rack, status and endpoint host, and the phone check
   (``console.actions.verify_caller``) for a sample of 1,000 services of every kind: the active
   pass, the deactivated are refused with ``service_inactive``.

Prints the figures; exits non-zero when anything disagrees.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_LOAD_SECONDS = 300.0
BATCH = 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="bench-provisioning-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tierdesk.settings",
        TIERDESK_DATA_DIR=data,
        TIERDESK_DATABASE_URL=args.database_url or f"sqlite:///{data}/bench.sqlite3",
        TIERDESK_TASK_BACKEND="immediate",
        TIERDESK_EMAIL_BACKEND="memory",
        TIERDESK_LOG_LEVEL="WARNING",
        TIERDESK_API_RATE_LIMIT="100000",
        TIERDESK_ALLOWED_HOSTS="testserver",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from accounts.actions import create_staff
    from accounts.models import Organisation, Role, User
    from api.actions import create_token
    from console.actions import verify_caller
    from services.models import Endpoint, Service, ServiceStatus
    from tickets.errors import InvalidInput

    call_command("migrate", verbosity=0)
    rng = random.Random(18)
    organisations = max(1, args.services // 10)
    source: dict[str, dict[str, Any]] = {}
    path = Path(data) / "provider.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(organisations):
            out.write(json.dumps({"kind": "organisation", "external_id": f"O{n}", "name": f"Customer {n}"}) + "\n")
            out.write(
                json.dumps(
                    {
                        "kind": "contact",
                        "external_id": f"P{n}",
                        "organisation": f"O{n}",
                        "first_name": "Contact",
                        "last_name": str(n),
                        "email": f"c{n}@example.com",
                        "contact_role": "owner",
                    }
                )
                + "\n"
            )
        for n in range(args.services):
            item: dict[str, Any] = {
                "external_id": f"S{n}",
                "organisation": f"O{n % organisations}",
                "reference": f"ns{n}.bench.example",
                "product": "dedicated",
                "datacentre": f"dc{n % 7}",
                "rack": f"R{n % 997}",
                "endpoints": [{"host": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}", "ports": [22]}],
            }
            source[item["external_id"]] = {**item, "active": True}
            out.write(json.dumps({"kind": "service", **item}) + "\n")

    started = time.perf_counter()
    call_command("import_provisioning", str(path), stdout=open(os.devnull, "w"))  # noqa: SIM115
    load = time.perf_counter() - started
    print(
        f"load: {args.services:,} services, {organisations:,} organisations and contacts in {load:.1f} s "
        f"({args.services / load:,.0f} services/s); target {TARGET_LOAD_SECONDS:.0f} s: "
        f"{load / TARGET_LOAD_SECONDS:.2f} of it"
    )

    staff = create_staff(username="sync", role=Role.SUPERVISOR, password="bench-password-123", first_name="Sync")  # noqa: S106
    token = create_token(user=staff, name="sync", scope="provisioning", actor=staff).secret
    client = Client()
    ids = list(source)
    rng.shuffle(ids)
    changes: list[dict[str, Any]] = []
    for position in range(args.changes):
        share = position / args.changes
        if share < 0.4:
            item = {**source[ids[position]], "rack": f"M{position % 101}"}
        elif share < 0.7:
            item = {**source[ids[position]], "active": False}
        elif share < 0.9:
            n = args.services + position
            item = {
                "external_id": f"S{n}",
                "organisation": f"O{n % organisations}",
                "reference": f"ns{n}.bench.example",
                "product": "vps",
                "rack": "N1",
                "endpoints": [{"host": f"new-{n}.example", "ports": [443]}],
                "active": True,
            }
        else:
            item = {**source[ids[position]], "endpoints": [{"host": f"moved-{position}.example", "ports": [22]}]}
        source[str(item["external_id"])] = item
        changes.append(item)
    started = time.perf_counter()
    outcomes: dict[str, int] = {}
    for start in range(0, len(changes), BATCH):
        answer = client.post(
            "/api/v1/provisioning/services",
            data=json.dumps({"items": changes[start : start + BATCH]}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        if answer.status_code != 200:
            print("refused:", answer.status_code, answer.content[:500])
            return 1
        for name, count in answer.json()["counts"].items():
            outcomes[name] = outcomes.get(name, 0) + count
    apply = time.perf_counter() - started
    print(
        f"changes: {len(changes):,} in {apply:.1f} s ({len(changes) / apply:,.0f}/s, "
        f"{len(changes) // BATCH} calls of {BATCH}): {outcomes}"
    )

    problems: list[str] = []
    active = sum(1 for item in source.values() if item["active"])
    counts = (
        Service.objects.count(),
        Service.objects.exclude(status=ServiceStatus.DEACTIVATED).count(),
        Service.objects.filter(status=ServiceStatus.DEACTIVATED).count(),
        Organisation.objects.count(),
        User.objects.filter(role=Role.CUSTOMER).count(),
    )
    expected = (len(source), active, len(source) - active, organisations, organisations)
    print(
        f"rows: services {counts[0]:,} (active {counts[1]:,}, deactivated {counts[2]:,}), "
        f"organisations {counts[3]:,}, contacts {counts[4]:,}; source {expected}"
    )
    if counts != expected:
        problems.append(f"row counts {counts} != {expected}")
    hosts = dict(Endpoint.objects.values_list("service__external_id", "host"))
    for external_id, status, rack in Service.objects.values_list("external_id", "status", "rack").iterator():
        item = source[str(external_id)]
        want = ServiceStatus.ACTIVE if item["active"] else ServiceStatus.DEACTIVATED
        if status != want or rack != item["rack"] or hosts.get(external_id) != item["endpoints"][0]["host"]:  # type: ignore[index]
            problems.append(f"{external_id}: {status}/{rack}/{hosts.get(external_id)} != source")
            break
    owners = dict(User.objects.values_list("organisation__external_id", "username"))
    sample = rng.sample(list(source), min(1000, len(source)))
    started = time.perf_counter()
    refused = 0
    for external_id in sample:
        item = source[external_id]
        try:
            verify_caller(
                customer_identifier=owners[str(item["organisation"])], service_reference=str(item["reference"])
            )
            agrees = bool(item["active"])
        except InvalidInput as error:
            refused += 1
            agrees = not item["active"] and error.code == "service_inactive"
        if not agrees:
            problems.append(f"phone check disagrees for {external_id}")
    check = time.perf_counter() - started
    print(
        f"phone check: {len(sample):,} services ({refused:,} no longer active) in {check:.1f} s, "
        f"{'all agree with the source' if not problems else 'DISAGREES'}"
    )
    for problem in problems[:10]:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
