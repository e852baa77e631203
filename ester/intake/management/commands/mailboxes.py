"""``ester mailboxes``: the configured mailboxes by address, with customer, last poll, waiting messages and last error."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from ester.intake.models import Mailbox


def when(value: Any) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "aldrig"


class Command(BaseCommand):
    help = "Listar brevlådorna: adress, kund, senaste hämtning, väntande meddelanden och senaste fel."

    def handle(self, *args: Any, **options: Any) -> None:
        boxes = list(Mailbox.objects.select_related("customer").order_by("address"))
        if not boxes:
            self.stdout.write("Inga brevlådor är inlagda.")
            return
        for box in boxes:
            customer = box.customer.name if box.customer else "(gemensam brevlåda: kunden känns igen på avsändaren)"
            state = "aktiv" if box.active else "inaktiv"
            error = " ".join(box.last_error.split())[:200] if box.last_error else "–"
            self.stdout.write(
                f"{box.address}\t{customer}\t{state}\tsenast hämtad: {when(box.last_poll_at)}\t"
                f"väntar: {box.messages_waiting}\tsenaste fel: {error}"
            )
        self.stdout.write(f"{len(boxes)} brevlådor.")
