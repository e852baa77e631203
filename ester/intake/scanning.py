"""Scanned post: paper that came by post, scanned with its arrival stamp, becomes cases.

Two ways in, one rule set:

* ``scans_upload`` — one or many PDFs uploaded on the page *Skannad post*, with the
  arrival-stamp date, the customer, the case type and the sender (the department);
* ``scans_import_bureau`` — a scanning bureau's batch: a folder of PDFs and a metadata
  CSV (``ester import-scans DIR``; the format is in ``docs/scanned-post.md``).

Each PDF becomes a case of channel *post*, received on the stamp date at
``RECEIVED_AT`` (08:00 Stockholm time — the start of the standard office day — or
the time of registration when that is earlier, i.e. a stamp dated today registered
before eight), so the case's lead time runs from the stamp, not from the scanning.
The PDF is stored unaltered as the case's document (``ester.cases.documents``: type by
extension *and* first bytes, the upload size limit, SHA-256).

Everything is checked before anything is written, and one batch is one transaction:
a file that is not a PDF, too large, a row of the CSV with an unknown customer, a
missing file, a date in the wrong format or in the future — and nothing is imported,
with every problem listed in Swedish. A PDF whose SHA-256 was imported before (in any
batch, for any customer: the same scanned file is never a case twice) is reported as
*redan importerad* and left alone, so a second run of the same batch changes nothing.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ester.accounts.models import User
from ester.cases.choices import CaseChannel
from ester.cases.documents import StoredFiles, ValidatedUpload, clean_name, files_kept_only_on_success, store_document
from ester.cases.documents import validate_upload as validate_document
from ester.cases.models import CaseType
from ester.cases.services import case_register, handling_team_on
from ester.core import clock
from ester.core.access import Action, can
from ester.core.audit import audit_record, snapshot
from ester.core.models import AuditEntry
from ester.core.pii import mask_pii
from ester.core.services import require
from ester.intake.models import ScanBatch, ScannedItem
from ester.organisation.models import Customer

STOCKHOLM = ZoneInfo("Europe/Stockholm")
#: The time of day a scanned document counts as received on its stamp date.
RECEIVED_AT = datetime.time(8, 0)
#: An arrival stamp before this is a typing error, not old post.
EARLIEST_STAMP = datetime.date(2000, 1, 1)
PDF = "application/pdf"

#: The columns of a bureau's metadata CSV (Swedish headers; case, accents and spaces do not matter).
COLUMNS = ("fil", "ankomstdatum", "kund", "ärendetyp", "avsändare", "rubrik")
REQUIRED_COLUMNS = ("fil", "ankomstdatum", "kund", "ärendetyp")
DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d")


class ScanBatchInvalid(ValidationError):
    """A batch that cannot be imported: ``problems`` lists every reason, in Swedish (rad N: …)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(self.problems)


@dataclass
class ScanDocument:
    """One checked PDF waiting to become a case."""

    name: str
    sha256: str
    size: int
    arrival_date: datetime.date
    customer: Customer
    case_type: CaseType
    sender: str
    subject: str
    row: int | None = None
    upload: Any = None  # an uploaded file (the page), or
    path: Path | None = None  # a file on disk (a bureau's batch)


@dataclass
class ScanResult:
    """What a batch did: the batch (None when nothing was new), the documents registered
    (each with its case), and those already imported before (name, earlier item)."""

    batch: ScanBatch | None
    created: list[ScannedItem] = field(default_factory=list)
    already: list[tuple[str, ScannedItem]] = field(default_factory=list)

    def summary(self) -> str:
        parts = [ngettext("%(n)s ärende registrerat", "%(n)s ärenden registrerade", len(self.created)) % {"n": len(self.created)}]
        if self.already:
            parts.append(
                ngettext("%(n)s fil redan importerad", "%(n)s filer redan importerade", len(self.already))
                % {"n": len(self.already)}
            )
        return ", ".join(parts) + "."


# --- dates ---------------------------------------------------------------------------------


def received_at_for(day: datetime.date, now: datetime.datetime | None = None) -> datetime.datetime:
    """When a document stamped ``day`` counts as received: 08:00 Stockholm time that day,
    or now when that is still to come (a stamp dated today, registered before eight)."""
    now = now or clock.now()
    at = datetime.datetime.combine(day, RECEIVED_AT, tzinfo=STOCKHOLM)
    return min(at, now)


def arrival_date_problem(day: datetime.date) -> str:
    """Why ``day`` cannot be an arrival stamp ('' when it can)."""
    if day > clock.localdate():
        return _("ankomstdatum %(day)s ligger i framtiden") % {"day": day.isoformat()}
    if day < EARLIEST_STAMP:
        return _("ankomstdatum %(day)s är orimligt tidigt") % {"day": day.isoformat()}
    return ""


def parse_date(text: str) -> datetime.date | None:
    text = text.strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


# --- checks shared by both ways in -------------------------------------------------------------


def check_pdf(file: Any, name: str) -> ValidatedUpload:
    """Check one file as an upload (size, type by extension and first bytes) and that it is a PDF.
    Raises ``ValidationError`` with a Swedish message naming the file."""
    try:
        checked = validate_document(file)
    except ValidationError as error:
        raise ValidationError(error.messages) from None
    require(
        checked.content_type == PDF,
        _("Filen ”%(name)s” är inte en PDF. Skannad post tas emot som PDF-filer.") % {"name": name},
    )
    return checked


def routing_problem(customer: Customer, case_type: CaseType, day: datetime.date) -> str:
    """Why a case of ``case_type`` for ``customer`` stamped ``day`` cannot be registered ('' when it can)."""
    if not case_type.active:
        return _("ärendetypen %(type)s används inte längre") % {"type": case_type.name}
    if handling_team_on(customer, case_type.process, day) is None and handling_team_on(customer, case_type.process) is None:
        return _("inget team handlägger %(process)s för %(customer)s") % {
            "process": case_type.process.name,
            "customer": customer.name,
        }
    return ""


def default_subject(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return mask_pii(_("Skannad post: %(name)s") % {"name": stem})[:300]


def already_imported(shas: Sequence[str]) -> dict[str, ScannedItem]:
    """The earlier scanned items with these SHA-256 (any batch, any customer)."""
    rows = ScannedItem.objects.filter(sha256__in=list(shas)).select_related("case", "customer")
    return {item.sha256: item for item in rows}


# --- registering -----------------------------------------------------------------------------


@contextmanager
def _opened(document: ScanDocument) -> Iterator[Any]:
    if document.path is None:
        document.upload.seek(0)
        yield document.upload
        return
    with document.path.open("rb") as handle:
        yield File(handle, name=document.name)


def _register(actor: User | None, batch: ScanBatch, document: ScanDocument, written: StoredFiles) -> ScannedItem:
    """One document as a case of channel post with its PDF, and its scanned-item row."""
    case = case_register(
        actor=actor,
        customer=document.customer,
        case_type=document.case_type,
        channel=CaseChannel.POST,
        sender_name=document.sender,
        subject=document.subject,
        received_at=received_at_for(document.arrival_date),
        event_payload={"scan_sha256": document.sha256, "arrival_stamp": document.arrival_date.isoformat()},
    )
    with _opened(document) as handle:
        checked = check_pdf(handle, document.name)
        require(
            checked.sha256 == document.sha256,
            _("Filen ”%(name)s” ändrades under importen. Ingenting importerades; försök igen.") % {"name": document.name},
        )
        store_document(
            actor=actor,
            case=case,
            checked=ValidatedUpload(handle, document.name, checked.size, checked.content_type, checked.sha256),
            written=written,
        )
    return ScannedItem.objects.create(
        batch=batch,
        sha256=document.sha256,
        original_name=document.name,
        size=document.size,
        arrival_date=document.arrival_date,
        customer=document.customer,
        case_type=document.case_type,
        case=case,
        row=document.row,
        reason=_("Ärende %(number)s.") % {"number": case.number},
    )


def register_batch(
    *,
    actor: User | None,
    source: str,
    name: str,
    documents: Sequence[ScanDocument],
    csv_sha256: str = "",
) -> ScanResult:
    """Register checked documents as one batch, all or nothing. Documents imported before
    (same SHA-256) are only reported; when none is new, nothing at all is written."""
    earlier = already_imported([d.sha256 for d in documents])
    result = ScanResult(batch=None, already=[(d.name, earlier[d.sha256]) for d in documents if d.sha256 in earlier])
    new = [d for d in documents if d.sha256 not in earlier]
    if not new:
        return result
    try:
        with files_kept_only_on_success() as written, transaction.atomic(), clock.notifications_suppressed():
            # Post has no e-mail address to acknowledge; nothing to send after the commit.
            batch = ScanBatch.objects.create(
                source=source,
                name=name[:255],
                created_by=actor if getattr(actor, "pk", None) else None,
                created_at=clock.now(),
                csv_sha256=csv_sha256,
            )
            with clock.memoized():
                result.created = [_register(actor, batch, document, written) for document in new]
            result.batch = batch
            batch.summary = result.summary()[:500]
            batch.save(update_fields=["summary"])
            audit_record(actor=actor, obj=batch, kind=AuditEntry.Kind.CREATE, after=snapshot(batch), summary=batch.summary)
    except IntegrityError:
        raise ValidationError(
            _("Samma fil registrerades samtidigt av någon annan. Ingenting importerades; försök igen.")
        ) from None
    return result


# --- the page: an upload ------------------------------------------------------------------------


def scans_upload(
    *,
    actor: User,
    pdfs: Sequence[Any],
    arrival_date: datetime.date,
    customer: Customer,
    case_type: CaseType,
    sender: str = "",
    subject: str = "",
) -> ScanResult:
    """Register uploaded PDFs, one case each, stamped ``arrival_date``: all or nothing.

    Any file that is not a PDF, is empty or too large refuses the whole upload, with a
    message naming each such file (on ``pdfs``). A file imported before is reported,
    not registered again. ``subject`` empty: "Skannad post: <file name>"; ``sender``
    empty: the customer's name."""
    require(can(actor, customer, Action.HANDLE), _("Du kan inte registrera post för %(customer)s.") % {"customer": customer})
    require(bool(pdfs), _("Välj minst en PDF-fil."), "pdfs")
    problem = arrival_date_problem(arrival_date)
    require(not problem, problem[:1].upper() + problem[1:] + ".", "arrival_date")
    problem = routing_problem(customer, case_type, arrival_date)
    require(not problem, problem[:1].upper() + problem[1:] + ".", "case_type")
    problems: list[str] = []
    documents: list[ScanDocument] = []
    seen: dict[str, str] = {}
    for upload in pdfs:
        name = clean_name(getattr(upload, "name", None))
        try:
            checked = check_pdf(upload, name)
        except ValidationError as error:
            problems.extend(error.messages)
            continue
        if checked.sha256 in seen:
            problems.append(_("Filen ”%(name)s” är samma fil som ”%(other)s”.") % {"name": name, "other": seen[checked.sha256]})
            continue
        seen[checked.sha256] = name
        documents.append(
            ScanDocument(
                name=name,
                sha256=checked.sha256,
                size=checked.size,
                arrival_date=arrival_date,
                customer=customer,
                case_type=case_type,
                sender=sender.strip() or customer.name,
                subject=subject.strip() or default_subject(name),
                upload=upload,
            )
        )
    if problems:
        raise ValidationError({"pdfs": [*problems, _("Ingenting registrerades. Ta bort eller rätta filerna och försök igen.")]})
    stamp = timezone.localtime(clock.now())
    who = actor.get_full_name() or actor.username
    return register_batch(
        actor=actor,
        source=ScanBatch.Source.UPLOAD,
        name=_("Uppladdning av %(who)s %(when)s") % {"who": who, "when": f"{stamp:%Y-%m-%d %H:%M}"},
        documents=documents,
    )


# --- a scanning bureau's batch -------------------------------------------------------------------


def _header_key(text: str) -> str:
    """A header compared without case, accents, spaces or a BOM: ``Ärendetyp`` → ``arendetyp``."""
    text = unicodedata.normalize("NFKD", text.replace("\ufeff", "").strip().casefold())
    return "".join(ch for ch in text if ch.isalnum())


_COLUMN_KEYS = {_header_key(column): column for column in COLUMNS}


def decode_csv(raw: bytes) -> str:
    """The CSV's text: UTF-8 (with or without BOM), else Windows-1252 (Excel's "CSV")."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise ScanBatchInvalid(
            [_("CSV-filen är varken UTF-8 eller Windows-1252. Spara den som UTF-8 och försök igen.")]
        ) from None


def read_csv(text: str) -> list[tuple[int, dict[str, str]]]:
    """(row number, values by column) for each non-empty row; the header is row 1.
    The delimiter is ``;`` or ``,``, whichever the header uses."""
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    if ";" in header_line:
        delimiter = ";"
    elif "," in header_line:
        delimiter = ","
    else:
        raise ScanBatchInvalid(
            [
                _("CSV-filen saknar en rubrikrad med kolumnerna %(columns)s, åtskilda med ; eller ,.")
                % {"columns": ";".join(COLUMNS)}
            ]
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [row for row in reader]
    while rows and not any(cell.strip() for cell in rows[0]):
        rows.pop(0)
    header = [_COLUMN_KEYS.get(_header_key(cell), "") for cell in rows[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ScanBatchInvalid(
            [
                _("CSV-filen saknar kolumnen %(column)s. Rubrikraden ska vara: %(columns)s.")
                % {"column": column, "columns": ";".join(COLUMNS)}
                for column in missing
            ]
        )
    out: list[tuple[int, dict[str, str]]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {column: "" for column in COLUMNS}
        for column, cell in zip(header, row, strict=False):
            if column:
                values[column] = cell.strip()
        out.append((number, values))
    return out


class _Lookup:
    """Customers and case types by what a CSV may call them, read once per batch."""

    def __init__(self) -> None:
        self.customers: dict[str, list[Customer]] = {}
        for customer in Customer.objects.all():
            keys = {customer.name.casefold(), re.sub(r"\D", "", customer.org_number)}
            if customer.short_name:
                keys.add(customer.short_name.casefold())
            for key in keys - {""}:
                self.customers.setdefault(key, []).append(customer)
        self.case_types: dict[str, list[CaseType]] = {}
        for case_type in CaseType.objects.select_related("process"):
            for key in {case_type.code.casefold(), case_type.name.casefold()}:
                self.case_types.setdefault(key, []).append(case_type)

    def customer(self, text: str) -> list[Customer]:
        found = self.customers.get(text.casefold(), [])
        digits = re.sub(r"\D", "", text)
        if not found and len(digits) == 10:
            found = self.customers.get(digits, [])
        return found

    def case_type(self, text: str) -> list[CaseType]:
        return self.case_types.get(text.casefold(), [])


def csv_file(folder: Path, csv_path: Path | None = None) -> Path:
    """The batch's metadata CSV: the one given, else the only ``.csv`` file in the folder."""
    if csv_path is not None:
        if not csv_path.is_file():
            raise ScanBatchInvalid([_("CSV-filen %(path)s finns inte.") % {"path": csv_path}])
        return csv_path
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    if len(found) != 1:
        raise ScanBatchInvalid(
            [
                _("Mappen %(folder)s ska innehålla exakt en CSV-fil med metadata (den har %(n)s). Ange den med --csv.")
                % {"folder": folder, "n": len(found)}
            ]
        )
    return found[0]


def _inside(folder: Path, name: str) -> Path | None:
    """``name`` as a file inside ``folder`` (None when it points outside it)."""
    if not name or Path(name).is_absolute():
        return None
    path = (folder / name).resolve()
    root = folder.resolve()
    return path if path != root and root in path.parents else None


@dataclass
class BureauBatch:
    """A bureau's batch, checked whole: its documents in CSV order."""

    folder: Path
    csv_path: Path
    csv_sha256: str
    documents: list[ScanDocument]


class _RowChecker:
    """Checks the rows of one batch, remembering the files and contents already named."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lookup = _Lookup()
        self.files: dict[Path, int] = {}
        self.contents: dict[str, tuple[str, int]] = {}

    def file(self, name: str, number: int, problems: list[str]) -> Path | None:
        if not name:
            problems.append(_("filnamn saknas"))
            return None
        file = _inside(self.folder, name)
        if file is None:
            problems.append(_("filnamnet ”%(name)s” pekar utanför mappen") % {"name": name})
        elif not file.is_file():
            problems.append(_("filen ”%(name)s” saknas") % {"name": name})
        elif file in self.files:
            problems.append(_("filen ”%(name)s” står redan på rad %(row)s") % {"name": name, "row": self.files[file]})
        else:
            self.files[file] = number
            return file
        return None

    def day(self, text: str, problems: list[str]) -> datetime.date | None:
        day = parse_date(text) if text else None
        if not text:
            problems.append(_("ankomstdatum saknas"))
        elif day is None:
            problems.append(_("datum i fel format ”%(text)s”, skriv ÅÅÅÅ-MM-DD") % {"text": text})
        elif problem := arrival_date_problem(day):
            problems.append(problem)
            return None
        return day

    def customer(self, text: str, problems: list[str]) -> Customer | None:
        found = self.lookup.customer(text) if text else []
        if not text:
            problems.append(_("kund saknas"))
        elif not found:
            problems.append(_("okänd kund ”%(name)s”") % {"name": text})
        elif len(found) > 1:
            problems.append(_("kunden ”%(name)s” är tvetydig, ange kundens namn") % {"name": text})
        else:
            return found[0]
        return None

    def case_type(self, text: str, problems: list[str]) -> CaseType | None:
        found = self.lookup.case_type(text) if text else []
        if not text:
            problems.append(_("ärendetyp saknas"))
        elif not found:
            problems.append(_("okänd ärendetyp ”%(name)s”") % {"name": text})
        elif len(found) > 1:
            problems.append(_("ärendetypen ”%(name)s” finns i flera processer, ange dess kod") % {"name": text})
        else:
            return found[0]
        return None

    def pdf(self, file: Path, name: str, number: int, problems: list[str]) -> ValidatedUpload | None:
        limit = settings.ESTER_MAX_UPLOAD_BYTES
        if file.stat().st_size > limit:  # not even read: the upload limit holds for a bureau's files too
            problems.append(
                _("filen ”%(name)s” är för stor (största tillåtna storlek är %(limit)s MB)")
                % {"name": name, "limit": limit // (1024 * 1024)}
            )
            return None
        with file.open("rb") as handle:
            try:
                checked = check_pdf(File(handle, name=file.name), name)
            except ValidationError as error:
                problems.extend(error.messages)
                return None
        if checked.sha256 in self.contents:
            other, row = self.contents[checked.sha256]
            problems.append(
                _("filen ”%(name)s” har samma innehåll som ”%(other)s” på rad %(row)s")
                % {"name": name, "other": other, "row": row}
            )
            return None
        self.contents[checked.sha256] = (name, number)
        return checked

    def row(self, number: int, values: dict[str, str]) -> tuple[ScanDocument | None, list[str]]:
        """The row's document, or its problems (each ``rad N: …``)."""
        problems: list[str] = []
        name = values["fil"]
        file = self.file(name, number, problems)
        day = self.day(values["ankomstdatum"], problems)
        customer = self.customer(values["kund"], problems)
        case_type = self.case_type(values["ärendetyp"], problems)
        routed = customer is not None and case_type is not None and day is not None
        if routed and (problem := routing_problem(customer, case_type, day)):  # type: ignore[arg-type]
            problems.append(problem)
        checked = self.pdf(file, name, number, problems) if file is not None else None
        if problems:
            return None, [_("rad %(n)s: %(text)s") % {"n": number, "text": text} for text in problems]
        assert file is not None and checked is not None and customer is not None and case_type is not None
        assert day is not None
        document = ScanDocument(
            name=name,
            sha256=checked.sha256,
            size=checked.size,
            arrival_date=day,
            customer=customer,
            case_type=case_type,
            sender=values["avsändare"] or customer.name,
            subject=(values["rubrik"] or default_subject(file.name))[:300],
            row=number,
            path=file,
        )
        return document, []


def read_bureau_batch(folder: Path, csv_path: Path | None = None) -> BureauBatch:
    """Read and check a bureau's batch without writing anything.

    Raises :class:`ScanBatchInvalid` listing every problem (``rad 7: okänd kund ”X”``,
    a missing file, a date in the wrong format or in the future, a file that is not a PDF
    or too large, a PDF in the folder that the CSV does not name …)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScanBatchInvalid([_("Mappen %(folder)s finns inte.") % {"folder": folder}])
    path = csv_file(folder, csv_path)
    raw = path.read_bytes()
    rows = read_csv(decode_csv(raw))
    if not rows:
        raise ScanBatchInvalid([_("CSV-filen %(path)s har inga rader under rubrikraden.") % {"path": path.name}])
    checker = _RowChecker(folder)
    problems: list[str] = []
    documents: list[ScanDocument] = []
    for number, values in rows:
        document, row_problems = checker.row(number, values)
        problems.extend(row_problems)
        if document is not None:
            documents.append(document)
    for pdf in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf"):
        if pdf.resolve() not in checker.files:
            problems.append(
                _("filen ”%(name)s” finns i mappen men inte i CSV-filen; lägg till en rad för den eller flytta den")
                % {"name": pdf.relative_to(folder)}
            )
    if problems:
        raise ScanBatchInvalid(problems)
    return BureauBatch(folder=folder, csv_path=path, csv_sha256=hashlib.sha256(raw).hexdigest(), documents=documents)


def scans_import_bureau(folder: Path, *, actor: User | None = None, csv_path: Path | None = None) -> ScanResult:
    """Import a scanning bureau's batch (see :func:`read_bureau_batch`), all or nothing.
    Files imported before are reported as already imported; a second run changes nothing."""
    batch = read_bureau_batch(folder, csv_path)
    return register_batch(
        actor=actor,
        source=ScanBatch.Source.BUREAU,
        name=Path(folder).resolve().name,
        documents=batch.documents,
        csv_sha256=batch.csv_sha256,
    )
