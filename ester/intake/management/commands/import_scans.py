"""``ester import-scans DIR``: import a scanning bureau's batch of scanned post.

DIR holds the PDFs and one metadata CSV (or name it with ``--csv``); the format is in
``docs/scanned-post.md``. The whole batch is checked before anything is written: any
problem (``rad 7: okänd kund ”X”``, a missing file, a date in the wrong format or in
the future, a file that is not a PDF …) is listed and nothing is imported (exit code 1).
Each PDF becomes a case of channel post received on its arrival stamp's date. A PDF
imported before (same SHA-256) is *redan importerad*: a second run changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ester.intake.scanning import ScanBatchInvalid, scans_import_bureau


class Command(BaseCommand):
    help = "Läser in en skanningsbyrås batch: en mapp med PDF-filer och en CSV-fil med metadata. Varje PDF blir ett ärende."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", metavar="DIR", help="Mappen med PDF-filerna och CSV-filen.")
        parser.add_argument("--csv", dest="csv_path", help="CSV-filen med metadata (normalt: den enda .csv-filen i mappen).")

    def handle(self, *args: Any, folder: str, csv_path: str | None = None, **options: Any) -> None:
        path = Path(folder)
        try:
            result = scans_import_bureau(path, csv_path=Path(csv_path) if csv_path else None)
        except ScanBatchInvalid as error:
            for line in error.problems:
                self.stderr.write(f"  - {line}")
            raise CommandError(
                _("Ingenting importerades: %(n)s fel i batchen %(folder)s. Rätta dem och kör igen.")
                % {"n": len(error.problems), "folder": path},
                returncode=1,
            ) from None
        total = len(result.created) + len(result.already)
        self.stdout.write(_("Skanningsbatch %(folder)s: %(n)s filer.") % {"folder": path.resolve().name, "n": total})
        self.stdout.write("  " + _("ärenden skapade: %(n)s") % {"n": len(result.created)})
        self.stdout.write("  " + _("redan importerade: %(n)s") % {"n": len(result.already)})
        for item in result.created:
            self.stdout.write(f"  + {item.original_name} → {item.case.number}")
        for name, item in result.already:
            self.stdout.write("  = " + _("%(name)s: redan importerad (%(case)s)") % {"name": name, "case": item.case.number})
