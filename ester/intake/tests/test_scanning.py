"""Scanned post: PDFs become cases of channel post received on the arrival stamp's date (lead
time counted from it), stored unaltered; an upload and a bureau's batch are all or nothing,
with row-level Swedish errors; a file seen before is never a case twice."""

from __future__ import annotations

import datetime
import hashlib
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from ester.cases.choices import CaseChannel, EventKind
from ester.cases.models import Case, CaseDocument
from ester.cases.tests.factories import CaseTypeFactory
from ester.core import clock
from ester.intake import scanning
from ester.intake.models import ScanBatch, ScannedItem
from ester.intake.scanning import ScanBatchInvalid, received_at_for, scans_import_bureau, scans_upload
from ester.intake.tests.factories import PDF

STHLM = ZoneInfo("Europe/Stockholm")
HEADER = "fil;ankomstdatum;kund;ärendetyp;avsändare;rubrik"


def pdf(n: int) -> bytes:
    """A small valid PDF with its own bytes."""
    return PDF + f"% dokument {n}\n".encode()


@pytest.fixture
def world(city: Any, settings: Any, tmp_path: Path) -> SimpleNamespace:
    settings.MEDIA_ROOT = tmp_path / "media"
    # 8 working hours: a document stamped on a Monday is due at 16:00 that day.
    case_type = CaseTypeFactory(process=city.process, code="LEV-MANUELL", name="Manuell leverantörsfaktura", resolution_hours=8)
    other = CaseTypeFactory(process=city.process, code="LEV-FRAGA", name="Fråga om betalning")
    return SimpleNamespace(city=city, case_type=case_type, other=other, folder=tmp_path / "batch-2026-03-02")


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def stored(document: CaseDocument) -> bytes:
    with document.file.open("rb") as file:
        return file.read()


def write_batch(folder: Path, rows: list[str], files: dict[str, bytes], *, encoding: str = "utf-8", header: str = HEADER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "metadata.csv").write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode(encoding))
    return folder


class TestReceivedAt:
    def test_the_stamp_date_at_eight_stockholm_time(self) -> None:
        now = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=STHLM)
        assert received_at_for(datetime.date(2026, 3, 2), now) == datetime.datetime(2026, 3, 2, 8, 0, tzinfo=STHLM)
        summer = received_at_for(datetime.date(2026, 7, 1), datetime.datetime(2026, 7, 2, tzinfo=STHLM))
        assert summer.astimezone(datetime.UTC).hour == 6  # 08:00 CEST

    def test_a_stamp_of_today_registered_before_eight_is_received_now(self) -> None:
        now = datetime.datetime(2026, 3, 2, 7, 15, tzinfo=STHLM)
        assert received_at_for(datetime.date(2026, 3, 2), now) == now


@pytest.mark.django_db
class TestUpload:
    def test_each_pdf_becomes_a_post_case_on_the_stamp_date_with_the_pdf_unaltered(self, world: Any) -> None:
        city = world.city
        result = scans_upload(
            actor=city.handler,
            pdfs=[upload("faktura-1.pdf", pdf(1)), upload("faktura-2.pdf", pdf(2))],
            arrival_date=datetime.date(2026, 3, 2),
            customer=city.customer_x,
            case_type=world.case_type,
            sender="Rinkeby-Kista, ekonomi",
            subject="",
        )
        assert result.batch is not None and result.summary() == "2 ärenden registrerade."
        assert result.batch.summary == "2 ärenden registrerade." and result.batch.created_by == city.handler
        first, second = result.created
        case = first.case
        assert case.channel == CaseChannel.POST and case.customer == city.customer_x and case.team == city.team_a
        assert case.received_at == datetime.datetime(2026, 3, 2, 8, 0, tzinfo=STHLM)
        # The lead time runs from the stamp: 8 working hours from Monday 08:00.
        assert case.due_at == datetime.datetime(2026, 3, 2, 16, 0, tzinfo=STHLM)
        assert case.sender_name == "Rinkeby-Kista, ekonomi" and case.subject == "Skannad post: faktura-1"
        document = case.documents.get()
        assert document.original_name == "faktura-1.pdf" and document.content_type == "application/pdf"
        assert stored(document) == pdf(1) and document.sha256 == hashlib.sha256(pdf(1)).hexdigest()
        assert first.sha256 == document.sha256 and first.arrival_date == datetime.date(2026, 3, 2)
        assert second.case.documents.get().original_name == "faktura-2.pdf"
        created = case.events.get(kind=EventKind.CREATED)
        assert created.payload["arrival_stamp"] == "2026-03-02"

    def test_a_file_that_is_not_a_pdf_or_too_large_refuses_everything_naming_the_files(self, world: Any, settings: Any) -> None:
        settings.ESTER_MAX_UPLOAD_BYTES = 1024
        pdfs = [
            upload("bra.pdf", pdf(1)),
            upload("bild.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10),
            upload("falsk.pdf", b"MZ this is an executable"),
            upload("stor.pdf", PDF + b"0" * 2048),
        ]
        with pytest.raises(ValidationError) as caught:
            scans_upload(
                actor=world.city.handler,
                pdfs=pdfs,
                arrival_date=datetime.date(2026, 3, 2),
                customer=world.city.customer_x,
                case_type=world.case_type,
            )
        messages = caught.value.message_dict["pdfs"]
        text = " ".join(messages)
        assert "”bild.png”" in text and "”falsk.pdf”" in text and "”stor.pdf”" in text and "bra.pdf" not in text
        assert messages[-1].startswith("Ingenting registrerades")
        assert not Case.objects.exists() and not ScanBatch.objects.exists() and not CaseDocument.objects.exists()

    def test_the_same_file_twice_in_one_upload_is_refused(self, world: Any) -> None:
        with pytest.raises(ValidationError, match="samma fil som"):
            scans_upload(
                actor=world.city.handler,
                pdfs=[upload("a.pdf", pdf(1)), upload("b.pdf", pdf(1))],
                arrival_date=datetime.date(2026, 3, 2),
                customer=world.city.customer_x,
                case_type=world.case_type,
            )
        assert not Case.objects.exists()

    def test_a_file_imported_before_is_never_a_case_twice_even_for_another_customer(self, world: Any) -> None:
        city = world.city
        kwargs = {"arrival_date": datetime.date(2026, 3, 2), "case_type": world.case_type}
        first = scans_upload(actor=city.sysadmin, pdfs=[upload("a.pdf", pdf(1))], customer=city.customer_x, **kwargs)
        again = scans_upload(
            actor=city.sysadmin,
            pdfs=[upload("a-kopia.pdf", pdf(1)), upload("b.pdf", pdf(2))],
            customer=city.customer_y,
            **kwargs,
        )
        assert [name for name, _item in again.already] == ["a-kopia.pdf"]
        assert again.already[0][1].case == first.created[0].case
        assert [item.original_name for item in again.created] == ["b.pdf"]
        assert again.summary() == "1 ärende registrerat, 1 fil redan importerad."
        only_old = scans_upload(actor=city.sysadmin, pdfs=[upload("a.pdf", pdf(1))], customer=city.customer_x, **kwargs)
        assert only_old.batch is None and not only_old.created
        assert Case.objects.count() == 2 and ScanBatch.objects.count() == 2

    def test_the_arrival_date_may_not_be_in_the_future(self, world: Any) -> None:
        with pytest.raises(ValidationError) as caught:
            scans_upload(
                actor=world.city.handler,
                pdfs=[upload("a.pdf", pdf(1))],
                arrival_date=clock.localdate() + datetime.timedelta(days=1),
                customer=world.city.customer_x,
                case_type=world.case_type,
            )
        assert "ligger i framtiden" in caught.value.message_dict["arrival_date"][0]

    def test_only_those_who_handle_the_customer_may_upload(self, world: Any) -> None:
        for persona in ("controller", "handler_b"):
            with pytest.raises(ValidationError, match="Du kan inte registrera post"):
                scans_upload(
                    actor=world.city.users[persona],
                    pdfs=[upload("a.pdf", pdf(1))],
                    arrival_date=datetime.date(2026, 3, 2),
                    customer=world.city.customer_x,
                    case_type=world.case_type,
                )
        assert not Case.objects.exists()

    def test_no_team_for_the_process_is_said_before_anything_is_written(self, world: Any) -> None:
        from ester.organisation.tests.factories import ProcessFactory

        process = ProcessFactory(area=world.city.area, code="KUND", name="Kundreskontra")
        lonely = CaseTypeFactory(process=process, code="KUND-1", name="Kundfaktura")
        with pytest.raises(ValidationError, match="Inget team handlägger Kundreskontra för Rinkeby"):
            scans_upload(
                actor=world.city.handler,
                pdfs=[upload("a.pdf", pdf(1))],
                arrival_date=datetime.date(2026, 3, 2),
                customer=world.city.customer_x,
                case_type=lonely,
            )


@pytest.mark.django_db
class TestBureauBatch:
    def test_a_batch_is_imported_with_the_csvs_dates_customers_and_case_types(self, world: Any) -> None:
        city = world.city
        folder = write_batch(
            world.folder,
            [
                f"0001.pdf;2026-03-02;{city.customer_x.name};LEV-MANUELL;Kim Kontakt;Faktura Kontorsvaror AB",
                f"0002.pdf;20260303;{city.customer_y.org_number};Fråga om betalning;;",
            ],
            {"0001.pdf": pdf(1), "0002.pdf": pdf(2)},
        )
        result = scans_import_bureau(folder)
        assert result.batch is not None and result.batch.source == ScanBatch.Source.BUREAU
        assert result.batch.name == "batch-2026-03-02" and result.batch.created_by is None
        assert result.batch.csv_sha256 == hashlib.sha256((folder / "metadata.csv").read_bytes()).hexdigest()
        first, second = result.created
        assert first.row == 2 and second.row == 3
        assert first.case.customer == city.customer_x and first.case.case_type == world.case_type
        assert first.case.subject == "Faktura Kontorsvaror AB" and first.case.sender_name == "Kim Kontakt"
        assert first.case.received_at == datetime.datetime(2026, 3, 2, 8, 0, tzinfo=STHLM)
        assert second.case.customer == city.customer_y and second.case.case_type == world.other
        assert second.case.sender_name == city.customer_y.name and second.case.subject == "Skannad post: 0002"
        assert second.case.received_at == datetime.datetime(2026, 3, 3, 8, 0, tzinfo=STHLM)
        assert stored(second.case.documents.get()) == pdf(2)

    def test_a_second_run_of_the_same_batch_changes_nothing(self, world: Any) -> None:
        city = world.city
        folder = write_batch(world.folder, [f"0001.pdf;2026-03-02;{city.customer_x.name};LEV-MANUELL;;"], {"0001.pdf": pdf(1)})
        scans_import_bureau(folder)
        counts = (Case.objects.count(), CaseDocument.objects.count(), ScanBatch.objects.count(), ScannedItem.objects.count())
        again = scans_import_bureau(folder)
        assert again.batch is None and not again.created and [n for n, _i in again.already] == ["0001.pdf"]
        assert (
            (
                Case.objects.count(),
                CaseDocument.objects.count(),
                ScanBatch.objects.count(),
                ScannedItem.objects.count(),
            )
            == counts
            == (1, 1, 1, 1)
        )

    @pytest.mark.parametrize(
        ("encoding", "delimiter", "bom"),
        [("utf-8", ";", False), ("utf-8", ";", True), ("utf-8", ",", False), ("cp1252", ";", False), ("cp1252", ",", False)],
    )
    def test_delimiters_and_encodings(self, world: Any, encoding: str, delimiter: str, bom: bool) -> None:
        city = world.city
        header = ("\ufeff" if bom else "") + HEADER.replace(";", delimiter).upper()
        row = delimiter.join(["0001.pdf", "2026-03-02", city.customer_x.name, "Fråga om betalning", "Åsa Öberg", "Påminnelse"])
        folder = write_batch(world.folder, [row], {"0001.pdf": pdf(1)}, encoding=encoding, header=header)
        case = scans_import_bureau(folder).created[0].case
        assert case.case_type == world.other and case.sender_name == "Åsa Öberg" and case.subject == "Påminnelse"

    def test_every_problem_is_listed_by_row_and_nothing_is_imported(self, world: Any) -> None:
        city = world.city
        tomorrow = (clock.localdate() + datetime.timedelta(days=1)).isoformat()
        x = city.customer_x.name
        folder = write_batch(
            world.folder,
            [
                f"0001.pdf;2026-03-02;{x};LEV-MANUELL;;",  # fine
                "0002.pdf;2026-03-02;Okända förvaltningen;LEV-MANUELL;;",
                f"0003.pdf;2026-03-02;{x};LEV-MANUELL;;",  # the file is missing
                f"0004.pdf;2/3/2026;{x};LEV-MANUELL;;",
                f"0005.pdf;{tomorrow};{x};LEV-MANUELL;;",
                f"0006.txt;2026-03-02;{x};LEV-MANUELL;;",
                f"0007.pdf;2026-03-02;{x};Okänd typ;;",
                f"0001.pdf;2026-03-02;{x};LEV-MANUELL;;",
                f"../utanfor.pdf;2026-03-02;{x};LEV-MANUELL;;",
                f"0008.pdf;2026-03-02;{x};LEV-MANUELL;;",  # same bytes as 0001.pdf
            ],
            {
                "0001.pdf": pdf(1),
                "0002.pdf": pdf(2),
                "0004.pdf": pdf(4),
                "0005.pdf": pdf(5),
                "0006.txt": b"hej",
                "0007.pdf": b"not a pdf at all",
                "0008.pdf": pdf(1),
                "extra.pdf": pdf(9),
            },
        )
        with pytest.raises(ScanBatchInvalid) as caught:
            scans_import_bureau(folder)
        problems = caught.value.problems
        text = "\n".join(problems)
        assert "rad 3: okänd kund ”Okända förvaltningen”" in text
        assert "rad 4: filen ”0003.pdf” saknas" in text
        assert "rad 5: datum i fel format ”2/3/2026”, skriv ÅÅÅÅ-MM-DD" in text
        assert f"rad 6: ankomstdatum {tomorrow} ligger i framtiden" in text
        assert "rad 7: Filen ”0006.txt” är inte en PDF" in text
        assert (
            "rad 8: okänd ärendetyp ”Okänd typ”" in text
            and "rad 8: Filen ”0007.pdf” heter .pdf men innehållet är inte PDF" in text
        )
        assert "rad 9: filen ”0001.pdf” står redan på rad 2" in text
        assert "rad 10: filnamnet ”../utanfor.pdf” pekar utanför mappen" in text
        assert "rad 11: filen ”0008.pdf” har samma innehåll som ”0001.pdf” på rad 2" in text
        assert "filen ”extra.pdf” finns i mappen men inte i CSV-filen" in text
        assert not any(p.startswith("rad 2:") for p in problems)
        assert not Case.objects.exists() and not ScanBatch.objects.exists() and not CaseDocument.objects.exists()

    def test_a_csv_without_the_required_columns_or_rows(self, world: Any) -> None:
        folder = write_batch(world.folder, [], {}, header="fil;datum;kund")
        with pytest.raises(ScanBatchInvalid) as caught:
            scans_import_bureau(folder)
        assert any("saknar kolumnen ankomstdatum" in p for p in caught.value.problems)
        assert any("saknar kolumnen ärendetyp" in p for p in caught.value.problems)
        (folder / "metadata.csv").write_text(HEADER + "\n", encoding="utf-8")
        with pytest.raises(ScanBatchInvalid, match="inga rader"):
            scans_import_bureau(folder)

    def test_a_folder_needs_exactly_one_csv_unless_named(self, world: Any, tmp_path: Path) -> None:
        city = world.city
        folder = write_batch(world.folder, [f"0001.pdf;2026-03-02;{city.customer_x.name};LEV-MANUELL;;"], {"0001.pdf": pdf(1)})
        (folder / "annan.csv").write_text("x", encoding="utf-8")
        with pytest.raises(ScanBatchInvalid, match="exakt en CSV-fil"):
            scans_import_bureau(folder)
        assert len(scans_import_bureau(folder, csv_path=folder / "metadata.csv").created) == 1

    def test_a_partly_imported_batch_imports_the_rest(self, world: Any) -> None:
        city = world.city
        x = city.customer_x.name
        folder = write_batch(world.folder, [f"0001.pdf;2026-03-02;{x};LEV-MANUELL;;"], {"0001.pdf": pdf(1)})
        scans_import_bureau(folder)
        write_batch(
            world.folder,
            [f"0001.pdf;2026-03-02;{x};LEV-MANUELL;;", f"0002.pdf;2026-03-02;{x};LEV-MANUELL;;"],
            {"0002.pdf": pdf(2)},
        )
        result = scans_import_bureau(folder)
        assert [i.original_name for i in result.created] == ["0002.pdf"] and len(result.already) == 1
        assert Case.objects.count() == 2

    def test_a_failure_while_registering_leaves_nothing(self, world: Any, monkeypatch: Any, settings: Any) -> None:
        city = world.city
        x = city.customer_x.name
        folder = write_batch(
            world.folder,
            [f"0001.pdf;2026-03-02;{x};LEV-MANUELL;;", f"0002.pdf;2026-03-02;{x};LEV-MANUELL;;"],
            {"0001.pdf": pdf(1), "0002.pdf": pdf(2)},
        )
        real = scanning.store_document
        calls = []

        def failing(**kwargs: Any) -> Any:
            calls.append(kwargs["checked"].name)
            if len(calls) == 2:
                raise OSError("disk full")
            return real(**kwargs)

        monkeypatch.setattr(scanning, "store_document", failing)
        with pytest.raises(OSError, match="disk full"):
            scans_import_bureau(folder)
        assert not Case.objects.exists() and not ScannedItem.objects.exists() and not ScanBatch.objects.exists()
        assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]  # the first PDF's file removed too


@pytest.mark.django_db
class TestCommand:
    def test_the_command_prints_a_summary_and_a_second_run_changes_nothing(self, world: Any) -> None:
        city = world.city
        folder = write_batch(
            world.folder,
            [
                f"0001.pdf;2026-03-02;{city.customer_x.name};LEV-MANUELL;;",
                f"0002.pdf;2026-03-02;{city.customer_x.name};LEV-MANUELL;;",
            ],
            {"0001.pdf": pdf(1), "0002.pdf": pdf(2)},
        )
        out = StringIO()
        call_command("import_scans", str(folder), stdout=out)
        numbers = list(Case.objects.order_by("number").values_list("number", flat=True))
        text = out.getvalue()
        assert "Skanningsbatch batch-2026-03-02: 2 filer." in text
        assert "  ärenden skapade: 2" in text and "  redan importerade: 0" in text
        assert f"  + 0001.pdf → {numbers[0]}" in text and f"  + 0002.pdf → {numbers[1]}" in text
        out = StringIO()
        call_command("import_scans", str(folder), stdout=out)
        text = out.getvalue()
        assert "  ärenden skapade: 0" in text and "  redan importerade: 2" in text
        assert f"  = 0001.pdf: redan importerad ({numbers[0]})" in text
        assert Case.objects.count() == 2

    def test_problems_go_to_stderr_and_the_exit_code_is_one(self, world: Any) -> None:
        folder = write_batch(world.folder, ["0001.pdf;2026-03-02;Ingen alls;LEV-MANUELL;;"], {"0001.pdf": pdf(1)})
        err = StringIO()
        with pytest.raises(CommandError) as caught:
            call_command("import_scans", str(folder), stderr=err)
        assert caught.value.returncode == 1
        assert "Ingenting importerades: 1 fel" in str(caught.value)
        assert "  - rad 2: okänd kund ”Ingen alls”" in err.getvalue()
        assert not Case.objects.exists()

    def test_a_missing_folder(self, world: Any, tmp_path: Path) -> None:
        err = StringIO()
        with pytest.raises(CommandError, match="Ingenting importerades"):
            call_command("import_scans", str(tmp_path / "saknas"), stderr=err)
        assert f"Mappen {tmp_path / 'saknas'} finns inte." in err.getvalue()
