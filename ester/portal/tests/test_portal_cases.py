"""The portal's cases: submit underlag, follow the department's cases, answer a completion request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ester.cases import services
from ester.cases.choices import CaseStatus
from ester.cases.documents import case_document_add
from ester.cases.models import Case, CaseDocument
from ester.cases.portal_services import case_submit
from ester.cases.tests.factories import CaseTypeFactory, ReturnReasonFactory

PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def files(*pairs: tuple[str, bytes]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, content) for name, content in pairs]


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def case_type(city: Any) -> Any:
    return CaseTypeFactory(
        process=city.process,
        code="LEVMAN",
        name="Manuell leverantörsfaktura",
        description="En faktura som inte kommit elektroniskt.",
        portal_fields=[
            {"name": "fakturanummer", "label": "Fakturanummer", "required": True},
            {"name": "leverantor", "label": "Leverantör", "required": True},
        ],
    )


@pytest.fixture
def case_x(city: Any, case_type: Any, media: Path) -> Case:
    return case_submit(
        actor=city.contact_x,
        customer=city.customer_x,
        case_type=case_type,
        fields={"fakturanummer": "4711", "leverantor": "Leverantören AB"},
        subject="Faktura 4711",
        description="",
        uploads=files(("faktura.pdf", PDF)),
    )


def new_url(city: Any, case_type: Any | None = None) -> str:
    url = reverse("portal:case-new", args=[city.customer_x.pk])
    return f"{url}?typ={case_type.pk}" if case_type else url


@pytest.mark.django_db
class TestSubmit:
    def test_chooser_lists_the_portal_case_types_of_handled_processes(self, city: Any, case_type: Any, client: Any) -> None:
        CaseTypeFactory(process=city.process, code="INTERN", name="Intern typ", portal_enabled=False)
        CaseTypeFactory(process=city.process, code="GAMMAL", name="Gammal typ", active=False)
        client.force_login(city.contact_x)
        body = client.get(new_url(city)).content.decode()
        assert "Manuell leverantörsfaktura" in body and city.process.name in body
        assert "Intern typ" not in body and "Gammal typ" not in body

    def test_contact_submits_and_sees_the_number_at_once(self, city: Any, case_type: Any, client: Any, media: Path) -> None:
        client.force_login(city.contact_x)
        form = client.get(new_url(city, case_type))
        assert form.status_code == 200
        assert "Fakturanummer" in form.content.decode() and 'type="file"' in form.content.decode()
        response = client.post(
            new_url(city),
            {
                "arendetyp": case_type.pk,
                "falt_fakturanummer": "4711",
                "falt_leverantor": "Leverantören AB",
                "subject": "Faktura 4711",
                "description": "Betalas senast 1 maj.",
                "uploads": files(("faktura.pdf", PDF), ("bilaga.png", PNG)),
            },
            follow=True,
        )
        case = Case.objects.get()
        body = response.content.decode()
        assert response.status_code == 200
        assert f"Ärendet har nummer {case.number}" in body
        assert case.channel == "portal" and case.sender_name == "Kim Kontakt"
        assert case.fields == {"fakturanummer": "4711", "leverantor": "Leverantören AB"}
        assert "faktura.pdf" in body and "bilaga.png" in body and "Leverantören AB" in body
        assert case.documents.count() == 2

    def test_missing_fields_are_named_and_nothing_is_created(self, city: Any, case_type: Any, client: Any, media: Path) -> None:
        client.force_login(city.contact_x)
        response = client.post(
            new_url(city), {"arendetyp": case_type.pk, "falt_leverantor": "AB", "uploads": files(("faktura.pdf", PDF))}
        )
        body = response.content.decode()
        assert response.status_code == 400
        assert "Fyll i Fakturanummer – uppgiften krävs." in body and "Fyll i Rubrik" in body
        assert "Fyll i Leverantör" not in body
        assert not Case.objects.exists() and not list(media.rglob("*.*"))

    def test_a_forbidden_file_refuses_the_whole_submission(self, city: Any, case_type: Any, client: Any, media: Path) -> None:
        client.force_login(city.contact_x)
        response = client.post(
            new_url(city),
            {
                "arendetyp": case_type.pk,
                "falt_fakturanummer": "4711",
                "falt_leverantor": "AB",
                "subject": "Faktura",
                "uploads": files(("faktura.pdf", PDF), ("program.exe", b"MZ\x90\x00")),
            },
        )
        assert response.status_code == 400
        assert "Filen ”program.exe” har en filtyp som inte tas emot. Tillåtna filtyper: PDF" in response.content.decode()
        assert not Case.objects.exists() and not CaseDocument.objects.exists()
        assert [p for p in media.rglob("*") if p.is_file()] == []

    def test_post_without_a_case_type_asks_for_one(self, city: Any, client: Any) -> None:
        client.force_login(city.contact_x)
        response = client.post(new_url(city), {})
        assert response.status_code == 400 and "Välj vilken sorts underlag" in response.content.decode()

    def test_another_customers_page_and_case_type_are_404(self, city: Any, case_type: Any, client: Any) -> None:
        client.force_login(city.contact_y)
        assert client.get(new_url(city, case_type)).status_code == 404
        assert client.post(new_url(city), {"arendetyp": case_type.pk, "subject": "x"}).status_code == 404
        assert not Case.objects.exists()


@pytest.mark.django_db
class TestListAndDetail:
    def test_list_shows_the_departments_cases_waiting_first(self, city: Any, case_type: Any, case_x: Case, client: Any) -> None:
        other = case_submit(
            actor=city.contact_x,
            customer=city.customer_x,
            case_type=case_type,
            fields={"fakturanummer": "1", "leverantor": "B"},
            subject="Annan faktura",
        )
        services.case_return_for_completion(actor=city.handler, case=case_x, reasons=[], free_text="Attest saknas")
        client.force_login(city.contact_x)
        body = client.get(reverse("portal:case-list", args=[city.customer_x.pk])).content.decode()
        assert body.index(case_x.number) < body.index(other.number)
        assert "Väntar på er" in body and "1 ärende väntar på er komplettering." in body
        assert "Manuell leverantörsfaktura" in body and "Faktura 4711" in body
        waiting_only = client.get(reverse("portal:case-list", args=[city.customer_x.pk]), {"status": "vantar"})
        assert other.number not in waiting_only.content.decode()

    def test_customer_page_links_to_the_cases(self, city: Any, client: Any) -> None:
        client.force_login(city.contact_x)
        body = client.get(reverse("portal:customer", args=[city.customer_x.pk])).content.decode()
        assert reverse("portal:case-list", args=[city.customer_x.pk]) in body
        assert reverse("portal:case-new", args=[city.customer_x.pk]) in body

    def test_internal_notes_and_documents_are_never_shown(self, city: Any, case_x: Case, client: Any, media: Path) -> None:
        services.case_add_note(actor=city.handler, case=case_x, text="Hemlig intern anteckning om leverantören")
        internal = case_document_add(
            actor=city.handler, case=case_x, upload=SimpleUploadedFile("intern-pm.pdf", PDF + b"intern"), internal=True
        )
        services.case_assign(actor=city.handler, case=case_x, assignee=city.handler)
        services.case_reply(actor=city.handler, case=case_x, text="Vi betalar fakturan i morgon.")
        client.force_login(city.contact_x)
        body = client.get(reverse("portal:case-detail", args=[case_x.pk])).content.decode()
        assert "Vi betalar fakturan i morgon." in body and "faktura.pdf" in body
        assert "Hemlig intern anteckning" not in body and "intern-pm.pdf" not in body
        assert "Tilldelat" not in body
        assert client.get(reverse("portal:case-document", args=[internal.pk])).status_code == 404

    def test_document_download_is_the_original(self, city: Any, case_x: Case, client: Any) -> None:
        document = case_x.documents.get()
        client.force_login(city.contact_x)
        response = client.get(reverse("portal:case-document", args=[document.pk]))
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        assert 'filename="faktura.pdf"' in response["Content-Disposition"]

    def test_other_customers_contact_and_staff_get_404(self, city: Any, case_x: Case, client: Any) -> None:
        document = case_x.documents.get()
        urls = [
            reverse("portal:case-list", args=[city.customer_x.pk]),
            new_url(city),
            reverse("portal:case-detail", args=[case_x.pk]),
            reverse("portal:case-document", args=[document.pk]),
        ]
        for persona in ("contact_y", "handler", "unit_manager", "sysadmin", "outsider"):
            client.force_login(city.users[persona])
            for url in urls:
                assert client.get(url).status_code == 404, (persona, url)
            assert client.post(reverse("portal:case-complete", args=[case_x.pk]), {"text": "x"}).status_code == 404


@pytest.mark.django_db
class TestCompletion:
    @pytest.fixture
    def waiting(self, city: Any, case_x: Case) -> Case:
        services.case_assign(actor=city.handler, case=case_x, assignee=city.handler)
        reasons = [
            ReturnReasonFactory(code="ATTEST", text="Attest saknas"),
            ReturnReasonFactory(code="FORF", text="Förfallodatum saknas"),
        ]
        services.case_return_for_completion(actor=city.handler, case=case_x, reasons=reasons)
        case_x.refresh_from_db()
        return case_x

    def test_the_letter_and_the_form_are_shown_while_waiting(self, city: Any, waiting: Case, client: Any) -> None:
        client.force_login(city.contact_x)
        body = client.get(reverse("portal:case-detail", args=[waiting.pk])).content.decode()
        assert "Attest saknas" in body and "Förfallodatum saknas" in body
        assert "Skicka komplettering" in body and reverse("portal:case-complete", args=[waiting.pk]) in body

    def test_completion_resumes_the_case(self, city: Any, waiting: Case, client: Any, media: Path) -> None:
        client.force_login(city.contact_x)
        response = client.post(
            reverse("portal:case-complete", args=[waiting.pk]),
            {"text": "Attesterad och med förfallodatum.", "uploads": files(("attest.pdf", PDF + b"attest"))},
            follow=True,
        )
        waiting.refresh_from_db()
        assert waiting.status == CaseStatus.IN_PROGRESS
        body = response.content.decode()
        assert f"Kompletteringen av ärende {waiting.number} är mottagen." in body
        assert "Attesterad och med förfallodatum." in body and "attest.pdf" in body
        assert 'action="' + reverse("portal:case-complete", args=[waiting.pk]) not in body

    def test_a_bad_file_refuses_the_completion(self, city: Any, waiting: Case, client: Any) -> None:
        client.force_login(city.contact_x)
        response = client.post(
            reverse("portal:case-complete", args=[waiting.pk]), {"text": "Här", "uploads": files(("attest.pdf", b"PK\x03\x04"))}
        )
        assert response.status_code == 400 and "”attest.pdf”" in response.content.decode()
        waiting.refresh_from_db()
        assert waiting.status == CaseStatus.WAITING and not waiting.documents.filter(original_name="attest.pdf").exists()

    def test_completing_a_case_that_is_not_waiting_says_so(self, city: Any, case_x: Case, client: Any) -> None:
        client.force_login(city.contact_x)
        response = client.post(reverse("portal:case-complete", args=[case_x.pk]), {"text": "Här kommer mer"})
        assert response.status_code == 400
        assert f"Ärendet {case_x.number} väntar inte på komplettering (status: ny)." in response.content.decode()
        assert not case_x.events.filter(kind="completed").exists()

    def test_completion_page_only_accepts_post(self, city: Any, case_x: Case, client: Any) -> None:
        client.force_login(city.contact_x)
        assert client.get(reverse("portal:case-complete", args=[case_x.pk])).status_code == 405
