"""Case documents and the portal's services: types by extension and content, SHA-256,
content-addressed storage, and all-or-nothing submissions and completions."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ester.cases import services
from ester.cases.choices import CaseChannel, CaseStatus, EventKind
from ester.cases.documents import (
    case_document_add,
    files_kept_only_on_success,
    store_document,
    validate_upload,
)
from ester.cases.models import Case, CaseDocument, CaseNumberSequence
from ester.cases.portal_services import case_answer_completion, case_submit
from ester.cases.tests.factories import CaseTypeFactory, ReturnReasonFactory

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 40
EML = b"From: kim@rinkeby.example\r\nTo: lev@sf.example\r\nSubject: Faktura\r\n\r\nHej!\r\n"


def office(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<x/>")
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


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
        portal_fields=[
            {"name": "fakturanummer", "label": "Fakturanummer", "required": True},
            {"name": "forfallodatum", "label": "Förfallodatum", "required": True, "type": "date"},
            {"name": "belopp", "label": "Belopp", "required": False, "type": "number"},
        ],
    )


FIELDS = {"fakturanummer": "4711", "forfallodatum": "2026-05-01", "belopp": "1 250,50"}


def submit(city: Any, case_type: Any, *files: SimpleUploadedFile, **kwargs: Any) -> Case:
    arguments = {
        "actor": city.contact_x,
        "customer": city.customer_x,
        "case_type": case_type,
        "fields": FIELDS,
        "subject": "Faktura 4711",
        "description": "Från Leverantören AB",
        "uploads": list(files),
    }
    return case_submit(**{**arguments, **kwargs})


class TestValidateUpload:
    @pytest.mark.parametrize(
        ("name", "content", "content_type"),
        [
            ("faktura.pdf", PDF, "application/pdf"),
            ("skanning.PNG", PNG, "image/png"),
            ("foto.jpg", JPEG, "image/jpeg"),
            ("foto.jpeg", JPEG, "image/jpeg"),
            ("fax.tif", TIFF, "image/tiff"),
            ("brev.docx", office("word/"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("lista.xlsx", office("xl/"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("notering.txt", "Hej, här är fakturan.".encode(), "text/plain"),
            ("rader.csv", "namn;belopp\nÅsa;100\n".encode("cp1252"), "text/csv"),
            ("meddelande.eml", EML, "message/rfc822"),
        ],
    )
    def test_allowed_types(self, name: str, content: bytes, content_type: str) -> None:
        checked = validate_upload(upload(name, content))
        assert checked.content_type == content_type
        assert checked.sha256 == hashlib.sha256(content).hexdigest()
        assert checked.size == len(content) and checked.name == name

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("faktura.pdf", office("word/")),  # a zip called .pdf
            ("faktura.pdf", PNG),
            ("bild.png", PDF),
            ("brev.docx", PDF),
            ("brev.docx", b"PK\x03\x04 not really a zip"),
            ("lista.xlsx", office("word/")),  # a Word file called .xlsx
            ("notering.txt", b"MZ\x90\x00\x03\x00\x00\x00"),  # a Windows program called .txt
            ("rader.csv", b"a;b\x00\x00c"),
            ("meddelande.eml", b"\n\nno headers here at all"),
        ],
    )
    def test_content_must_match_the_extension(self, name: str, content: bytes) -> None:
        with pytest.raises(ValidationError) as error:
            validate_upload(upload(name, content))
        message = error.value.messages[0]
        assert f"”{name}”" in message and "innehållet är inte" in message
        assert "PDF, PNG, JPEG, TIFF" in message

    @pytest.mark.parametrize("name", ["program.exe", "skript.js", "makro.docm", "arkiv.zip", "utan-filandelse", "bild.gif"])
    def test_forbidden_types_are_named_with_the_allowed_ones(self, name: str) -> None:
        with pytest.raises(ValidationError) as error:
            validate_upload(upload(name, PDF))
        assert error.value.messages == [
            f"Filen ”{name}” har en filtyp som inte tas emot. Tillåtna filtyper: "
            "PDF, PNG, JPEG, TIFF, Word (DOCX), Excel (XLSX), text (TXT), CSV och e-post (EML)."
        ]

    def test_size_limit_and_empty_file(self, settings: Any) -> None:
        settings.ESTER_MAX_UPLOAD_BYTES = 1024 * 1024
        big = PDF + b"0" * (2 * 1024 * 1024)
        with pytest.raises(ValidationError) as error:
            validate_upload(upload("stor.pdf", big))
        assert error.value.messages == ["Filen ”stor.pdf” är 2 MB; största tillåtna storlek är 1 MB."]
        with pytest.raises(ValidationError, match="är tom"):
            validate_upload(upload("tom.pdf", b""))

    def test_folders_and_control_characters_are_dropped_from_the_name(self) -> None:
        assert validate_upload(upload("C:\\Users\\kim\\faktura\x07.pdf", PDF)).name == "faktura.pdf"


@pytest.mark.django_db
class TestCaseDocumentAdd:
    def test_stored_unaltered_content_addressed_with_sha256(self, city: Any, case_type: Any, media: Path) -> None:
        case = submit(city, case_type)
        document = case_document_add(actor=city.handler, case=case, upload=upload("faktura.pdf", PDF))
        sha = hashlib.sha256(PDF).hexdigest()
        assert document.sha256 == sha and document.size == len(PDF) and document.content_type == "application/pdf"
        assert document.file.name == f"cases/{sha[:2]}/{sha[2:4]}/{sha}"
        assert (media / document.file.name).read_bytes() == PDF
        event = case.events.get(kind=EventKind.DOCUMENT)
        assert event.text == "faktura.pdf" and event.payload["sha256"] == sha and not event.internal

    def test_the_same_file_twice_is_two_rows_one_stored_file(self, city: Any, case_type: Any, media: Path) -> None:
        case = submit(city, case_type)
        first = case_document_add(actor=city.handler, case=case, upload=upload("faktura.pdf", PDF))
        second = case_document_add(actor=city.handler, case=case, upload=upload("faktura-igen.pdf", PDF))
        assert first.pk != second.pk and first.sha256 == second.sha256
        assert first.file.name == second.file.name
        assert len(stored_files(media)) == 1

    def test_internal_documents_only_by_staff_and_only_by_those_who_see_the_case(
        self, city: Any, case_type: Any, media: Path
    ) -> None:
        case = submit(city, case_type)
        internal = case_document_add(actor=city.handler, case=case, upload=upload("intern.pdf", PDF), internal=True)
        assert internal.internal and case.events.get(kind=EventKind.DOCUMENT).internal
        with pytest.raises(ValidationError, match="Bara handläggare"):
            case_document_add(actor=city.contact_x, case=case, upload=upload("x.pdf", PDF), internal=True)
        for persona in ("contact_y", "handler_b", "outsider"):
            with pytest.raises((ValidationError, PermissionDenied)):
                case_document_add(actor=city.users[persona], case=case, upload=upload("x.pdf", PDF))
        assert CaseDocument.objects.filter(case=case).count() == 1

    def test_files_written_by_a_failed_transaction_are_removed_old_ones_kept(
        self, city: Any, case_type: Any, media: Path
    ) -> None:
        case = submit(city, case_type)
        case_document_add(actor=city.handler, case=case, upload=upload("faktura.pdf", PDF))
        before = stored_files(media)
        with pytest.raises(RuntimeError), files_kept_only_on_success() as written:
            from django.db import transaction

            with transaction.atomic():
                store_document(actor=city.handler, case=case, checked=validate_upload(upload("a.pdf", PDF)), written=written)
                store_document(actor=city.handler, case=case, checked=validate_upload(upload("b.png", PNG)), written=written)
                raise RuntimeError("disk full")
        assert stored_files(media) == before
        assert CaseDocument.objects.filter(case=case).count() == 1


@pytest.mark.django_db
class TestCaseSubmit:
    def test_registers_a_portal_case_with_its_documents(self, city: Any, case_type: Any, media: Path) -> None:
        case = submit(city, case_type, upload("faktura.pdf", PDF), upload("bilaga.png", PNG))
        assert case.number.startswith("EK-") and case.channel == CaseChannel.PORTAL
        assert case.customer == city.customer_x and case.team == city.team_a and case.status == CaseStatus.NEW
        assert case.sender_name == "Kim Kontakt" and case.registered_by == city.contact_x
        assert case.fields == {"fakturanummer": "4711", "forfallodatum": "2026-05-01", "belopp": "1250.50"}
        assert case.description == "Från Leverantören AB"
        assert sorted(case.documents.values_list("original_name", "sha256")) == sorted(
            [("bilaga.png", hashlib.sha256(PNG).hexdigest()), ("faktura.pdf", hashlib.sha256(PDF).hexdigest())]
        )
        assert case.events.filter(kind=EventKind.DOCUMENT, internal=False).count() == 2
        assert len(stored_files(media)) == 2

    def test_one_bad_file_refuses_everything(self, city: Any, case_type: Any, media: Path) -> None:
        submit(city, case_type, upload("forsta.pdf", PDF))
        counts = (Case.objects.count(), CaseDocument.objects.count(), len(stored_files(media)))
        last_number = CaseNumberSequence.objects.get().last
        with pytest.raises(ValidationError) as error:
            submit(city, case_type, upload("faktura.pdf", PDF), upload("falsk.pdf", office("word/")), upload("virus.exe", b"MZ"))
        messages = error.value.message_dict["uploads"]
        assert len(messages) == 2
        assert "”falsk.pdf”" in messages[0] and "”virus.exe”" in messages[1]
        assert (Case.objects.count(), CaseDocument.objects.count(), len(stored_files(media))) == counts
        assert CaseNumberSequence.objects.get().last == last_number  # no number used up
        assert submit(city, case_type).number == f"EK-{Case.objects.first().number[3:7]}-{last_number + 1:06d}"

    def test_over_the_size_limit_refuses_everything(self, city: Any, case_type: Any, media: Path, settings: Any) -> None:
        settings.ESTER_MAX_UPLOAD_BYTES = 1024 * 1024
        with pytest.raises(ValidationError, match="största tillåtna storlek är 1 MB"):
            submit(city, case_type, upload("liten.pdf", PDF), upload("stor.pdf", PDF + b"0" * 1024 * 1024))
        assert not Case.objects.exists() and not CaseDocument.objects.exists() and stored_files(media) == []
        assert not CaseNumberSequence.objects.exists()

    def test_every_missing_required_field_is_named(self, city: Any, case_type: Any, media: Path) -> None:
        with pytest.raises(ValidationError) as error:
            submit(city, case_type, upload("faktura.pdf", PDF), fields={"belopp": "tio kronor"}, subject=" ")
        errors = error.value.message_dict
        assert errors["falt_fakturanummer"] == ["Fyll i Fakturanummer – uppgiften krävs."]
        assert errors["falt_forfallodatum"] == ["Fyll i Förfallodatum – uppgiften krävs."]
        assert errors["falt_belopp"] == ["Belopp: ange ett tal."]
        assert "subject" in errors
        assert not Case.objects.exists() and stored_files(media) == []

    def test_case_type_must_be_open_to_the_portal_and_handled_for_the_customer(self, city: Any, media: Path) -> None:
        from ester.organisation.tests.factories import ProcessFactory

        closed = CaseTypeFactory(process=city.process, code="INTERN", portal_enabled=False)
        unhandled = CaseTypeFactory(process=ProcessFactory(area=city.area, code="LON"), code="LONX")
        for case_type in (closed, unhandled):
            with pytest.raises(ValidationError) as error:
                submit(city, case_type)
            assert "kan inte skickas in via portalen" in error.value.message_dict["case_type"][0]
        with pytest.raises(ValidationError):
            submit(city, closed, actor=city.contact_y)
        assert not Case.objects.exists()

    def test_another_customers_contact_cannot_submit(self, city: Any, case_type: Any, media: Path) -> None:
        with pytest.raises(ValidationError, match="kan inte skicka underlag"):
            submit(city, case_type, actor=city.contact_y)


@pytest.mark.django_db
class TestAnswerCompletion:
    @pytest.fixture
    def waiting(self, city: Any, case_type: Any, media: Path) -> Case:
        case = submit(city, case_type)
        services.case_assign(actor=city.handler, case=case, assignee=city.handler)
        services.case_return_for_completion(
            actor=city.handler, case=case, reasons=[ReturnReasonFactory(code="ATTEST", text="Attest saknas")]
        )
        case.refresh_from_db()
        return case

    def test_documents_stored_request_completed_clock_resumed(self, city: Any, waiting: Case, media: Path) -> None:
        case_answer_completion(actor=city.contact_x, case=waiting, text="Attesterad nu.", uploads=[upload("attest.pdf", PDF)])
        waiting.refresh_from_db()
        assert waiting.status == CaseStatus.IN_PROGRESS and waiting.paused_since is None
        assert waiting.return_requests.get().completed_at is not None
        assert waiting.documents.get().original_name == "attest.pdf"
        kinds = list(waiting.events.values_list("kind", flat=True))
        assert kinds[-3:] == [EventKind.DOCUMENT, EventKind.COMPLETED, EventKind.RESUMED]

    def test_a_bad_file_changes_nothing(self, city: Any, waiting: Case, media: Path) -> None:
        events = waiting.events.count()
        with pytest.raises(ValidationError, match=r"”attest\.pdf”"):
            case_answer_completion(
                actor=city.contact_x,
                case=waiting,
                text="Här",
                uploads=[upload("ok.png", PNG), upload("attest.pdf", b"PK\x03\x04")],
            )
        waiting.refresh_from_db()
        assert waiting.status == CaseStatus.WAITING and waiting.events.count() == events
        assert not waiting.documents.exists() and stored_files(media) == []

    def test_nothing_to_send_and_a_case_not_waiting(self, city: Any, waiting: Case, case_type: Any) -> None:
        with pytest.raises(ValidationError) as error:
            case_answer_completion(actor=city.contact_x, case=waiting, text=" ", uploads=[])
        assert error.value.message_dict["text"] == ["Skriv vad ni kompletterar med eller bifoga minst en fil."]
        other = submit(city, case_type)
        with pytest.raises(ValidationError) as error:
            case_answer_completion(actor=city.contact_x, case=other, text="Här")
        assert error.value.messages == [
            f"Ärendet {other.number} väntar inte på komplettering (status: ny). "
            "Har ni mer att skicka, skicka det som ett nytt underlag."
        ]

    def test_another_customers_contact_cannot_answer(self, city: Any, waiting: Case) -> None:
        with pytest.raises(ValidationError):
            case_answer_completion(actor=city.contact_y, case=waiting, text="Här")
        waiting.refresh_from_db()
        assert waiting.status == CaseStatus.WAITING
