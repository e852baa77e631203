"""``ester sweep_lead_times``: record lead-time warnings and breaches of open cases now.

The worker does this every ``ESTER_SWEEP_INTERVAL`` seconds; the command is for
cron (with the scheduler turned off) and for checking by hand. Safe to run
beside the workers: a case is never warned about or breached twice.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ester.cases.sweep import sweep


def cases(n: int) -> str:
    return f"{n} ärende" if n == 1 else f"{n} ärenden"


class Command(BaseCommand):
    help = "Registrerar varningar och överskridna ledtider för öppna ärenden (det gör workern också med jämna mellanrum)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep()
        self.stdout.write(
            f"Ledtidskontroll klar: {cases(result.breached)} med överskriden ledtid, {cases(result.warned)} med varning."
        )
