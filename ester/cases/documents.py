"""Documents of cases: originals stored unaltered, content-addressed by SHA-256, never deleted.

``validate_upload`` checks one file without writing anything (size, an allowed
type by extension *and* by its first bytes, its SHA-256); ``case_document_add``
stores it on the case. Callers that take several files (the portal) validate
every file first, so one bad file refuses the whole submission before anything
is written.

Files are stored under ``cases/ab/cd/<sha256>`` in the default storage (the
filesystem, or S3-compatible storage by setting): the same bytes sent twice are
stored once and recorded on two rows with the same SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ester.accounts.models import User
from ester.cases.choices import EventKind
from ester.cases.models import Case, CaseDocument, CaseEvent, case_document_path
from ester.core.access import Action, can, is_staff_user
from ester.core.services import require

log = logging.getLogger(__name__)

HEAD_BYTES = 8192


def _is_pdf(head: bytes, _file: IO[bytes]) -> bool:
    return b"%PDF-" in head[:1024]


def _is_png(head: bytes, _file: IO[bytes]) -> bool:
    return head.startswith(b"\x89PNG\r\n\x1a\n")


def _is_jpeg(head: bytes, _file: IO[bytes]) -> bool:
    return head.startswith(b"\xff\xd8\xff")


def _is_tiff(head: bytes, _file: IO[bytes]) -> bool:
    return head.startswith((b"II*\x00", b"MM\x00*"))


def _office(folder: str) -> Callable[[bytes, IO[bytes]], bool]:
    """An Office Open XML file: a zip archive with ``[Content_Types].xml`` and the part folder."""

    def check(head: bytes, file: IO[bytes]) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return "[Content_Types].xml" in names and any(name.startswith(folder) for name in names)

    return check


#: First bytes of executables and archives: never text, whatever the name says.
_BINARY_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"PK\x03\x04",
    b"%PDF-",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\xd0\xcf\x11\xe0",
)


def _is_text(head: bytes, _file: IO[bytes]) -> bool:
    if b"\x00" in head or head.startswith(_BINARY_MAGIC):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still UTF-8;
        # anything else is read as Windows-1252 (Excel's CSV export), where only
        # a few bytes are undefined.
        if error.start < len(head) - 3:
            return not any(byte in head for byte in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
    return True


_HEADER_LINE = re.compile(rb"^[A-Za-z0-9][A-Za-z0-9-]*:[ \t]?")


def _is_eml(head: bytes, file: IO[bytes]) -> bool:
    """An e-mail message (RFC 5322): text that starts with header lines (``From:``, ``Received:`` …)."""
    if not _is_text(head, file):
        return False
    first = head.lstrip(b"\r\n").split(b"\n", 1)[0]
    return bool(_HEADER_LINE.match(first)) or first.startswith(b"From ")  # mbox "From " line


@dataclass(frozen=True)
class FileKind:
    label: Any
    content_type: str
    check: Callable[[bytes, IO[bytes]], bool]


#: Allowed types by extension; the first bytes must agree with the extension.
FILE_KINDS: dict[str, FileKind] = {
    "pdf": FileKind("PDF", "application/pdf", _is_pdf),
    "png": FileKind("PNG", "image/png", _is_png),
    "jpg": FileKind("JPEG", "image/jpeg", _is_jpeg),
    "jpeg": FileKind("JPEG", "image/jpeg", _is_jpeg),
    "tif": FileKind("TIFF", "image/tiff", _is_tiff),
    "tiff": FileKind("TIFF", "image/tiff", _is_tiff),
    "docx": FileKind("Word (DOCX)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _office("word/")),
    "xlsx": FileKind("Excel (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _office("xl/")),
    "txt": FileKind(gettext_lazy("text (TXT)"), "text/plain", _is_text),
    "csv": FileKind("CSV", "text/csv", _is_text),
    "eml": FileKind(gettext_lazy("e-post (EML)"), "message/rfc822", _is_eml),
}
ALLOWED_EXTENSIONS = tuple(FILE_KINDS)
#: For the ``accept`` attribute of file inputs.
ACCEPT = ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)


def allowed_types_text() -> str:
    return "PDF, PNG, JPEG, TIFF, Word (DOCX), Excel (XLSX), " + _("text (TXT), CSV och e-post (EML)")


@dataclass(frozen=True)
class ValidatedUpload:
    """A file that passed ``validate_upload``: what will be recorded about it."""

    upload: Any
    name: str
    size: int
    content_type: str
    sha256: str


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


def clean_name(raw: str | None) -> str:
    """The file's own name as the sender called it: no folders, no control characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("", name).strip()
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) < 20 else name[:255]
    return name or "fil"


def _sha256(file: IO[bytes] | Any) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    if hasattr(file, "chunks"):
        for chunk in file.chunks():
            digest.update(chunk)
    else:
        for chunk in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def validate_upload(upload: Any) -> ValidatedUpload:
    """Check one uploaded file without storing it: not empty, within
    ``ESTER_MAX_UPLOAD_BYTES``, an allowed type by extension and by content.
    Raises ``ValidationError`` with a Swedish message that names the file."""
    name = clean_name(getattr(upload, "name", None))
    size = int(getattr(upload, "size", None) or 0)
    limit = settings.ESTER_MAX_UPLOAD_BYTES
    require(size > 0, _("Filen ”%(name)s” är tom.") % {"name": name}, "uploads")
    require(
        size <= limit,
        _("Filen ”%(name)s” är %(size)s MB; största tillåtna storlek är %(limit)s MB.")
        % {"name": name, "size": _megabytes(size), "limit": _megabytes(limit)},
        "uploads",
    )
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    kind = FILE_KINDS.get(extension)
    require(
        kind is not None,
        _("Filen ”%(name)s” har en filtyp som inte tas emot. Tillåtna filtyper: %(types)s.")
        % {"name": name, "types": allowed_types_text()},
        "uploads",
    )
    assert kind is not None
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    ok = kind.check(head, upload)
    require(
        ok,
        _(
            "Filen ”%(name)s” heter .%(ext)s men innehållet är inte %(label)s. "
            "Spara filen i rätt format och försök igen. Tillåtna filtyper: %(types)s."
        )
        % {"name": name, "ext": extension, "label": kind.label, "types": allowed_types_text()},
        "uploads",
    )
    return ValidatedUpload(upload=upload, name=name, size=size, content_type=kind.content_type, sha256=_sha256(upload))


def validate_uploads(uploads: Iterable[Any]) -> list[ValidatedUpload]:
    """Check every file; all problems are reported together, and nothing is stored."""
    checked: list[ValidatedUpload] = []
    problems: list[str] = []
    for upload in uploads:
        try:
            checked.append(validate_upload(upload))
        except ValidationError as error:
            problems.extend(error.messages)
    if problems:
        raise ValidationError({"uploads": problems})
    return checked


def _megabytes(size: int) -> str:
    value = round(size / 1024 / 1024, 1)
    return f"{value:g}".replace(".", ",")


class StoredFiles:
    """Files written during one transaction; removed again if the transaction fails.

    Only files this transaction created are removed — those rows never existed.
    A file already in the store (the same bytes sent before) is never touched.
    """

    def __init__(self) -> None:
        self.created: list[tuple[Any, str]] = []

    def discard(self) -> None:
        for storage, name in self.created:
            try:
                storage.delete(name)
            except Exception:
                # The caller's own error is what matters; an orphan file is harmless (no row points at it).
                log.warning("could not remove %s after a failed upload; it is left as an orphan", name, exc_info=True)
        self.created.clear()


def _store(document: CaseDocument, checked: ValidatedUpload, written: StoredFiles) -> None:
    storage = document.file.storage
    name = case_document_path(document, checked.name)
    if storage.exists(name):
        document.file.name = name  # the same bytes are already stored: record them again, write nothing
        return
    checked.upload.seek(0)
    document.file.save(checked.name, File(checked.upload, name=checked.name), save=False)
    written.created.append((storage, document.file.name or name))


def store_document(
    *, actor: User | None, case: Case, checked: ValidatedUpload, written: StoredFiles, internal: bool = False
) -> CaseDocument:
    """Store an already validated file on ``case`` (inside the caller's transaction) with a timeline event."""
    by = actor if getattr(actor, "pk", None) else None
    document = CaseDocument(
        case=case,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        internal=internal,
        uploaded_by=by,
    )
    _store(document, checked, written)
    document.save()
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.DOCUMENT,
        actor=by,
        at=timezone.now(),
        internal=internal,
        text=checked.name,
        payload={"document": document.pk, "sha256": checked.sha256, "size": checked.size},
    )
    return document


@contextmanager
def files_kept_only_on_success() -> Iterator[StoredFiles]:
    """Wrap a transaction that stores files: if it fails, the files it wrote are removed
    again, so a refused submission leaves no stray files behind.

    (A rollback of an *outer* transaction after this block has finished is not
    seen here; the file then stays, unreferenced — harmless, as it is
    content-addressed.)"""
    written = StoredFiles()
    try:
        yield written
    except BaseException:
        written.discard()
        raise


def require_may_add(actor: User | None, case: Case, *, internal: bool) -> None:
    """The actor may see the case; only staff add internal documents."""
    if actor is None:
        return
    require(can(actor, case, Action.VIEW), _("Du kan inte lägga till dokument i ärendet %(number)s.") % {"number": case.number})
    require(not internal or is_staff_user(actor), _("Bara handläggare kan lägga till interna dokument."), "internal")


def case_document_add(*, actor: User | None, case: Case, upload: Any, internal: bool = False) -> CaseDocument:
    """Add one document to a case: validated, stored unaltered with its SHA-256, and a
    timeline event (internal documents and their events are never shown to the customer)."""
    require_may_add(actor, case, internal=internal)
    checked = upload if isinstance(upload, ValidatedUpload) else validate_upload(upload)
    with files_kept_only_on_success() as written, transaction.atomic():
        return store_document(actor=actor, case=case, checked=checked, internal=internal, written=written)
