"""``ester poll-mail [--mailbox ADDRESS]``: poll the mailboxes over IMAP now.

Without ``--mailbox`` every active mailbox with an IMAP server is polled; with it, that
mailbox (even an inactive one). Each mailbox is polled until nothing more waits (one
poll takes at most ``--limit`` messages). Prints one line per poll; exits with 1 when a
poll failed. The worker polls by itself (``ester worker``); this is for the operator,
and for a first take-over of a full mailbox.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ester.intake.imap import BATCH_LIMIT, poll, pollable
from ester.intake.models import Mailbox


class Command(BaseCommand):
    help = "Hämtar e-post med IMAP nu: alla aktiva brevlådor, eller en med --mailbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mailbox", help="Brevlådans adress, t.ex. ekonomi.bromma@serviceforvaltningen.example.")
        parser.add_argument(
            "--limit", type=int, default=BATCH_LIMIT, help=f"Högst så många meddelanden per hämtning (normalt {BATCH_LIMIT})."
        )
        parser.add_argument("--once", action="store_true", help="Bara en hämtning per brevlåda, även om fler meddelanden väntar.")

    def handle(self, *args: Any, mailbox: str | None, limit: int, once: bool, **options: Any) -> None:
        if limit < 1:
            raise CommandError("--limit måste vara minst 1.")
        boxes = Mailbox.objects.select_related("customer", "default_case_type")
        if mailbox:
            address = mailbox.strip().lower()
            found = list(boxes.filter(address=address))
            if not found:
                known = ", ".join(Mailbox.objects.values_list("address", flat=True)[:20]) or "inga"
                raise CommandError(f"Det finns ingen brevlåda {address!r}. Brevlådor: {known}.")
            if not found[0].imap_host:
                raise CommandError(f"Brevlådan {address} har ingen IMAP-server.")
        else:
            found = list(pollable().select_related("customer", "default_case_type").order_by("address"))
            if not found:
                self.stdout.write("Inga aktiva brevlådor med IMAP-server.")
                return
        failed = 0
        for box in found:
            while True:
                result = poll(box, limit=limit)
                self.stdout.write(result.summary())
                if result.error or result.skipped:
                    failed += 1
                if once or not result.more or not result.ok:
                    break
        if failed:
            raise CommandError(f"{failed} hämtningar misslyckades eller pågick redan; se felen ovan.", returncode=1)
