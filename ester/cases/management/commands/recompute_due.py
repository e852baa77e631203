"""``ester recompute_due [--area EK] [--case-type CODE] [--since YYYY-MM-DD]``: recompute due times of open cases.

Run after a policy or calendar change (a new closed day, changed opening
hours, changed lead times of a case type or an agreement).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ester.cases.management.commands.sweep_lead_times import cases
from ester.cases.models import CaseType
from ester.cases.sweep import recompute_due
from ester.organisation.models import Area


def day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Ogiltigt datum {value!r}; skriv ÅÅÅÅ-MM-DD.") from None


class Command(BaseCommand):
    help = "Räknar om förfallotider (ledtider) för öppna ärenden efter ändrad ledtid, öppettid eller stängd dag."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", help="Bara ärenden i verksamhetsområdet med denna kod, t.ex. EK.")
        parser.add_argument("--case-type", dest="case_type", help="Bara ärenden av ärendetypen med denna kod.")
        parser.add_argument("--since", help="Bara ärenden som förfaller detta datum (ÅÅÅÅ-MM-DD) eller senare.")

    def handle(self, *args: Any, area: str | None, case_type: str | None, since: str | None, **options: Any) -> None:
        area_obj = None
        if area:
            area_obj = Area.objects.filter(code__iexact=area.strip()).first()
            if area_obj is None:
                raise CommandError(f"Det finns inget verksamhetsområde med koden {area!r}.")
        type_obj = None
        if case_type:
            type_obj = CaseType.objects.filter(code__iexact=case_type.strip()).first()
            if type_obj is None:
                raise CommandError(f"Det finns ingen ärendetyp med koden {case_type!r}.")
        changed = recompute_due(area=area_obj, case_type=type_obj, since=day(since) if since else None)
        self.stdout.write(f"Förfallotider omräknade: {cases(changed)} ändrades.")
