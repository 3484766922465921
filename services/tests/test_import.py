"""``import_provisioning``: every line checked, the report by line, nothing applied unless asked."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Organisation, User
from services.models import Endpoint, Service

pytestmark = pytest.mark.django_db

HEADER = (
    "kind,external_id,organisation,name,country,first_name,last_name,email,contact_role,"
    "reference,product,rack,endpoints,active\n"
)
MIXED = HEADER + (
    "organisation,ORG-1,,Talleres Ruiz,ES,,,,,,,,,\n"  # line 2: good
    "organisation,ORG-2,,,ES,,,,,,,,,\n"  # line 3: no name
    "contact,P-1,ORG-1,,,Ana,Ruiz,ana@example.com,owner,,,,,\n"  # line 4: good
    "contact,P-2,ORG-9,,,Bea,,bea@example.com,,,,,,\n"  # line 5: unknown organisation
    "service,S-1,ORG-1,,,,,,,ns1.ruiz.example,dedicated,R12,10.0.0.1|22+443|server,\n"  # line 6: good
    "service,S-2,ORG-1,,,,,,,ns2.ruiz.example,toaster,R12,,\n"  # line 7: unknown product
    "service,S-1,ORG-1,,,,,,,ns3.ruiz.example,vps,R12,,\n"  # line 8: S-1 again
    "service,S-4,ORG-1,,,,,,,ns3012345.ip-51-75-1.eu,vps,,,\n"  # line 9: another customer's reference
    "service,S-5,ORG-1,,,,,,,ns5.ruiz.example,vps,,10.0.0.5|99999,maybe\n"  # line 10: port and flag
    "robot,R-1,,,,,,,,,,,,\n"  # line 11: unknown kind
)
EXPECTED = [
    "line 3 (organisation ORG-2): name: This value is required. [required]",
    "line 5 (contact P-2): organisation: There is no organisation with the identifier ORG-9. [unknown_organisation]",
    "line 7 (service S-2): product: This value must be one of: dedicated, vps, dedicatedcloud, publiccloud, hosting,"
    " domain, mail, exchange, ssl, cdn, storage, network, housing. [invalid_choice]",
    "line 8 (service S-1): external_id: This identifier appears on an earlier line of the file."
    " [duplicate_external_id]",
    "line 9 (service S-4): organisation: This service belongs to another organisation; deactivate it and create a"
    " new one. [service_other_organisation]",
    "line 10 (service S-5): active: Write true or false. [invalid_boolean];"
    " endpoints[0].ports: Ports are a list of numbers from 1 to 65535. [invalid_ports]",
    "line 11 (R-1): kind: This value must be one of: organisation, contact, service. [invalid_kind]",
]


def _run(tmp_path, content: str, name: str = "load.csv", *flags: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_provisioning", str(path), *flags, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_mixed_file_gives_exactly_the_expected_report_and_applies_nothing(desk, tmp_path):  # type: ignore[no-untyped-def]
    before = (Organisation.objects.count(), User.objects.count(), Service.objects.count(), Endpoint.objects.count())
    err = StringIO()
    path = tmp_path / "load.csv"
    path.write_text(MIXED, encoding="utf-8")
    with pytest.raises(CommandError, match="10 lines read, 7 refused: nothing applied"):
        call_command("import_provisioning", str(path), stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == EXPECTED
    after = (Organisation.objects.count(), User.objects.count(), Service.objects.count(), Endpoint.objects.count())
    assert after == before


def test_apply_valid_keeps_the_good_lines(desk, tmp_path):  # type: ignore[no-untyped-def]
    out, err = _run(tmp_path, MIXED, "load.csv", "--apply-valid")
    assert err.splitlines() == EXPECTED
    assert "applied, 7 lines refused" in out
    assert Organisation.objects.get(external_id="ORG-1").name == "Talleres Ruiz"
    assert not Organisation.objects.filter(external_id="ORG-2").exists()
    ana = User.objects.get(external_id="P-1")
    assert ana.contact_role == "owner" and ana.organisation_id == Organisation.objects.get(external_id="ORG-1").pk
    service = Service.objects.get(external_id="S-1")
    assert (service.reference, service.rack) == ("ns1.ruiz.example", "R12")
    assert list(service.endpoints.values_list("host", "ports")) == [("10.0.0.1", [22, 443])]
    assert set(Service.objects.filter(external_id__isnull=False).values_list("external_id", flat=True)) == {"S-1"}


def test_a_clean_json_lines_file_is_applied_and_a_second_run_changes_nothing(desk, tmp_path):  # type: ignore[no-untyped-def]
    lines = "\n".join(
        [
            '{"kind": "organisation", "external_id": "O1", "name": "Uno"}',
            "",
            '{"kind": "service", "external_id": "S1", "organisation": "O1", "reference": "uno.example",'
            ' "product": "hosting", "endpoints": [{"host": "uno.example", "ports": [443], "role": "web"}]}',
        ]
    )
    out, err = _run(tmp_path, lines, "load.jsonl")
    assert err == "" and "2 lines read; applied." in out
    assert "service: created 1" in out
    out, _ = _run(tmp_path, lines, "load.jsonl")
    assert "organisation: unchanged 1" in out and "service: unchanged 1" in out


def test_an_unreadable_file_is_refused_with_a_reason(desk, tmp_path):  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="it needs kind"):
        _run(tmp_path, "type,external_id\nservice,S1\n")
    with pytest.raises(CommandError, match="Send a .csv or a .jsonl file"):
        _run(tmp_path, "x", "load.txt")
    with pytest.raises(CommandError, match="1 lines read, 1 refused"):
        _run(tmp_path, '{"kind": "organisation"\n', "load.jsonl")
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_provisioning", str(path), stdout=StringIO(), stderr=StringIO())
