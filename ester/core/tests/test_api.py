"""The read-only JSON API (/api/v1/): token auth, the same scoping as the UI, 404s, filters and the schema."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from ester.agreements.models import AgreementDocument, Deviation, InterfaceText, LeadTime
from ester.core.api import ApiPagination
from ester.organisation.tests import factories as f

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/customers/", "/api/v1/services/", "/api/v1/price-lists/", "/api/v1/agreements/"]


@pytest.fixture
def api(city: Any) -> Callable[[str], APIClient]:
    """A client authenticated with a token for the named persona."""

    def client_for(persona: str) -> APIClient:
        token, _ = Token.objects.get_or_create(user=city.users[persona])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- authentication ----------------------------------------------------------------


def test_token_authenticates(api: Any) -> None:
    response = api("controller").get("/api/v1/customers/")
    assert response.status_code == 200
    assert response.json()["count"] == 2


@pytest.mark.parametrize("url", [*LISTS, "/api/v1/customers/1/", "/api/v1/price-lists/1/prices/"])
def test_anonymous_is_refused(city: Any, url: str) -> None:
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_token_is_refused(city: Any) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get("/api/v1/customers/").status_code == 401


def test_lists_are_paginated_and_the_page_size_is_capped(api: Any) -> None:
    body = api("controller").get("/api/v1/customers/", {"limit": 1}).json()
    assert (body["count"], len(body["results"])) == (2, 1)
    assert "offset=1" in body["next"]
    request = Request(APIRequestFactory().get("/api/v1/customers/", {"limit": 100000}))
    assert ApiPagination().get_limit(request) == 1000


def test_session_login_works_too(city: Any) -> None:
    client = APIClient()
    client.force_login(city.handler)
    assert [c["name"] for c in results(client.get("/api/v1/customers/"))] == [city.customer_x.name]


# --- scoping: the same as the UI ---------------------------------------------------------

X, Y = "Rinkeby-Kista stadsdelsförvaltning", "Bromma stadsdelsförvaltning"
SEES = {
    "contact_x": {X},
    "contact_y": {Y},
    "handler": {X},
    "handler_b": {Y},
    "unit_manager": {X},
    "head_of_area": {X, Y},
    "controller": {X, Y},
    "sysadmin": {X, Y},
    "outsider": set(),
}


@pytest.mark.parametrize(("persona", "expected"), SEES.items())
def test_customer_list_per_persona(api: Any, persona: str, expected: set[str]) -> None:
    assert {c["name"] for c in results(api(persona).get("/api/v1/customers/"))} == expected


@pytest.mark.parametrize(("persona", "expected"), SEES.items())
def test_agreement_list_per_persona(api: Any, persona: str, expected: set[str]) -> None:
    assert {a["customer"]["name"] for a in results(api(persona).get("/api/v1/agreements/"))} == expected


@pytest.mark.parametrize(
    ("persona", "customer", "agreement"),
    [
        ("contact_x", "customer_y", "agreement_y"),
        ("handler", "customer_y", "agreement_y"),
        ("handler_b", "customer_x", "agreement_x"),
    ],
)
def test_other_customers_rows_are_404_like_unknown_ids(api: Any, city: Any, persona: str, customer: str, agreement: str) -> None:
    client = api(persona)
    unknown = client.get("/api/v1/customers/999999/")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Hittades inte."}
    for url in (f"/api/v1/customers/{getattr(city, customer).pk}/", f"/api/v1/agreements/{getattr(city, agreement).pk}/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.content == unknown.content
    assert client.get("/api/v1/agreements/999999/").content == unknown.content
    assert client.get("/api/v1/customers/abc/").status_code == 404


def test_outsider_gets_404_on_every_detail(api: Any, city: Any) -> None:
    client = api("outsider")
    for url in (
        f"/api/v1/customers/{city.customer_x.pk}/",
        f"/api/v1/agreements/{city.agreement_x.pk}/",
        f"/api/v1/price-lists/{city.price_list.pk}/",
        f"/api/v1/price-lists/{city.price_list.pk}/prices/",
        f"/api/v1/services/{city.mandatory.pk}/",
    ):
        assert client.get(url).status_code == 404, url


def test_filters_do_not_widen_the_scope(api: Any, city: Any) -> None:
    client = api("contact_x")
    assert results(client.get("/api/v1/agreements/", {"customer": city.customer_y.pk})) == []
    assert results(client.get("/api/v1/customers/", {"q": "Bromma"})) == []


# --- customers ------------------------------------------------------------------------


def test_customer_detail_has_contacts_and_handling_teams(api: Any, city: Any) -> None:
    f.CustomerContactFactory(customer=city.customer_x, name="Anna Avslutad", active=False)
    body = api("handler").get(f"/api/v1/customers/{city.customer_x.pk}/").json()
    assert body["name"] == X
    assert body["kind"] == "stadsdelsforvaltning"
    assert body["responsible_unit"] == {"id": city.unit1.pk, "name": "Enhet 1"}
    assert body["responsible_manager"]["email"] == "unit_manager@example.test"
    assert {c["name"]: c["active"] for c in body["contacts"]} == {"Kim Kontakt": True, "Anna Avslutad": False}
    [handling] = body["handling"]
    assert handling["process"] == {"code": "LEV", "name": "Leverantörsreskontra"}
    assert handling["team"]["name"] == "Team A"
    assert handling["team"]["unit"] == "Enhet 1"
    assert handling["valid_from"] == "2011-01-01"
    assert handling["valid_to"] is None


def test_contact_sees_own_customer_with_active_contacts_only(api: Any, city: Any) -> None:
    f.CustomerContactFactory(customer=city.customer_x, name="Anna Avslutad", active=False)
    body = api("contact_x").get(f"/api/v1/customers/{city.customer_x.pk}/").json()
    assert [c["name"] for c in body["contacts"]] == ["Kim Kontakt"]
    assert body["handling"][0]["team"]["name"] == "Team A"
    assert "notes" not in body


def test_customer_filters(api: Any, city: Any) -> None:
    f.CustomerFactory(name="Stockholms Hamn AB", kind="bolag", responsible_unit=city.unit1, valid_to=datetime.date(2012, 6, 30))
    client = api("controller")
    assert [c["name"] for c in results(client.get("/api/v1/customers/", {"kind": "bolag"}))] == ["Stockholms Hamn AB"]
    assert [c["name"] for c in results(client.get("/api/v1/customers/", {"q": "rinkeby"}))] == [X]
    assert len(results(client.get("/api/v1/customers/", {"active_on": "2012-06-30"}))) == 3
    assert {c["name"] for c in results(client.get("/api/v1/customers/", {"active_on": "2012-07-01"}))} == {X, Y}


def test_customer_list_query_count_does_not_grow_with_customers(api: Any, city: Any) -> None:
    client = api("handler")

    def queries_for(total: int) -> int:
        while len(results(client.get("/api/v1/customers/"))) < total:
            customer = f.CustomerFactory(responsible_unit=city.unit1)
            f.HandlingAssignmentFactory(customer=customer, process=city.process, team=city.team_a)
        with CaptureQueriesContext(connection) as ctx:
            assert len(results(client.get("/api/v1/customers/"))) == total
        return len(ctx.captured_queries)

    few, many = queries_for(3), queries_for(30)
    assert few == many, (few, many)


# --- services -------------------------------------------------------------------------


def test_services_with_variants_and_filters(api: Any, city: Any) -> None:
    other = f.ProcessFactory(area=city.other_area, code="LON", name="Lön")
    f.ServiceFactory(process=other, code="LONSPEC", name="Lönespecifikation", kind="obligatorisk")
    client = api("contact_x")  # the catalogue is public to customer contacts
    assert {s["code"] for s in results(client.get("/api/v1/services/"))} == {"LEVFAKT", "ANL", "LONSPEC"}
    lev = results(client.get("/api/v1/services/", {"process": "LEV", "kind": "obligatorisk"}))
    assert [s["code"] for s in lev] == ["LEVFAKT"]
    assert lev[0]["process"] == {"code": "LEV", "name": "Leverantörsreskontra"}
    assert {v["code"]: v["unit"] for v in lev[0]["variants"]} == {"LEVFAKT-E": "faktura", "LEVFAKT-M": "faktura"}
    assert results(api("outsider").get("/api/v1/services/")) == []


# --- price lists ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["contact_x", "contact_y", "handler", "controller"])
def test_price_lists_are_public_to_every_role(api: Any, city: Any, persona: str) -> None:
    assert [p["year"] for p in results(api(persona).get("/api/v1/price-lists/"))] == [2012]


def test_outsider_sees_no_price_lists(api: Any) -> None:
    assert results(api("outsider").get("/api/v1/price-lists/")) == []


def test_price_list_detail_has_versions_with_decimal_strings(api: Any, city: Any) -> None:
    f.PriceVersionFactory(
        price_list=city.price_list,
        variant=city.variant_electronic,
        unit_price=Decimal("17.5"),
        valid_from=datetime.date(2012, 7, 1),
        decision_ref="SFN 2012/123",
    )
    response = api("contact_x").get(f"/api/v1/price-lists/{city.price_list.pk}/")
    assert response.status_code == 200
    versions = response.json()["versions"]
    electronic = [v for v in versions if v["variant_code"] == "LEVFAKT-E"]
    assert [(v["unit_price"], v["valid_from"], v["decision_ref"]) for v in electronic] == [
        ("15.00", "2012-01-01", ""),
        ("17.50", "2012-07-01", "SFN 2012/123"),
    ]
    assert electronic[0]["service"] == "Leverantörsfaktura"
    assert electronic[0]["service_code"] == "LEVFAKT"
    assert electronic[0]["unit"] == "faktura"
    assert all(isinstance(v["unit_price"], str) for v in versions)
    assert b'"unit_price":"15.00"' in response.content  # a JSON string, never a float


def test_prices_on_date_follow_a_mid_year_version(api: Any, city: Any) -> None:
    f.PriceVersionFactory(
        price_list=city.price_list,
        variant=city.variant_electronic,
        unit_price=Decimal("17.50"),
        valid_from=datetime.date(2012, 7, 1),
    )
    url = f"/api/v1/price-lists/{city.price_list.pk}/prices/"
    client = api("contact_x")

    def prices(day: str) -> dict[str, Any]:
        response = client.get(url, {"date": day})
        assert response.status_code == 200, response.content
        assert response.json()["date"] == day
        return {p["variant_code"]: p for p in response.json()["prices"]}

    june, july = prices("2012-06-30"), prices("2012-07-01")
    assert june["LEVFAKT-E"]["unit_price"] == "15.00"
    assert july["LEVFAKT-E"]["unit_price"] == "17.50"
    assert july["LEVFAKT-E"]["valid_from"] == "2012-07-01"
    assert july["LEVFAKT-E"]["changed_mid_year"] is True
    assert june["LEVFAKT-M"]["unit_price"] == july["LEVFAKT-M"]["unit_price"] == "50.00"
    assert july["LEVFAKT-M"]["changed_mid_year"] is False


def test_prices_without_date_use_a_day_of_the_price_lists_year(api: Any, city: Any) -> None:
    body = api("handler").get(f"/api/v1/price-lists/{city.price_list.pk}/prices/").json()
    assert body["date"].startswith("2012-")
    assert body["price_list"]["year"] == 2012
    assert {p["unit_price"] for p in body["prices"]} == {"15.00", "50.00"}


def test_variant_without_a_price_yet_has_null_price(api: Any, city: Any) -> None:
    late = f.ServiceVariantFactory(service=city.addon, code="ANL-H", name="Timme")
    f.PriceVersionFactory(
        price_list=city.price_list, variant=late, unit_price=Decimal("700.00"), valid_from=datetime.date(2012, 9, 1)
    )
    body = api("handler").get(f"/api/v1/price-lists/{city.price_list.pk}/prices/", {"date": "2012-03-01"}).json()
    [row] = [p for p in body["prices"] if p["variant_code"] == "ANL-H"]
    assert row["unit_price"] is None
    assert row["valid_from"] is None


# --- agreements -----------------------------------------------------------------------


def test_agreement_detail_has_everything(api: Any, city: Any) -> None:
    agreement = city.agreement_x
    f.AgreementServiceFactory(
        agreement=agreement,
        service=city.addon,
        start=datetime.date(2012, 4, 1),
        end=datetime.date(2012, 12, 31),
        note="Från april",
    )
    LeadTime.objects.create(
        agreement=agreement, process=city.process, work_kind="Leverantörsfaktura", first_response_hours=8, resolution_hours=24
    )
    InterfaceText.objects.create(agreement=agreement, process=city.process, text="Kunden attesterar inom fem dagar.")
    Deviation.objects.create(
        agreement=agreement,
        process=city.process,
        description="Pappersfakturor tas emot",
        approved_on=datetime.date(2012, 2, 1),
        approved_by="Enhetschef",
    )
    AgreementDocument.objects.create(
        agreement=agreement,
        file="agreements/2012/ab/abc.pdf",
        original_name="Serviceavtal 2012.pdf",
        content_type="application/pdf",
        size=12345,
        sha256="ab" * 32,
    )
    response = api("contact_x").get(f"/api/v1/agreements/{agreement.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2012
    assert body["status"] == "undertecknat"
    assert body["customer"] == {"id": city.customer_x.pk, "name": X}
    services = {s["code"]: s for s in body["services"]}
    assert services["LEVFAKT"]["mandatory"] is True
    assert (services["LEVFAKT"]["start"], services["LEVFAKT"]["end"]) == ("2012-01-01", "2012-12-31")
    assert services["ANL"]["mandatory"] is False
    assert services["ANL"]["kind"] == "tillagg"
    assert (services["ANL"]["start"], services["ANL"]["note"]) == ("2012-04-01", "Från april")
    assert body["lead_times"] == [
        {
            "process": {"code": "LEV", "name": "Leverantörsreskontra"},
            "work_kind": "Leverantörsfaktura",
            "first_response_hours": 8,
            "resolution_hours": 24,
        }
    ]
    assert body["interface_texts"][0]["text"] == "Kunden attesterar inom fem dagar."
    assert body["deviations"][0]["approved_on"] == "2012-02-01"
    [document] = body["documents"]
    assert document["name"] == "Serviceavtal 2012.pdf"
    assert document["size"] == 12345
    assert document["sha256"] == "ab" * 32
    assert document["uploaded_at"]
    assert "file" not in document


def test_agreement_filters(api: Any, city: Any) -> None:
    f.AgreementFactory(customer=city.customer_x, year=2013, status="utkast")
    client = api("controller")
    assert {(a["year"], a["customer"]["name"]) for a in results(client.get("/api/v1/agreements/", {"year": 2013}))} == {(2013, X)}
    assert len(results(client.get("/api/v1/agreements/", {"year": "2012"}))) == 2
    assert {a["year"] for a in results(client.get("/api/v1/agreements/", {"customer": city.customer_x.pk}))} == {2012, 2013}
    assert [a["year"] for a in results(client.get("/api/v1/agreements/", {"status": "utkast"}))] == [2013]
    # A detail URL does not depend on its query string.
    assert client.get(f"/api/v1/agreements/{city.agreement_y.pk}/", {"year": "2013"}).status_code == 200


# --- invalid parameters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "parameter"),
    [
        ("/api/v1/agreements/", {"year": "abc"}, "year"),
        ("/api/v1/agreements/", {"year": "12"}, "year"),
        ("/api/v1/agreements/", {"customer": "x"}, "customer"),
        ("/api/v1/agreements/", {"customer": "0"}, "customer"),
        ("/api/v1/agreements/", {"status": "klar"}, "status"),
        ("/api/v1/customers/", {"active_on": "2012-13-01"}, "active_on"),
        ("/api/v1/customers/", {"active_on": "1/7 2012"}, "active_on"),
        ("/api/v1/customers/", {"kind": "kommun"}, "kind"),
        ("/api/v1/services/", {"kind": "extra"}, "kind"),
        ("/api/v1/services/", {"process": "FINNSEJ"}, "process"),
        ("/api/v1/price-lists/{pk}/prices/", {"date": "igår"}, "date"),
        ("/api/v1/price-lists/{pk}/prices/", {"date": "2013-01-01"}, "date"),
    ],
)
def test_bad_parameters_answer_400_in_swedish(api: Any, city: Any, url: str, params: dict[str, str], parameter: str) -> None:
    response = api("controller").get(url.format(pk=city.price_list.pk), params)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [parameter]
    [message] = body[parameter]
    assert parameter in message
    assert any(word in message for word in ("Parametern", "Okänt", "Okänd"))


def test_every_bad_parameter_is_reported_at_once(api: Any) -> None:
    response = api("controller").get("/api/v1/agreements/", {"year": "abc", "status": "klar"})
    assert response.status_code == 400
    assert set(response.json()) == {"year", "status"}


# --- OpenAPI ----------------------------------------------------------------------------


def test_schema_is_served_and_lists_the_endpoints(city: Any) -> None:
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    for path in LISTS:
        assert path in schema["paths"], path
    assert "/api/v1/price-lists/{id}/prices/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["type"] == "apiKey"
    agreement_params = {p["name"] for p in schema["paths"]["/api/v1/agreements/"]["get"]["parameters"]}
    assert {"year", "customer", "status", "limit", "offset"} <= agreement_params
    price = schema["components"]["schemas"]["PriceVersion"]["properties"]["unit_price"]
    assert price["type"] == "string"
    assert price["format"] == "decimal"
