"""``ester serve``: Ester in production — static files, migrations, gunicorn and the task worker.

One command for a process manager (systemd, a container): it collects static
files, applies migrations, then runs gunicorn (``config.wsgi``) and ``ester
worker`` as child processes.  SIGTERM and SIGINT are passed on to both; when
either exits on its own the other is stopped and ``ester serve`` exits
non-zero, so the process manager restarts the pair.  Further gunicorn options
go in ``GUNICORN_CMD_ARGS``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from ._processes import ester_command, start, supervise, worker_needed


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, 8)


class Command(BaseCommand):
    help = "Kör Ester i drift: collectstatic, migrate, gunicorn och bakgrundsprocessen."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="Adress för gunicorn (standard 127.0.0.1:8000).")
        parser.add_argument(
            "--workers", type=int, default=default_workers(), help="Antal gunicorn-processer (standard 2 × kärnor + 1, högst 8)."
        )
        parser.add_argument("--no-worker", action="store_true", help="Starta ingen bakgrundsprocess (den körs någon annanstans).")

    def handle(self, *args: Any, bind: str, workers: int, no_worker: bool, **options: Any) -> None:
        verbosity = options.get("verbosity", 1)
        call_command("collectstatic", interactive=False, verbosity=max(verbosity - 1, 0))
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(max(workers, 1)),
            "--access-logfile",
            "-",
        ]
        children = [start("gunicorn", gunicorn)]
        if worker_needed() and not no_worker:
            children.append(start("worker", ester_command("worker")))
        code = supervise(children)
        if code:
            sys.exit(code)
