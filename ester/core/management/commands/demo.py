"""``ester demo``: a working Ester with the demo city, from zero configuration.

Migrates, loads the demo city (idempotent), prints who can log in, then runs
the development server and a task worker until Ctrl-C.  ``ester demo``
(through ``config.cli``) turns on ``ESTER_DEBUG`` when no secret key is
configured, so nothing has to be set first.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ._processes import ester_command, start, supervise, worker_needed


class Command(BaseCommand):
    help = "Laddar demostaden och startar Ester med bakgrundsprocess (för att prova, inte för drift)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--load-only", action="store_true", help="Migrera och ladda demodata, starta ingen server.")
        parser.add_argument("--port", type=int, default=8000, help="Port för webbservern (standard 8000).")
        parser.add_argument("--host", default="127.0.0.1", help="Adress att lyssna på (standard 127.0.0.1).")

    def handle(self, *args: Any, load_only: bool, port: int, host: str, **options: Any) -> None:
        verbosity = options.get("verbosity", 1)
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        try:
            from ester.organisation.demo import load_demo_city
        except ImportError as exc:
            raise CommandError(f"Demodata saknas i den här versionen (ester.organisation.demo): {exc}") from exc
        logins = load_demo_city()
        url_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - only shown, not bound
        if ":" in url_host:
            url_host = f"[{url_host}]"
        self.stdout.write(self.login_block(f"http://{url_host}:{port}/", logins, serving=not load_only))
        if load_only:
            return

        children = []
        if worker_needed():
            children.append(start("worker", ester_command("worker", "--no-startup-delay", "--interval", "1")))
        children.append(
            start(
                "webbserver",
                ester_command("runserver", "--noreload", f"{host}:{port}" if ":" not in host else f"[{host}]:{port}"),
            )
        )
        code = supervise(children)
        if code:
            sys.exit(code)

    @staticmethod
    def login_block(url: str, logins: list[tuple[str, str, str]], *, serving: bool) -> str:
        rows = [("Användarnamn / Username", "Lösenord / Password", "Roll / Role"), *logins]
        widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
        rule = "=" * max(72, sum(widths) + 8)
        lines = [
            "",
            rule,
            "  Ester – demo: Serviceförvaltningen i en påhittad stad / a made-up city",
            f"  Databas / Database: {settings.DATABASES['default']['NAME']}",
            f"  Adress / URL: {url}" + ("" if serving else "   (starta med / start with: ester demo)"),
            "",
            "  Inloggningar / Logins:",
        ]
        for index, row in enumerate(rows):
            lines.append("    " + "  ".join(str(value).ljust(widths[i]) for i, value in enumerate(row)).rstrip())
            if index == 0:
                lines.append("    " + "  ".join("-" * width for width in widths))
        lines += [
            "",
            "  Lösenorden gäller bara demodata. / These passwords are for demo data only.",
        ]
        if serving:
            lines.append("  Avsluta med Ctrl-C. / Stop with Ctrl-C.")
        lines += [rule, ""]
        return "\n".join(lines)
