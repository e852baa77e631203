"""The ``ester`` command: ``manage.py`` with a few names of its own.

``ester demo``, ``ester serve``, ``ester worker`` and ``ester create-token``
are Django management commands in ``ester/core/management/commands/``; every
other subcommand (``ester migrate``, ``ester shell``, ...) goes straight to
Django, so ``ester`` is all an operator needs on the path.
"""

from __future__ import annotations

import os
import sys

#: Spellings on the command line that differ from the management command's module name.
#: Hyphenated spellings of management commands (``ester sweep-lead-times`` → ``sweep_lead_times``).
ALIASES = {
    "create-token": "create_token",
    "sweep-lead-times": "sweep_lead_times",
    "recompute-due": "recompute_due",
    "import-mail": "import_mail",
    "import-scans": "import_scans",
    "poll-mail": "poll_mail",
    "receive-mail": "receive_mail",
}

#: Subcommands that run without any configuration: they fall back to debug mode
#: (and its throw-away secret key) when no secret key is configured.
ZERO_CONFIG = {"demo"}


def _has_secret_key() -> bool:
    return any(os.environ.get(name, "").strip() for name in ("ESTER_SECRET_KEY", "ESTER_SECRET_KEY_FILE"))


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "ester"
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
        if argv[1] in ZERO_CONFIG and not _has_secret_key():
            os.environ.setdefault("ESTER_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    from config.env import EnvError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv)
    except EnvError as exc:
        # A bad or missing ESTER_* setting: say which one, without a traceback.
        print(f"ester: konfigurationsfel / configuration error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
