"""The provisioning API: organisations, contacts and services by the provider's identifiers."""

from __future__ import annotations

import pytest

from accounts.models import Organisation, Role, User
from services.models import Endpoint, Service, ServiceStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(desk, make_api):  # type: ignore[no-untyped-def]
    return make_api(desk.supervisor, scope="provisioning")


def _org(external_id: str = "ORG-1", **extra):  # type: ignore[no-untyped-def]
    return {"external_id": external_id, "name": f"Company {external_id}", "country": "es", **extra}


def _service(external_id: str = "SVC-1", **extra):  # type: ignore[no-untyped-def]
    return {
        "external_id": external_id,
        "organisation": "ORG-1",
        "reference": f"ns{external_id.lower()}.example.net",
        "product": "dedicated",
        "datacentre": "gra1",
        "rack": "G101A",
        "endpoints": [{"host": "192.0.2.10", "ports": [22, 443], "role": "server"}],
        **extra,
    }


def test_only_a_supervisors_provisioning_token_may_call(desk, make_api):  # type: ignore[no-untyped-def]
    for api in (make_api(desk.lucia, scope="write"), make_api(desk.supervisor, scope="write")):
        answer = api.post("/provisioning/organisations", {"items": [_org()]})
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "insufficient_scope"
    from api.actions import create_token
    from tickets.errors import InvalidInput

    with pytest.raises(InvalidInput):
        create_token(user=desk.l1, name="x", scope="provisioning", actor=desk.l1)
    assert not Organisation.objects.filter(external_id="ORG-1").exists()


def test_organisations_are_created_then_unchanged_then_updated(integration):  # type: ignore[no-untyped-def]
    first = integration.post("/provisioning/organisations", {"items": [_org(), _org("ORG-2")]})
    assert first.status_code == 200
    assert first.json()["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "deactivated": 0, "error": 0}
    again = integration.post("/provisioning/organisations", {"items": [_org(), _org("ORG-2", name="Renamed")]})
    assert [r["outcome"] for r in again.json()["results"]] == ["unchanged", "updated"]
    assert Organisation.objects.get(external_id="ORG-2").name == "Renamed"
    assert Organisation.objects.get(external_id="ORG-1").country == "ES"
    assert Organisation.objects.filter(external_id__startswith="ORG-").count() == 2


def test_contacts_get_a_login_and_their_role(integration):  # type: ignore[no-untyped-def]
    integration.post("/provisioning/organisations", {"items": [_org()]})
    body = {
        "items": [
            {
                "external_id": "P-1",
                "organisation": "ORG-1",
                "first_name": "Ana",
                "last_name": "Ruiz",
                "email": "ana@example.com",
                "contact_role": "owner",
                "language": "fr",
            },
            {"external_id": "P-2", "organisation": "ORG-404", "first_name": "Bea", "email": "bea@example.com"},
            {
                "external_id": "P-3",
                "organisation": "ORG-1",
                "first_name": "Carl",
                "email": "not-an-address",
                "contact_role": "billing",
            },
        ]
    }
    answer = integration.post("/provisioning/contacts", body).json()
    created, unknown, bad = answer["results"]
    assert created["outcome"] == "created" and created["customer_identifier"].endswith("-ovh")
    assert unknown["outcome"] == "error" and unknown["errors"][0]["code"] == "unknown_organisation"
    assert bad["errors"] == [{"code": "invalid_email", "message": "Enter a valid e-mail address.", "field": "email"}]
    ana = User.objects.get(external_id="P-1")
    assert (ana.role, ana.contact_role, ana.language, ana.sees_billing, ana.has_usable_password()) == (
        Role.CUSTOMER,
        "owner",
        "fr",
        True,
        False,
    )
    again = integration.post("/provisioning/contacts", {"items": [body["items"][0]]}).json()
    assert again["results"][0]["outcome"] == "unchanged"
    assert again["results"][0]["customer_identifier"] == created["customer_identifier"]
    body["items"][0]["active"] = False  # type: ignore[assignment]
    gone = integration.post("/provisioning/contacts", {"items": [body["items"][0]]}).json()
    assert gone["results"][0]["outcome"] == "deactivated"
    assert not User.objects.get(external_id="P-1").is_active


def test_services_with_endpoints_are_idempotent_and_deactivated_not_deleted(integration):  # type: ignore[no-untyped-def]
    integration.post("/provisioning/organisations", {"items": [_org()]})
    first = integration.post("/provisioning/services", {"items": [_service(), _service("SVC-2")]}).json()
    assert first["counts"]["created"] == 2
    service = Service.objects.get(external_id="SVC-1")
    assert (service.reference, service.rack, service.in_production) == ("nssvc-1.example.net", "G101A", True)
    assert list(service.endpoints.values_list("host", "ports", "role")) == [("192.0.2.10", [22, 443], "server")]
    repeat = integration.post("/provisioning/services", {"items": [_service(), _service("SVC-2")]}).json()
    assert repeat["counts"]["unchanged"] == 2
    moved = _service(rack="G202B", endpoints=[{"host": "192.0.2.11", "ports": [80]}], in_production=False)
    changed = integration.post("/provisioning/services", {"items": [moved, _service("SVC-2", active=False)]}).json()
    assert [r["outcome"] for r in changed["results"]] == ["updated", "deactivated"]
    service.refresh_from_db()
    assert (service.rack, service.in_production) == ("G202B", False)
    assert list(Endpoint.objects.filter(service=service).values_list("host", flat=True)) == ["192.0.2.11"]
    retired = Service.objects.get(external_id="SVC-2")
    assert retired.status == ServiceStatus.DEACTIVATED and retired.deactivated_at is not None
    back = integration.post("/provisioning/services", {"items": [_service("SVC-2")]}).json()
    assert back["results"][0]["outcome"] == "updated"
    assert Service.objects.get(external_id="SVC-2").status == ServiceStatus.ACTIVE


def test_per_item_errors_leave_the_other_items_applied(desk, integration):  # type: ignore[no-untyped-def]
    integration.post("/provisioning/organisations", {"items": [_org()]})
    items = [
        _service("SVC-1"),
        _service("SVC-1"),  # twice in the call
        _service("SVC-3", reference=desk.server.reference),  # a hand-made service of another customer
        _service("SVC-4", organisation="NOPE"),
    ]
    answer = integration.post("/provisioning/services", {"items": items}).json()
    codes = [[e["code"] for e in r["errors"]] for r in answer["results"]]
    assert codes == [[], ["duplicate_external_id"], ["service_other_organisation"], ["unknown_organisation"]]
    assert Service.objects.filter(external_id__isnull=False).count() == 1


def test_a_hand_made_service_is_adopted_by_its_reference(desk, integration):  # type: ignore[no-untyped-def]
    desk.lucia.organisation.external_id = "ORG-L"
    desk.lucia.organisation.save()
    answer = integration.post(
        "/provisioning/services",
        {"items": [_service("SVC-L", organisation="ORG-L", reference=desk.server.reference.upper())]},
    ).json()
    assert answer["results"][0]["outcome"] == "updated"
    assert answer["results"][0]["id"] == desk.server.pk
    assert Service.objects.get(pk=desk.server.pk).external_id == "SVC-L"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": []}, "items"),
        ({"items": [{"external_id": "X", "name": "n", "country": "Spain"}]}, "country"),
        ({"nothing": 1}, "items"),
    ],
)
def test_a_body_of_the_wrong_shape_is_refused_whole(integration, body, field):  # type: ignore[no-untyped-def]
    answer = integration.post("/provisioning/organisations", body)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "validation_error"
    assert answer.json()["error"]["field"] == field
    assert not Organisation.objects.filter(external_id="X").exists()


def test_more_than_a_thousand_items_are_refused(integration):  # type: ignore[no-untyped-def]
    answer = integration.post("/provisioning/organisations", {"items": [_org(f"O{i}") for i in range(1001)]})
    assert answer.status_code == 422
    assert not Organisation.objects.filter(external_id="O1").exists()


def test_the_openapi_document_states_the_limits(integration):  # type: ignore[no-untyped-def]
    schema = integration.client.get("/api/v1/openapi.json").json()
    batch = schema["components"]["schemas"]["ServiceBatch"]["properties"]["items"]
    assert batch["maxItems"] == 1000
    assert "/api/v1/provisioning/services" in schema["paths"]
