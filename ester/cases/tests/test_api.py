"""The cases API (/api/v1/cases/): register, list, read, add a message or a document — scoped like the UI."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ester.cases import services
from ester.cases.choices import CaseChannel, CaseStatus, EventKind
from ester.cases.models import Case, CaseDocument, CaseEvent, ReturnRequest
from ester.cases.tests.factories import CaseTypeFactory, ReturnReasonFactory

pytestmark = pytest.mark.django_db

STHLM = ZoneInfo("Europe/Stockholm")
PDF = b"%PDF-1.4\n% ester test\n"


@pytest.fixture
def api(city: Any) -> Callable[[str], APIClient]:
    """A client authenticated with a token for the named persona."""

    def client_for(persona: str) -> APIClient:
        token, _ = Token.objects.get_or_create(user=city.users[persona])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture
def case_type(city: Any) -> Any:
    return CaseTypeFactory(
        process=city.process,
        code="LEVMAN",
        name="Manuell leverantörsfaktura",
        portal_fields=[
            {"name": "fakturanummer", "label": "Fakturanummer", "required": True},
            {"name": "forfallodatum", "label": "Förfallodatum", "type": "date"},
        ],
    )


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def register(city: Any, case_type: Any, customer: Any = None, **kwargs: Any) -> Case:
    defaults = {
        "actor": city.handler if customer is None else None,
        "customer": customer or city.customer_x,
        "case_type": case_type,
        "channel": CaseChannel.EMAIL,
        "sender_name": "Kim Kontakt",
        "subject": "Faktura 4711 att betala",
        "received_at": datetime.datetime(2026, 4, 1, 10, 0, tzinfo=STHLM),
    }
    return services.case_register(**{**defaults, **kwargs})


def new_case(kind: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "customer": overrides.pop("customer"),
        "case_type": kind.code,
        "sender_name": "Ekonomisystemet E-blankett",
        "sender_email": "blankett@kund.example",
        "subject": "Manuell faktura 4711",
        "fields": {"fakturanummer": "4711"},
        **overrides,
    }


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- authentication ----------------------------------------------------------------


def test_anonymous_is_refused_everywhere(city: Any, case_type: Any) -> None:
    case = register(city, case_type)
    client = APIClient()
    for method, url in (
        ("get", "/api/v1/cases/"),
        ("post", "/api/v1/cases/"),
        ("get", f"/api/v1/cases/{case.pk}/"),
        ("post", f"/api/v1/cases/{case.pk}/messages/"),
        ("post", f"/api/v1/cases/{case.pk}/documents/"),
    ):
        response = getattr(client, method)(url, {}, format="json" if method == "post" else None)
        assert response.status_code == 401, (method, url)
    assert Case.objects.count() == 1


def test_a_token_registers_a_case(api: Any, city: Any, case_type: Any) -> None:
    response = api("contact_x").post("/api/v1/cases/", new_case(case_type, customer=city.customer_x.pk), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get()
    assert body == {
        "id": case.pk,
        "number": case.number,
        "status": "ny",
        "received_at": body["received_at"],
        "due_at": body["due_at"],
    }
    assert case.number.startswith("EK-") and body["due_at"] is not None
    assert response["Location"] == f"/api/v1/cases/{case.pk}/"
    assert case.channel == CaseChannel.EFORM  # the default channel
    assert case.registered_by == city.contact_x and case.team == city.team_a
    assert case.fields == {"fakturanummer": "4711"}
    assert case.events.get().kind == EventKind.CREATED


# --- registration: who may, and bad input --------------------------------------------


@pytest.mark.parametrize(
    ("persona", "customer", "created"),
    [
        ("contact_x", "customer_x", True),
        ("contact_x", "customer_y", False),
        ("handler", "customer_x", True),
        ("handler_b", "customer_x", False),
        ("controller", "customer_y", True),
        ("outsider", "customer_x", False),
    ],
)
def test_the_caller_must_see_the_customer(
    api: Any, city: Any, case_type: Any, persona: str, customer: str, created: bool
) -> None:
    response = api(persona).post("/api/v1/cases/", new_case(case_type, customer=getattr(city, customer).pk), format="json")
    if created:
        assert response.status_code == 201, response.content
    else:
        assert response.status_code == 400
        assert "kund" in response.json()["customer"][0]
        assert not Case.objects.exists()


def test_missing_fields_are_named_in_swedish(api: Any, city: Any) -> None:
    response = api("handler").post("/api/v1/cases/", {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"customer", "case_type", "sender_name", "subject"}
    assert body["sender_name"] == ["Fältet sender_name saknas: ange avsändarens namn."]
    assert body["subject"] == ["Fältet subject saknas: ange en rubrik."]
    assert body["customer"] == ["Fältet customer saknas: ange kundens id (ett heltal)."]


def test_bad_values_are_named_in_swedish(api: Any, city: Any, case_type: Any) -> None:
    data = new_case(
        case_type,
        customer="abc",
        channel="brevduva",
        sender_name=" ",
        sender_email="inte-en-adress",
        received_at="igår",
        fields=["en lista"],
    )
    body = api("handler").post("/api/v1/cases/", data, format="json").json()
    assert body["customer"] == ["Fältet customer har ett ogiltigt värde: ange kundens id (ett heltal)."]
    assert body["channel"][0].startswith("Okänt värde ”brevduva” i fältet channel: tillåtna värden: epost, post")
    assert body["sender_name"] == ["Fältet sender_name är tomt: ange avsändarens namn."]
    assert "sender_email" in body["sender_email"][0]
    assert "received_at" in body["received_at"][0]
    assert body["fields"] == ["Fältet fields måste vara ett JSON-objekt (nyckel: värde)."]


def test_unknown_case_type_and_required_form_fields(api: Any, city: Any, case_type: Any) -> None:
    client = api("handler")
    body = client.post("/api/v1/cases/", new_case(case_type, customer=city.customer_x.pk, case_type="NEJ"), format="json")
    assert body.json() == {"case_type": ["Okänd ärendetyp ”NEJ”."]}
    data = new_case(case_type, customer=city.customer_x.pk, fields={"forfallodatum": "31/12"})
    body = client.post("/api/v1/cases/", data, format="json").json()
    assert body == {
        "fields": {
            "fakturanummer": ["Fyll i Fakturanummer – uppgiften krävs."],
            "forfallodatum": ["Förfallodatum: ange ett datum som ÅÅÅÅ-MM-DD."],
        }
    }
    assert not Case.objects.exists()


def test_service_errors_come_back_per_field(api: Any, city: Any, case_type: Any) -> None:
    future = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    data = new_case(case_type, customer=city.customer_x.pk, received_at=future)
    response = api("handler").post("/api/v1/cases/", data, format="json")
    assert response.status_code == 400
    assert response.json() == {"received_at": ["Inkomstdatum kan inte ligga i framtiden."]}
    other = CaseTypeFactory(process=city.process, code="GAMMAL", active=False)
    response = api("handler").post("/api/v1/cases/", new_case(other, customer=city.customer_x.pk), format="json")
    assert response.status_code == 400 and "används inte längre" in response.json()["case_type"][0]


def test_a_contact_only_uses_case_types_open_to_the_portal(api: Any, city: Any) -> None:
    staff_only = CaseTypeFactory(process=city.process, code="INTERN", portal_enabled=False)
    data = new_case(staff_only, customer=city.customer_x.pk)
    response = api("contact_x").post("/api/v1/cases/", data, format="json")
    assert response.json() == {"case_type": ["Ärendetypen INTERN kan inte skickas in av kunden."]}
    assert api("handler").post("/api/v1/cases/", data, format="json").status_code == 201


def test_received_at_and_channel_are_kept(api: Any, city: Any, case_type: Any) -> None:
    data = new_case(case_type, customer=city.customer_x.pk, channel="post", received_at="2026-03-02T09:00:00+01:00")
    assert api("handler").post("/api/v1/cases/", data, format="json").status_code == 201
    case = Case.objects.get()
    assert case.channel == "post"
    assert case.received_at == datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    assert case.number == "EK-2026-000001"


# --- reading: scope and detail ----------------------------------------------------------


def test_other_customers_cases_are_404_like_unknown_ids(api: Any, city: Any, case_type: Any) -> None:
    case_x = register(city, case_type)
    client = api("handler_b")
    unknown = client.get("/api/v1/cases/999999/")
    assert unknown.status_code == 404
    assert client.get(f"/api/v1/cases/{case_x.pk}/").content == unknown.content
    for action in ("messages", "documents"):
        assert client.post(f"/api/v1/cases/{case_x.pk}/{action}/", {"text": "hej"}).status_code == 404
    assert results(client.get("/api/v1/cases/")) == []
    assert results(client.get("/api/v1/cases/", {"customer": city.customer_x.pk})) == []
    assert api("contact_y").get(f"/api/v1/cases/{case_x.pk}/").status_code == 404
    assert api("outsider").get(f"/api/v1/cases/{case_x.pk}/").status_code == 404
    assert CaseEvent.objects.filter(kind=EventKind.MESSAGE_OUT).count() == 0


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("handler", {"X"}),
        ("handler_b", {"Y"}),
        ("contact_x", {"X"}),
        ("contact_y", {"Y"}),
        ("unit_manager", {"X"}),
        ("controller", {"X", "Y"}),
        ("outsider", set()),
    ],
)
def test_list_per_persona(api: Any, city: Any, case_type: Any, persona: str, expected: set[str]) -> None:
    register(city, case_type, subject="X")
    register(city, case_type, customer=city.customer_y, subject="Y")
    assert {c["subject"] for c in results(api(persona).get("/api/v1/cases/"))} == expected


def test_contact_never_sees_internal_notes_or_documents(api: Any, city: Any, case_type: Any, media: Any) -> None:
    case = register(city, case_type)
    services.case_add_note(actor=city.handler, case=case, text="Kunden brukar vara sen – hemligt")
    services.case_reply(actor=city.handler, case=case, text="Vi har tagit emot fakturan.")
    staff = api("handler")
    assert staff.post(f"/api/v1/cases/{case.pk}/documents/", {"file": pdf("hemligt.pdf"), "internal": "true"}).status_code == 201
    assert staff.post(f"/api/v1/cases/{case.pk}/documents/", {"file": pdf("faktura.pdf")}).status_code == 201

    seen = api("contact_x").get(f"/api/v1/cases/{case.pk}/")
    assert seen.status_code == 200
    body = seen.json()
    assert b"hemligt" not in seen.content
    assert [e["kind"] for e in body["timeline"]] == ["created", "message_out", "document"]
    assert not any(e["internal"] for e in body["timeline"])
    assert [d["name"] for d in body["documents"]] == ["faktura.pdf"]

    full = staff.get(f"/api/v1/cases/{case.pk}/").json()
    assert [e["kind"] for e in full["timeline"]] == ["created", "note", "message_out", "document", "document"]
    assert {e["text"] for e in full["timeline"] if e["internal"]} >= {"Kunden brukar vara sen – hemligt", "hemligt.pdf"}
    assert [d["name"] for d in full["documents"]] == ["hemligt.pdf", "faktura.pdf"]


def test_detail_has_the_case_timeline_documents_and_return_requests(api: Any, city: Any, case_type: Any, media: Any) -> None:
    case = register(city, case_type, fields={"fakturanummer": "4711"})
    services.case_assign(actor=city.handler, case=case, assignee=city.handler)
    reasons = [
        ReturnReasonFactory(code="ATTEST", text="Attest saknas"),
        ReturnReasonFactory(code="FFD", text="Förfallodatum saknas"),
    ]
    services.case_return_for_completion(actor=city.handler, case=case, reasons=reasons)
    api("handler").post(f"/api/v1/cases/{case.pk}/documents/", {"file": pdf("faktura.pdf")})

    body = api("contact_x").get(f"/api/v1/cases/{case.pk}/").json()
    assert body["number"] == case.number
    assert body["status"] == "vantar"
    assert body["customer"] == {"id": city.customer_x.pk, "name": city.customer_x.name}
    assert body["case_type"] == {"code": "LEVMAN", "name": "Manuell leverantörsfaktura"}
    assert body["process"] == {"code": "LEV", "name": "Leverantörsreskontra"}
    assert body["team"]["name"] == "Team A"
    assert body["assignee"] == (city.handler.get_full_name() or city.handler.username)
    assert body["fields"] == {"fakturanummer": "4711"}
    assert body["paused_since"] is not None
    [request] = body["return_requests"]
    assert [r["code"] for r in request["reasons"]] == ["ATTEST", "FFD"]
    assert request["letter"]["subject"] == f"Komplettering behövs: ärende {case.number}"
    assert "- Attest saknas" in request["letter"]["body"]
    assert request["sent_at"] is not None and request["completed_at"] is None
    [document] = body["documents"]
    assert document["name"] == "faktura.pdf" and document["size"] == len(PDF) and len(document["sha256"]) == 64
    assert document["content_type"] == "application/pdf"
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds == ["created", "returned", "document"]  # assigned and paused are internal


# --- list filters and query count ---------------------------------------------------------


def test_list_filters(api: Any, city: Any, case_type: Any) -> None:
    other_type = CaseTypeFactory(process=city.process, code="PAMINN", name="Påminnelse")
    early = register(city, case_type, subject="Tidig faktura", received_at=datetime.datetime(2026, 3, 2, 0, 30, tzinfo=STHLM))
    late = register(city, other_type, subject="Påminnelse 99", received_at=datetime.datetime(2026, 3, 3, 23, 30, tzinfo=STHLM))
    on_y = register(city, case_type, customer=city.customer_y, subject="Bromma faktura")
    services.case_close(actor=city.handler, case=early)
    client = api("controller")

    def numbers(**params: Any) -> list[str]:
        return [c["number"] for c in results(client.get("/api/v1/cases/", params))]

    assert numbers() == [on_y.number, late.number, early.number]  # newest received first
    assert numbers(status="avslutad") == [early.number]
    assert numbers(customer=city.customer_y.pk) == [on_y.number]
    assert numbers(team=city.team_a.pk) == [late.number, early.number]
    assert numbers(case_type="PAMINN") == [late.number]
    assert numbers(received_from="2026-03-03", received_to="2026-03-03") == [late.number]
    assert numbers(received_to="2026-03-02") == [early.number]  # the whole day, Stockholm time
    assert set(numbers(q="faktura")) == {on_y.number, early.number}
    assert numbers(q="faktura", customer=city.customer_x.pk) == [early.number]
    assert numbers(q=early.number) == [early.number]
    row = results(client.get("/api/v1/cases/", {"q": late.number}))[0]
    assert row["channel"] == "epost" and row["status"] == "ny" and row["assignee"] is None
    assert row["received_at"] == "2026-03-03T23:30:00+01:00"


def test_word_search_uses_the_search_module_and_its_scope(api: Any, city: Any, case_type: Any) -> None:
    first = register(city, case_type, subject="Leverantörsfaktura", description="Gäller fakturor från Telia")
    second = register(city, case_type, subject="Påminnelse", sender_name="Telia Sverige AB")
    services.case_add_note(actor=city.handler, case=second, text="Hemlig anteckning om Kalmarbuss")
    register(city, case_type, customer=city.customer_y, subject="Telia i Bromma")

    def numbers(persona: str, q: str) -> set[str]:
        return {c["number"] for c in results(api(persona).get("/api/v1/cases/", {"q": q}))}

    assert numbers("handler", "telia") == {first.number, second.number}  # description and sender, not Y's case
    assert numbers("handler", "Kalmarbuss") == {second.number}  # internal notes: staff only
    assert numbers("contact_x", "Kalmarbuss") == set()
    assert numbers("contact_x", "telia") == {first.number, second.number}
    assert numbers("handler", "!!!") == set()


def test_lists_mask_personal_identity_numbers(api: Any, city: Any, case_type: Any) -> None:
    case = register(city, case_type, subject="Lön för 19121212-1212", sender_name="Tolvan 121212-1212")
    [row] = results(api("handler").get("/api/v1/cases/"))
    assert (row["subject"], row["sender_name"]) == ("Lön för 121212-****", "Tolvan 121212-****")
    detail = api("handler").get(f"/api/v1/cases/{case.pk}/").json()
    assert (detail["subject"], detail["sender_name"]) == ("Lön för 19121212-1212", "Tolvan 121212-1212")


def test_bad_filters_answer_400_in_swedish(api: Any, city: Any) -> None:
    response = api("handler").get(
        "/api/v1/cases/", {"status": "klar", "customer": "x", "case_type": "NEJ", "received_from": "2026-13-01"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == [
        "Okänt värde ”klar” för parametern status; tillåtna värden: ny, pagaende, vantar, overlamnad, avslutad, makulerad."
    ]
    assert body["customer"] == ["Parametern customer måste vara ett heltal; fick ”x”."]
    assert body["case_type"] == ["Okänd ärendetyp ”NEJ” i parametern case_type."]
    assert "ÅÅÅÅ-MM-DD" in body["received_from"][0]
    response = api("handler").get("/api/v1/cases/", {"received_from": "2026-03-04", "received_to": "2026-03-03"})
    assert response.json() == {"received_to": ["Parametern received_to (2026-03-03) ligger före received_from (2026-03-04)."]}


def test_list_query_count_does_not_grow_with_cases(api: Any, city: Any, case_type: Any) -> None:
    client = api("handler")

    def queries_for(total: int) -> int:
        while Case.objects.count() < total:
            case = register(city, case_type)
            services.case_assign(actor=city.handler, case=case, assignee=city.handler)
        with CaptureQueriesContext(connection) as ctx:
            assert len(results(client.get("/api/v1/cases/"))) == total
        return len(ctx.captured_queries)

    few, many = queries_for(3), queries_for(30)
    assert few == many, (few, many)


def test_detail_query_count_does_not_grow_with_the_timeline(api: Any, city: Any, case_type: Any) -> None:
    case = register(city, case_type)
    client = api("contact_x")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for n in range(10):
        services.case_reply(actor=city.handler, case=case, text=f"Svar {n}")
    assert queries() == few


# --- messages -------------------------------------------------------------------------


def test_staff_write_notes_and_replies(api: Any, city: Any, case_type: Any) -> None:
    case = register(city, case_type)
    client = api("handler")
    note = client.post(f"/api/v1/cases/{case.pk}/messages/", {"text": "Ring leverantören", "internal": True}, format="json")
    assert note.status_code == 201
    assert note.json()["kind"] == "note" and note.json()["internal"] is True
    reply = client.post(f"/api/v1/cases/{case.pk}/messages/", {"text": "Fakturan är betald."}, format="json")
    assert reply.status_code == 201
    assert reply.json()["kind"] == "message_out" and reply.json()["internal"] is False
    case.refresh_from_db()
    assert case.first_response_at is not None


def test_a_contact_cannot_write_internal_notes(api: Any, city: Any, case_type: Any) -> None:
    case = register(city, case_type)
    response = api("contact_x").post(f"/api/v1/cases/{case.pk}/messages/", {"text": "hemligt", "internal": True}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Kundkontakter kan inte skriva interna anteckningar; skicka internal=false."}
    assert not CaseEvent.objects.filter(text="hemligt").exists()


def test_a_contact_message_completes_a_waiting_case(api: Any, city: Any, case_type: Any) -> None:
    case = register(city, case_type)
    services.case_return_for_completion(actor=city.handler, case=case, reasons=[ReturnReasonFactory(code="ATTEST")])
    response = api("contact_x").post(f"/api/v1/cases/{case.pk}/messages/", {"text": "Attesten bifogad"}, format="json")
    assert response.status_code == 201
    assert response.json()["kind"] == "completed" and response.json()["text"] == "Attesten bifogad"
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW and case.paused_since is None
    assert ReturnRequest.objects.get().completed_at is not None


def test_a_contact_message_on_an_open_case_and_on_a_closed_one(api: Any, city: Any, case_type: Any) -> None:
    case = register(city, case_type)
    client = api("contact_x")
    response = client.post(f"/api/v1/cases/{case.pk}/messages/", {"text": "En fråga till"}, format="json")
    assert response.json()["kind"] == "message_in"
    assert response.json()["actor"] == (city.contact_x.get_full_name() or "contact_x")
    services.case_close(actor=city.handler, case=case)
    response = client.post(f"/api/v1/cases/{case.pk}/messages/", {"text": "Det blev fel ändå"}, format="json")
    assert response.status_code == 201
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW  # reopened: a message never disappears
    assert list(case.events.values_list("kind", flat=True))[-2:] == [EventKind.REOPENED, EventKind.MESSAGE_IN]
    services.case_void(actor=city.handler, case=case, reason="Dubblett")
    response = client.post(f"/api/v1/cases/{case.pk}/messages/", {"text": "Hallå?"}, format="json")
    assert response.status_code == 400
    assert "makulerat" in response.json()["non_field_errors"][0]


def test_an_empty_message_is_refused_in_swedish(api: Any, city: Any, case_type: Any) -> None:
    case = register(city, case_type)
    response = api("handler").post(f"/api/v1/cases/{case.pk}/messages/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"text": ["Fältet text saknas: skriv ett meddelande."]}
    response = api("contact_x").post(f"/api/v1/cases/{case.pk}/messages/", {"text": "  "}, format="json")
    assert response.json() == {"text": ["Fältet text är tomt: skriv ett meddelande."]}


# --- documents ------------------------------------------------------------------------


def pdf(name: str = "faktura.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_upload_a_document(api: Any, city: Any, case_type: Any, media: Any) -> None:
    case = register(city, case_type)
    response = api("contact_x").post(f"/api/v1/cases/{case.pk}/documents/", {"file": pdf()})
    assert response.status_code == 201, response.content
    body = response.json()
    document = CaseDocument.objects.get()
    assert body["id"] == document.pk and body["name"] == "faktura.pdf" and body["size"] == len(PDF)
    assert body["internal"] is False
    assert document.file.read() == PDF  # stored unaltered
    assert case.events.filter(kind=EventKind.DOCUMENT).exists()


def test_a_bad_upload_is_refused_whole(api: Any, city: Any, case_type: Any, media: Any) -> None:
    case = register(city, case_type)
    client = api("handler")
    response = client.post(f"/api/v1/cases/{case.pk}/documents/", {"file": pdf("virus.exe", b"MZ\x90\x00")})
    assert response.status_code == 400
    assert response.json()["file"][0].startswith("Filen ”virus.exe” har en filtyp som inte tas emot.")
    response = client.post(f"/api/v1/cases/{case.pk}/documents/", {"file": pdf("faktura.pdf", b"inte en pdf")})
    assert response.status_code == 400 and "innehållet är inte PDF" in response.json()["file"][0]
    response = client.post(f"/api/v1/cases/{case.pk}/documents/", {})
    assert response.json() == {"file": ["Fältet file saknas: skicka en fil som multipart/form-data."]}
    assert not CaseDocument.objects.exists()
    assert not case.events.filter(kind=EventKind.DOCUMENT).exists()


def test_a_contact_cannot_add_internal_documents(api: Any, city: Any, case_type: Any, media: Any) -> None:
    case = register(city, case_type)
    response = api("contact_x").post(f"/api/v1/cases/{case.pk}/documents/", {"file": pdf(), "internal": "true"})
    assert response.status_code == 403
    assert not CaseDocument.objects.exists()


# --- schema ---------------------------------------------------------------------------


def test_the_endpoints_are_in_the_schema(api: Any) -> None:
    schema = api("handler").get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert set(paths["/api/v1/cases/"]) >= {"get", "post"}
    assert "get" in paths["/api/v1/cases/{id}/"]
    assert "post" in paths["/api/v1/cases/{id}/messages/"]
    assert "multipart/form-data" in paths["/api/v1/cases/{id}/documents/"]["post"]["requestBody"]["content"]
    components = schema["components"]["schemas"]
    assert {"CaseCreate", "CaseCreated", "CaseDetail", "CaseEvent", "Message", "DocumentUpload"} <= set(components)


@pytest.mark.django_db
def test_read_only_roles_may_read_but_not_write(city: Any, api: Any, case_type: Any, media: Any) -> None:
    """A controller sees every case but handles none: messages and documents answer 403, nothing is written."""
    case = register(city, case_type)
    controller = api("controller")
    assert controller.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    assert (
        controller.post(f"/api/v1/cases/{case.pk}/messages/", {"text": "Hej", "internal": False}, format="json").status_code
        == 403
    )
    upload = controller.post(f"/api/v1/cases/{case.pk}/documents/", {"file": io.BytesIO(PDF)}, format="multipart")
    assert upload.status_code == 403
    assert not case.events.exclude(kind="created").exists() and not case.documents.exists()
    assert (
        api("handler").post(f"/api/v1/cases/{case.pk}/messages/", {"text": "Hej", "internal": True}, format="json").status_code
        == 201
    )
