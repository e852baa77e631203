"""Receiving mail over LMTP (or SMTP) straight into the intake pipeline (aiosmtpd).

For deployments whose mail server hands mail to Ester instead of Ester reading a
mailbox: Postfix ``mailbox_transport = lmtp:inet:127.0.0.1:8024`` (or a transport map
for the functional mailboxes' addresses). ``ester receive-mail`` runs the listener.

* **RCPT TO** is looked up among the active mailboxes (by address, case-insensitive):
  an unknown recipient is refused permanently, ``550 5.1.1`` — the sender gets a bounce,
  nothing is accepted that Ester would not keep.
* **DATA**: the message's bytes, as received, go through ``ingest(source="smtp")``
  once per recipient mailbox — in a worker thread (``sync_to_async``): the Django ORM
  never runs in the event loop's thread. The answer is ``250`` only after ``ingest``
  returned a row that is not in state *fel* (the case, the original and its attachments
  are committed); otherwise ``451``, a temporary failure, so the sending server keeps
  the message and tries again later — nothing is lost. A second delivery of the same
  bytes is recognised by ``ingest`` (same SHA-256 in the mailbox) and changes nothing.
  LMTP answers once per recipient (RFC 2033); SMTP answers once, ``451`` when any
  recipient failed (those that succeeded are not taken twice at the retry). A database
  that cannot be read at RCPT also gets ``451``, never a permanent refusal.
* A message over the size limit is refused with ``552`` (aiosmtpd, also announced as SIZE).

The replies are plain ASCII (RFC 5321): "okand mottagare", not "okänd".
There is no authentication and no TLS: listen on loopback (or a private network) only,
where the mail server that delivers to Ester runs.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections
from django.utils import timezone

from ester.intake.models import IncomingMessage, Mailbox
from ester.intake.parse import limits
from ester.intake.pipeline import ingest

log = logging.getLogger(__name__)

OK = "250 2.0.0 Mottaget"
RCPT_OK = "250 2.1.5 OK"
UNKNOWN_RECIPIENT = "550 5.1.1 Okand mottagare (unknown recipient)"
TEMPORARY = "451 4.3.0 Tillfalligt fel, forsok igen senare (temporary failure, try again later)"
#: Messages larger than this are refused with 552 (the pipeline would only quarantine them).
MAX_SIZE = limits.MAX_RAW_BYTES


def find_mailbox(address: str) -> Mailbox | None:
    address = (address or "").strip().lower()
    if not address:
        return None
    return Mailbox.objects.select_related("customer", "default_case_type").filter(address=address, active=True).first()


def recipient_reply(address: str) -> str:
    """The reply to RCPT TO: a mailbox's address, an unknown one, or the database down (try again)."""
    close_old_connections()
    try:
        known = find_mailbox(address) is not None
    except Exception:
        log.exception("intake: the recipient %s could not be looked up; answered 451", address)
        return TEMPORARY
    finally:
        close_old_connections()
    return RCPT_OK if known else UNKNOWN_RECIPIENT


def deliver(address: str, raw: bytes) -> str:
    """Take the message into the recipient's mailbox; the SMTP reply for this recipient."""
    close_old_connections()
    try:
        mailbox = find_mailbox(address)
        if mailbox is None:  # removed or switched off since RCPT
            return f"{UNKNOWN_RECIPIENT} <{address}>"
        row = ingest(mailbox, raw, source=IncomingMessage.Source.SMTP, received_at=timezone.now())
    except Exception:
        log.exception("intake: a message to %s could not be taken in; answered 451", address)
        return f"{TEMPORARY} <{address}>"
    finally:
        close_old_connections()
    if row.state == IncomingMessage.State.FAILED:
        log.warning("intake: message %s to %s is in state fel; answered 451", row.pk, address)
        return f"{TEMPORARY} <{address}>"
    return f"{OK} <{address}>"


class IntakeHandler:
    """The aiosmtpd handler: recipients are mailboxes, DATA goes through the pipeline."""

    def __init__(self, *, lmtp: bool = True) -> None:
        self.lmtp = lmtp

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]) -> str:
        reply = await sync_to_async(recipient_reply)(address)
        if reply == RCPT_OK:
            envelope.rcpt_tos.append(address)
        elif reply == UNKNOWN_RECIPIENT:
            log.info("intake: refused mail to unknown recipient %s", address)
        return reply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        replies = [await sync_to_async(deliver)(address, raw) for address in envelope.rcpt_tos]
        if self.lmtp:
            return "\r\n".join(replies)  # one reply per accepted recipient, in order (RFC 2033)
        # SMTP has one reply for all: any failure asks the sender to try again (the recipients that
        # succeeded are recognised then; one that has gone is refused at RCPT, with a bounce).
        return OK if all(reply.startswith("250") for reply in replies) else TEMPORARY


class Receiver:
    """An LMTP (default) or SMTP listener on ``host:port`` (port 0: a free one, see ``port``).

    ``start()``/``stop()`` run it in a thread of its own (tests); ``serve_forever()`` runs
    it in the calling thread until SIGINT or SIGTERM (``ester receive-mail``)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8024, *, lmtp: bool = True, max_size: int = MAX_SIZE) -> None:
        self.host, self.port, self.lmtp, self.max_size = host, port, lmtp, max_size
        self.handler = IntakeHandler(lmtp=lmtp)
        self.hostname = socket.gethostname()  # aiosmtpd would look up the FQDN for every connection
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None

    def protocol(self) -> SMTP:
        cls = LMTP if self.lmtp else SMTP
        return cls(self.handler, data_size_limit=self.max_size, enable_SMTPUTF8=True, hostname=self.hostname, loop=self.loop)

    async def _serve(self, ready: threading.Event | None, signals: bool) -> None:
        self.loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        server = await self.loop.create_server(self.protocol, self.host, self.port)
        self.port = server.sockets[0].getsockname()[1]
        if signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.loop.add_signal_handler(sig, self._stopped.set)
        if ready is not None:
            ready.set()
        try:
            async with server:
                await self._stopped.wait()
        finally:
            # The ORM's thread keeps its connections between messages: close them on the way out.
            await sync_to_async(connections.close_all)()

    def serve_forever(self, ready: threading.Event | None = None) -> None:
        asyncio.run(self._serve(ready, signals=True))

    def start(self, timeout: float = 10.0) -> None:
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            try:
                asyncio.run(self._serve(ready, signals=False))
            except BaseException as error:
                errors.append(error)
                ready.set()

        self._thread = threading.Thread(target=run, name="intake-lmtp", daemon=True)
        self._thread.start()
        if not ready.wait(timeout) or errors:
            raise RuntimeError(f"the mail listener did not start on {self.host}:{self.port}: {errors}")

    def stop(self, timeout: float = 10.0) -> None:
        if self.loop is not None and self._stopped is not None:
            self.loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> Receiver:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
