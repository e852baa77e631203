"""``ester receive-mail [--host 127.0.0.1] [--port 8024] [--smtp]``: take mail over LMTP (or SMTP).

Runs :class:`ester.intake.lmtp.Receiver` in the foreground until SIGINT/SIGTERM. Every
message for an active mailbox's address goes through the intake pipeline; the sending
server gets ``250`` only once the message is committed, ``451`` (try again) otherwise,
``550 5.1.1`` for an unknown recipient and ``552`` over the size limit. No
authentication and no TLS: listen where only the delivering mail server can connect.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ester.intake.lmtp import MAX_SIZE, Receiver


class Command(BaseCommand):
    help = "Tar emot e-post med LMTP (eller SMTP med --smtp) och lägger den i brevlådorna."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Adressen att lyssna på (normalt 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8024, help="Porten att lyssna på (normalt 8024).")
        parser.add_argument("--smtp", action="store_true", help="SMTP i stället för LMTP.")
        parser.add_argument(
            "--max-size-mb",
            type=int,
            default=MAX_SIZE // (1024 * 1024),
            help=f"Största meddelande i MB (normalt {MAX_SIZE // (1024 * 1024)}); större avvisas med 552.",
        )

    def handle(self, *args: Any, host: str, port: int, smtp: bool, max_size_mb: int, **options: Any) -> None:
        if not 0 <= port <= 65535:
            raise CommandError("--port måste vara 0–65535.")
        if max_size_mb < 1:
            raise CommandError("--max-size-mb måste vara minst 1.")
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            self.stderr.write(
                f"Varning: {host} är inte loopback. Mottagningen har varken inloggning eller TLS; "
                "se till att bara e-postservern kan nå porten."
            )
        protocol = "SMTP" if smtp else "LMTP"
        receiver = Receiver(host, port, lmtp=not smtp, max_size=max_size_mb * 1024 * 1024)

        def announce() -> None:
            self.stdout.write(f"Tar emot e-post med {protocol} på {host}:{receiver.port}. Avsluta med Ctrl-C.")
            self.stdout.flush()

        class Ready:
            def set(self) -> None:
                announce()

        try:
            receiver.serve_forever(ready=Ready())  # type: ignore[arg-type]
        except OSError as error:
            raise CommandError(f"Kan inte lyssna på {host}:{port}: {error.strerror or error}") from None
        self.stdout.write("Mottagningen stoppad.")
