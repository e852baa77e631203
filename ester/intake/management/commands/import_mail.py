"""``ester import-mail --mailbox ADDRESS PATH...``: take over an existing mailbox.

Each PATH is a ``.eml`` file, a folder (every ``.eml`` file in it and below) or an
mbox file. Every message runs through the same pipeline as mail fetched by IMAP
(``ester.intake.pipeline.ingest`` with source *import*); a message already
imported (same bytes or same Message-ID in the mailbox) is counted and left as
it is, so a second run of the same files changes nothing. Old mail gets no
receipts unless ``--receipts`` is given.

Prints a summary in Swedish and every message that ended in quarantine or with
an error; exits non-zero when any message ended with an error.
"""

from __future__ import annotations

import mailbox as mbox_lib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ester.core import clock
from ester.intake.models import IncomingMessage, Mailbox
from ester.intake.pipeline import ingest

State = IncomingMessage.State

SUMMARY = (
    ("created", "ärenden skapade"),
    ("threaded", "svar i befintliga ärenden"),
    ("possible", "möjliga svar (nya ärenden, att kontrollera)"),
    ("dropped", "autosvar/studsar/loopar borttagna"),
    ("quarantine", "i karantän"),
    ("seen", "redan importerade"),
    ("failed", "fel"),
)
BUCKET = {
    State.PROCESSED: "created",
    State.THREADED: "threaded",
    State.POSSIBLE_REPLY: "possible",
    State.AUTO_REPLY: "dropped",
    State.BOUNCE: "dropped",
    State.LOOP: "dropped",
    State.QUARANTINE: "quarantine",
    State.FAILED: "failed",
}


def is_mbox(path: Path) -> bool:
    """An mbox file: named ``.mbox``, or starting with an mbox ``From `` line."""
    if path.suffix.lower() == ".mbox":
        return True
    if path.suffix.lower() == ".eml":
        return False
    with path.open("rb") as file:
        return file.read(5) == b"From "


def messages(path: Path) -> Iterator[tuple[str, bytes | OSError]]:
    """(label, raw bytes or the error reading them) for every message under ``path``."""
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".eml"):
            yield from messages(file)
        return
    try:
        mbox = is_mbox(path)
    except OSError as error:
        yield str(path), error
        return
    if not mbox:
        try:
            yield str(path), path.read_bytes()
        except OSError as error:
            yield str(path), error
        return
    box = mbox_lib.mbox(str(path), create=False)
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            try:
                yield f"{path} #{number}", box.get_bytes(key)
            except OSError as error:
                yield f"{path} #{number}", error
    finally:
        box.close()


class Command(BaseCommand):
    help = "Läser in e-post (.eml-filer, mappar med .eml-filer eller mbox-filer) till en brevlåda, som om den hämtats med IMAP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--mailbox", required=True, help="Brevlådans adress, t.ex. ekonomi.bromma@serviceforvaltningen.example."
        )
        parser.add_argument("paths", nargs="+", metavar="PATH", help=".eml-fil, mapp med .eml-filer eller mbox-fil.")
        parser.add_argument(
            "--receipts",
            action="store_true",
            help="Skicka kvittens för nya ärenden (normalt inte: gammal e-post har redan besvarats).",
        )

    def handle(self, *args: Any, mailbox: str, paths: list[str], receipts: bool, **options: Any) -> None:
        address = mailbox.strip().lower()
        box = Mailbox.objects.select_related("customer", "default_case_type").filter(address=address).first()
        if box is None:
            known = ", ".join(Mailbox.objects.values_list("address", flat=True)[:20]) or "inga"
            raise CommandError(f"Det finns ingen brevlåda {address!r}. Brevlådor: {known}.")
        missing = [p for p in paths if not Path(p).exists()]
        if missing:
            raise CommandError(f"Finns inte: {', '.join(missing)}.")
        counts: Counter[str] = Counter()
        problems: list[str] = []
        with clock.memoized():
            for path in paths:
                for label, raw in messages(Path(path)):
                    if isinstance(raw, OSError):
                        counts["failed"] += 1
                        problems.append(f"fel: {label}: kunde inte läsas ({raw.strerror or raw})")
                        continue
                    row = ingest(box, raw, source=IncomingMessage.Source.IMPORT, receipts=True if receipts else None)
                    if row.already_seen:
                        counts["seen"] += 1
                        continue
                    bucket = BUCKET.get(State(row.state), "failed")
                    counts[bucket] += 1
                    if bucket in ("quarantine", "failed"):
                        problems.append(f"{row.get_state_display().lower()}: {label}: {row.reason}")
        total = sum(counts.values())
        self.stdout.write(f"Import till {box.address}: {total} meddelanden.")
        for key, text in SUMMARY:
            self.stdout.write(f"  {text}: {counts[key]}")
        for line in problems:
            self.stdout.write(f"  - {line}")
        if counts["failed"]:
            raise CommandError(
                f"{counts['failed']} meddelanden kunde inte behandlas. Originalen är sparade; se listan över fel i inkommande post.",
                returncode=1,
            )
