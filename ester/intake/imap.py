"""Polling a functional mailbox over IMAP, exactly once: :func:`poll`.

One poll of one :class:`~ester.intake.models.Mailbox` (standard library ``imaplib``):

1. **Claim** the mailbox with a conditional UPDATE on ``polling_until`` (a lease,
   renewed as the poll goes on): of two workers only one polls a mailbox at a time.
   A poll killed half-way holds the claim until the lease runs out (``CLAIM``); a poll
   that ended without the database (so could not give the claim back) leaves it to its
   own process's next poll, which takes it over at once.
2. **Connect** (implicit TLS, STARTTLS or plain, per ``imap_security``; certificates
   verified), log in with the password or an OAuth2 token (``XOAUTH2``) that
   ``Mailbox.secret()`` reads, and SELECT the folder.
3. **UIDVALIDITY**: when the server's value differs from the stored one, the UIDs we
   know mean nothing any more: the new value is recorded and the folder is read again
   from UID 0. Every message then goes through ``ingest`` once more, whose dedupe by
   the SHA-256 of the bytes returns the row it already has — so nothing is taken twice,
   and the messages are marked on the server.
4. **New messages**: ``UID SEARCH UID last_uid+1:*`` (filtered to UIDs above
   ``last_uid``: IMAP answers ``N:*`` with the last message even when ``N`` is past
   it), in UID order, at most ``limit`` fetched per poll. Each is fetched with
   ``BODY.PEEK[]`` (reading never sets ``\\Seen``) and its INTERNALDATE, and given to
   ``ingest(source="imap", uidvalidity, uid, received_at=INTERNALDATE)``. A UID that
   already has a row is not fetched again: its row decides. The next two messages are
   read in a thread of their own while one goes through the pipeline (:class:`Prefetcher`).
5. **Mark on the server, only after the commit**: when ``ingest`` returned a row that
   is not in state *fel* (its case, original and attachments are committed), the
   message is moved to ``processed_folder`` (``UID MOVE``; without MOVE: COPY, STORE
   ``\\Deleted``, ``UID EXPUNGE``), or — without a processed folder — flagged
   ``\\Seen $EsterBehandlad`` (only ``\\Seen`` when the server keeps no keywords).
   Committed messages are marked in groups of ``MARK_BATCH`` (one command per group),
   and ``last_uid`` is advanced past a group only after it is marked.
6. **Failures are tracked explicitly**: a message whose row is in state *fel* is left
   on the server, unmarked, and the poll goes on with the next one (one bad message
   never blocks a mailbox). ``last_uid`` passes it: its row (mailbox, UIDVALIDITY,
   UID) is in the intake error list, and every poll looks again at the *left-over*
   messages at or below ``last_uid`` that are still unmarked on the server — once the
   row has been retried successfully (the retry button), the message is marked then.
7. **When ingest raises** (the database or the file storage is down) the batch stops
   at once: that message and all after it stay unmarked and ``last_uid`` stays before
   them, so the next poll takes them — every committed message exactly once, because
   the rows recorded by UID are found again without fetching.
8. **Status** on the mailbox: ``last_poll_at``, ``last_success_at``, ``last_error``
   (Swedish, never a secret), ``messages_waiting`` (messages in the folder not marked
   at the end of the poll: not yet reached, or in the error list).

A crash anywhere is safe: before the commit nothing happened; between the commit and
the mark the next poll finds the row by UID and marks the message; between the mark
and the ``last_uid`` update the message is either gone (moved) or found by UID again.
"""

from __future__ import annotations

import base64
import datetime
import imaplib
import logging
import queue
import re
import ssl
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from typing import Any

from django.db import Error as DatabaseFailure
from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from ester.core import clock
from ester.intake.models import IncomingMessage, Mailbox, MailboxSecretError
from ester.intake.pipeline import ingest

log = logging.getLogger(__name__)

State = IncomingMessage.State

#: The keyword that marks a message Ester has handled (when it is not moved).
KEYWORD = "$EsterBehandlad"
#: Messages fetched per poll at most: a backlog is taken over several polls.
BATCH_LIMIT = 200
#: Seconds a connection waits for the server before giving up.
TIMEOUT = 60.0
#: How long a poll's claim on a mailbox lasts without being renewed (it is renewed after each message).
CLAIM = datetime.timedelta(minutes=5)
#: UIDs looked up in the database at a time.
CHUNK = 500
#: Committed messages marked on the server in one command.
MARK_BATCH = 20
#: Messages read from the server ahead of the one in the pipeline.
PREFETCH = 2
MAX_ERROR = 2000

# A SEARCH answer is one line; a folder of 100 000 messages makes it longer than imaplib's 1 MB default.
imaplib._MAXLINE = max(imaplib._MAXLINE, 20_000_000)  # type: ignore[attr-defined]


class PollError(Exception):
    """A poll could not go on; the text is Swedish and names no secret."""


class IngestFailed(PollError):
    """``ingest`` raised: not even a failure could be recorded (database or storage down)."""


@dataclass
class PollResult:
    """What one poll did (also the result of the ``poll_mailbox`` task)."""

    mailbox: str
    fetched: int = 0  # messages fetched and given to ingest
    new: int = 0  # of those, recorded now (the others were known: same UID or same bytes)
    marked: int = 0  # moved or flagged on the server
    failed: int = 0  # left on the server: their rows are in state fel
    waiting: int | None = None  # messages in the folder not marked at the end of the poll (None: not counted)
    more: bool = False  # the batch limit was reached: poll again soon
    uidvalidity_changed: bool = False
    skipped: bool = False  # another poll holds the mailbox
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and not self.skipped

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        if self.skipped:
            return _("%(mailbox)s: hämtas redan av en annan process.") % {"mailbox": self.mailbox}
        text = _(
            "%(mailbox)s: %(fetched)s hämtade (%(new)s nya), %(marked)s markerade på servern, %(failed)s med fel, %(waiting)s väntar."
        ) % {
            "mailbox": self.mailbox,
            "fetched": self.fetched,
            "new": self.new,
            "marked": self.marked,
            "failed": self.failed,
            "waiting": "?" if self.waiting is None else self.waiting,
        }
        if self.error:
            text += " " + _("Fel: %(error)s") % {"error": self.error}
        return text


# --- the claim --------------------------------------------------------------------------------


class Claim:
    """A poll's lease on a mailbox (``Mailbox.polling_until``): taken with a conditional
    UPDATE, renewed as the poll goes on, released at the end. Progress (``last_uid``)
    is written only while the claim is held."""

    #: Claims this process could not give back (the database was gone when its poll ended), by
    #: mailbox: the process's next poll of the mailbox takes such a claim over at once instead
    #: of waiting for the lease to run out — no poll of it is running any more.
    _abandoned: dict[int, datetime.datetime] = {}
    _abandoned_lock = threading.Lock()

    def __init__(self, mailbox: Mailbox, until: datetime.datetime) -> None:
        self.mailbox = mailbox
        self.until = until
        self.renewed_at = timezone.now()

    @classmethod
    def take(cls, mailbox: Mailbox) -> Claim | None:
        now = timezone.now()
        until = now + CLAIM
        free = Q(polling_until__isnull=True) | Q(polling_until__lt=now)
        with cls._abandoned_lock:
            own = cls._abandoned.get(mailbox.pk)
        if own is not None:
            free |= Q(polling_until=own)
        if Mailbox.objects.filter(free, pk=mailbox.pk).update(polling_until=until) != 1:
            return None
        with cls._abandoned_lock:
            if cls._abandoned.get(mailbox.pk) == own:
                cls._abandoned.pop(mailbox.pk, None)
        mailbox.polling_until = until
        return cls(mailbox, until)

    def abandon(self) -> None:
        """The claim could not be given back: remember it for this process's next poll."""
        with self._abandoned_lock:
            self._abandoned[self.mailbox.pk] = self.until

    def _write(self, **fields: Any) -> None:
        until = timezone.now() + CLAIM
        if Mailbox.objects.filter(pk=self.mailbox.pk, polling_until=self.until).update(polling_until=until, **fields) != 1:
            raise PollError(_("Hämtningen avbröts: en annan process har tagit över brevlådan."))
        self.until, self.renewed_at = until, timezone.now()
        self.mailbox.polling_until = until
        for name, value in fields.items():
            setattr(self.mailbox, name, value)

    def advance(self, last_uid: int) -> None:
        """Record progress (every UID up to ``last_uid`` is settled) and renew the lease."""
        self._write(last_uid=last_uid)

    def restart(self, uidvalidity: int) -> None:
        """The folder has a new UIDVALIDITY: read it again from the start."""
        self._write(uidvalidity=uidvalidity, last_uid=0)

    def keep(self) -> None:
        """Renew the lease when a third of it has passed."""
        if timezone.now() - self.renewed_at > CLAIM / 3:
            self._write()

    def release(self, **status: Any) -> None:
        """Write the status fields and give the mailbox free (only if this claim still holds it)."""
        Mailbox.objects.filter(pk=self.mailbox.pk).update(
            polling_until=Case(
                When(polling_until=self.until, then=Value(None)), default=F("polling_until"), output_field=DateTimeField()
            ),
            **status,
        )
        for name, value in status.items():
            setattr(self.mailbox, name, value)
        if self.mailbox.polling_until == self.until:
            self.mailbox.polling_until = None


# --- talking to the server --------------------------------------------------------------------


def imap_utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3): "Behandlade ärenden" → "Behandlade &AOQ-renden"."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).rstrip(b"=").replace(b"/", b",")
            out.append("&" + encoded.decode("ascii") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def quoted_folder(name: str) -> str:
    encoded = imap_utf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def response_text(value: Any) -> str:
    """The text of an imaplib error or response data, without b'' around it."""
    if isinstance(value, OSError):  # "[SSL: CERTIFICATE_VERIFY_FAILED] …", "[Errno 111] Connection refused"
        value = str(value) or type(value).__name__
    elif isinstance(value, BaseException):
        value = value.args[0] if value.args else type(value).__name__
    if isinstance(value, list):
        value = b" ".join(v if isinstance(v, bytes) else str(v).encode() for v in value if v is not None)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value)
    match = re.fullmatch(r"b(['\"])(.*)\1", text, re.DOTALL)
    return " ".join((match.group(2) if match else text).split())[:500]


def xoauth2(user: str, token: str) -> Any:
    """The XOAUTH2 answer to the server's challenge. A server that refuses sends its
    reasons as a second challenge, which must be answered empty."""
    answered = False

    def respond(challenge: bytes) -> bytes:
        nonlocal answered
        if answered:
            return b""
        answered = True
        return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()

    return respond


def plain(user: str, password: str) -> Any:
    """The SASL PLAIN answer (RFC 4616), UTF-8."""
    return lambda _challenge: f"\0{user}\0{password}".encode()


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    """An authenticated connection to the mailbox's server (raises :class:`PollError`)."""
    host, port = mailbox.imap_host.strip(), mailbox.imap_port
    where = f"{host}:{port}"
    if not host:
        raise PollError(_("Brevlådan saknar IMAP-server."))
    try:
        secret = mailbox.secret()
    except MailboxSecretError as error:
        raise PollError(str(error)) from None

    def scrub(text: str) -> str:
        return text.replace(secret, "***") if len(secret) >= 4 else text

    context = ssl.create_default_context()
    try:
        if mailbox.imap_security == Mailbox.Security.SSL:
            imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=TIMEOUT)
        else:
            imap = imaplib.IMAP4(host, port, timeout=TIMEOUT)
    except (OSError, imaplib.IMAP4.error) as error:
        raise PollError(
            _("Kunde inte ansluta till IMAP-servern %(where)s: %(error)s")
            % {"where": where, "error": scrub(response_text(error))}
        ) from None
    try:
        if mailbox.imap_security == Mailbox.Security.STARTTLS:
            try:
                imap.starttls(context)
            except (OSError, imaplib.IMAP4.error) as error:
                raise PollError(
                    _("STARTTLS mot %(where)s misslyckades: %(error)s") % {"where": where, "error": scrub(response_text(error))}
                ) from None
        try:
            if mailbox.auth_method == Mailbox.Auth.XOAUTH2:
                imap.authenticate("XOAUTH2", xoauth2(mailbox.imap_user, secret))
            elif (mailbox.imap_user + secret).isascii():
                imap.login(mailbox.imap_user, secret)
            else:  # LOGIN takes ASCII only; SASL PLAIN carries UTF-8 ("lösenord")
                imap.authenticate("PLAIN", plain(mailbox.imap_user, secret))
        except (imaplib.IMAP4.error, UnicodeError) as error:
            raise PollError(
                _("Inloggningen på %(where)s som %(user)s misslyckades: %(error)s")
                % {"where": where, "user": mailbox.imap_user, "error": scrub(response_text(error))}
            ) from None
        # Servers announce MOVE, UIDPLUS … only after the login (imaplib keeps the list from before).
        typ, data = imap.capability()
        if typ == "OK" and data and isinstance(data[0], bytes):
            imap.capabilities = tuple(data[0].decode("ascii", "replace").upper().split())
    except BaseException:
        with suppress(Exception):
            imap.shutdown()
        raise
    return imap


@contextmanager
def connected(mailbox: Mailbox) -> Iterator[imaplib.IMAP4]:
    imap = connect(mailbox)
    try:
        yield imap
    finally:
        with suppress(Exception):
            imap.logout()


def check(typ: str, data: Any, what: str) -> None:
    if typ != "OK":
        raise PollError(_("IMAP-servern svarade nej på %(what)s: %(error)s") % {"what": what, "error": response_text(data)})


@dataclass
class Folder:
    """A selected folder: its UIDVALIDITY and what the server allows in it."""

    name: str
    uidvalidity: int
    keywords: bool  # the server keeps $EsterBehandlad (PERMANENTFLAGS has it or \*)
    move: bool  # MOVE (RFC 6851)
    uidplus: bool  # UID EXPUNGE (RFC 4315)


def select(imap: imaplib.IMAP4, name: str) -> Folder:
    try:
        typ, data = imap.select(quoted_folder(name))
    except imaplib.IMAP4.readonly:
        raise PollError(
            _("Mappen %(folder)s är skrivskyddad: behandlade meddelanden kan inte markeras.") % {"folder": name}
        ) from None
    if typ != "OK":
        raise PollError(_("Mappen %(folder)s kan inte öppnas: %(error)s") % {"folder": name, "error": response_text(data)})
    _code, values = imap.response("UIDVALIDITY")
    try:
        uidvalidity = int(values[0])
    except (TypeError, ValueError, IndexError):
        raise PollError(_("IMAP-servern angav ingen UIDVALIDITY för mappen %(folder)s.") % {"folder": name}) from None
    _code, flags = imap.response("PERMANENTFLAGS")
    permanent = b" ".join(f for f in flags if isinstance(f, bytes))
    capabilities = {c.upper() for c in imap.capabilities}
    return Folder(
        name=name,
        uidvalidity=uidvalidity,
        keywords=b"\\*" in permanent or KEYWORD.encode().lower() in permanent.lower(),
        move="MOVE" in capabilities,
        uidplus="UIDPLUS" in capabilities,
    )


def search(imap: imaplib.IMAP4, *criteria: str) -> list[int]:
    typ, data = imap.uid("SEARCH", *criteria)
    check(typ, data, "UID SEARCH")
    uids: set[int] = set()
    for part in data:
        if isinstance(part, bytes):
            uids.update(int(value) for value in part.split() if value.isdigit())
    return sorted(uids)


MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
INTERNALDATE = re.compile(rb'INTERNALDATE "\s?(\d{1,2})-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"', re.I)
FETCH_START = re.compile(rb"^\d+ \(")
FETCH_UID = re.compile(rb"\bUID (\d+)", re.I)
BODY_LITERAL = re.compile(rb"BODY\[\] \{\d+\}$", re.I)


def internaldate(meta: bytes) -> datetime.datetime | None:
    match = INTERNALDATE.search(meta)
    if not match:
        return None
    day, month, year, hour, minute, second, sign, off_h, off_m = match.groups()
    try:
        offset = datetime.timedelta(hours=int(off_h), minutes=int(off_m)) * (-1 if sign == b"-" else 1)
        return datetime.datetime(
            int(year),
            MONTHS[month.decode().lower()],
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=datetime.timezone(offset),
        ).astimezone(datetime.UTC)
    except (KeyError, ValueError):
        return None


def fetch(imap: imaplib.IMAP4, uid: int) -> tuple[bytes, datetime.datetime | None] | None:
    """The bytes and INTERNALDATE of a message, read without setting ``\\Seen``; None when it is gone
    (no answer for the UID). An answer without the message's bytes raises :class:`PollError`."""
    typ, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[] INTERNALDATE)")
    check(typ, data, f"UID FETCH {uid}")
    # The answer may hold other (unsolicited) FETCH responses too: group by response, match the UID.
    responses: list[tuple[bytes, bytes | None]] = []
    for item in data:
        head, literal = (item[0], item[1]) if isinstance(item, tuple) else (item, None)
        if not isinstance(head, bytes):
            continue
        if FETCH_START.match(head) or not responses:
            responses.append((b"", None))
        meta, body = responses[-1]
        if literal is not None and body is None and BODY_LITERAL.search(head.rstrip()):
            body = literal
            head = head.rstrip()[: head.rstrip().rfind(b"{")]
        responses[-1] = (meta + b" " + head, body)
    answered = False
    for meta, body in responses:
        found = FETCH_UID.search(meta)
        if found and int(found.group(1)) == uid:
            if body is not None:
                return body, internaldate(meta)
            answered = True
    if answered:
        raise PollError(_("IMAP-servern skickade inte innehållet i meddelandet med UID %(uid)s.") % {"uid": uid})
    return None


def uid_set(uids: Iterable[int]) -> str:
    """An IMAP sequence set of UIDs: [101, 102, 103, 107] → "101:103,107"."""
    ranges: list[list[int]] = []
    for uid in sorted(set(uids)):
        if ranges and uid == ranges[-1][1] + 1:
            ranges[-1][1] = uid
        else:
            ranges.append([uid, uid])
    return ",".join(str(a) if a == b else f"{a}:{b}" for a, b in ranges)


def mark(imap: imaplib.IMAP4, uids: list[int], folder: Folder, processed: str) -> None:
    """Move the messages to the processed folder, or flag them: Ester has handled them."""
    key = uid_set(uids)
    if processed:
        target = quoted_folder(processed)
        if folder.move:
            typ, data = imap.uid("MOVE", key, target)
            check(typ, data, _("flytt till mappen %(folder)s") % {"folder": processed})
            return
        typ, data = imap.uid("COPY", key, target)
        check(typ, data, _("kopiering till mappen %(folder)s") % {"folder": processed})
        typ, data = imap.uid("STORE", key, "+FLAGS.SILENT", "(\\Deleted)")
        check(typ, data, "UID STORE \\Deleted")
        if folder.uidplus:
            typ, data = imap.uid("EXPUNGE", key)
            check(typ, data, "UID EXPUNGE")
        return
    flags = f"(\\Seen {KEYWORD})" if folder.keywords else "(\\Seen)"
    typ, data = imap.uid("STORE", key, "+FLAGS.SILENT", flags)
    check(typ, data, "UID STORE")


def leftover_criteria(folder: Folder, processed: str, last_uid: int) -> list[str]:
    """SEARCH criteria for the messages at or below ``last_uid`` that are still unmarked."""
    criteria = ["UID", f"1:{last_uid}", "UNDELETED"]
    if processed:
        return criteria  # what is still in the folder was not moved
    return [*criteria, "UNKEYWORD", KEYWORD] if folder.keywords else [*criteria, "UNSEEN"]


# --- the poll ---------------------------------------------------------------------------------


def known_states(mailbox: Mailbox, uidvalidity: int, uids: Iterable[int]) -> dict[int, str]:
    """The state of the rows already recorded for these UIDs (under this UIDVALIDITY)."""
    states: dict[int, str] = {}
    pending = list(uids)
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start : start + CHUNK]
        rows = IncomingMessage.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid__in=chunk)
        states.update((uid, state) for uid, state in rows.values_list("uid", "state") if uid is not None)
    return states


class Prefetcher:
    """Reads the next messages from the server in a thread of its own while the current one
    goes through the pipeline (at most ``PREFETCH`` ahead, in UID order): the server's work
    and the round trip overlap with the database's. The connection is shared under ``lock``.
    A message read ahead and not taken in (the poll stopped) is simply read again next time:
    ``BODY.PEEK`` changed nothing on the server."""

    def __init__(self, imap: imaplib.IMAP4, lock: threading.Lock, uids: list[int]) -> None:
        self.imap, self.lock, self.uids = imap, lock, uids
        self.queue: queue.Queue[tuple[int, tuple[bytes, datetime.datetime | None] | None, BaseException | None]] = queue.Queue(
            maxsize=PREFETCH
        )
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, name="imap-prefetch", daemon=True)
        self.thread.start()

    def run(self) -> None:
        for uid in self.uids:
            if self.stopped.is_set():
                return
            try:
                with self.lock:
                    item: Any = (uid, fetch(self.imap, uid), None)
            except BaseException as error:  # handed to the poll's thread, which raises it
                item = (uid, None, error)
            while not self.stopped.is_set():
                try:
                    self.queue.put(item, timeout=0.2)
                    break
                except queue.Full:
                    continue
            if item[2] is not None:
                return

    def get(self, uid: int) -> tuple[bytes, datetime.datetime | None] | None:
        """The message with this UID (the next in order), as :func:`fetch` gives it; its error raised here."""
        got, fetched, error = self.queue.get()
        if error is not None:
            raise error
        if got != uid:
            raise RuntimeError(f"prefetched UID {got}, expected {uid}")
        return fetched

    def close(self) -> None:
        self.stopped.set()
        with suppress(queue.Empty):
            while True:
                self.queue.get_nowait()
        self.thread.join(TIMEOUT + 5)


class Poller:
    """One poll of one mailbox over an open connection (see the module docstring).

    Committed messages are marked on the server in groups (``MARK_BATCH`` UIDs in one
    command: a round trip per group, not per message), and ``last_uid`` is advanced only
    after the group is marked. A poll that dies between a commit and the mark leaves the
    message for the next poll, which finds its row by UID and marks it."""

    def __init__(self, mailbox: Mailbox, imap: imaplib.IMAP4, claim: Claim, result: PollResult, limit: int) -> None:
        self.mailbox, self.imap, self.claim, self.result, self.limit = mailbox, imap, claim, result, limit
        self.processed = mailbox.processed_folder.strip()
        self.unmarked: list[int] = []  # committed (state not fel), to be marked
        self.settled = 0  # highest new UID handled: advanced to once the marks before it are done
        self.gone = 0
        self.fetches = 0  # counted against the limit (a message gone from the server too)
        self.lock = threading.Lock()  # the connection is shared with the prefetcher's thread

    def run(self) -> None:
        mailbox, result = self.mailbox, self.result
        folder = self.folder = select(self.imap, mailbox.folder or "INBOX")
        if mailbox.uidvalidity != folder.uidvalidity:
            if mailbox.uidvalidity is not None:
                result.uidvalidity_changed = True
                log.warning(
                    "intake: UIDVALIDITY of %s %s changed from %s to %s: reading the folder again (dedupe by SHA-256)",
                    mailbox.address,
                    folder.name,
                    mailbox.uidvalidity,
                    folder.uidvalidity,
                )
            self.claim.restart(folder.uidvalidity)
        last_uid = mailbox.last_uid
        leftovers = search(self.imap, *leftover_criteria(folder, self.processed, last_uid)) if last_uid > 0 else []
        leftovers = [uid for uid in leftovers if uid <= last_uid]
        new = [uid for uid in search(self.imap, "UID", f"{last_uid + 1}:*") if uid > last_uid]
        try:
            for _uid in self.each(leftovers):
                self.claim.keep()
            for uid in self.each(new):
                self.settled = uid
                self.claim.keep()
            self.flush()
        except BaseException:
            with suppress(Exception):  # what was committed before the failure is marked now, if the server still answers
                self.flush()
            raise
        finally:
            result.waiting = len(leftovers) + len(new) - result.marked - self.gone
        if result.more:
            log.info("intake: %s: batch limit %s reached, %s messages wait", mailbox.address, self.limit, result.waiting)

    def each(self, uids: list[int]) -> Iterator[int]:
        """Handle the UIDs in order, until the batch limit; yields each UID handled."""
        for start in range(0, len(uids), CHUNK):
            chunk = uids[start : start + CHUNK]
            states = known_states(self.mailbox, self.folder.uidvalidity, chunk)
            wanted = [uid for uid in chunk if states.get(uid) is None][: max(self.limit - self.fetches, 0)]
            prefetcher = Prefetcher(self.imap, self.lock, wanted) if wanted else None
            try:
                for uid in chunk:
                    state = states.get(uid)
                    if state is None and self.fetches >= self.limit:
                        self.result.more = True
                        return
                    self.handle(uid, state, prefetcher)
                    yield uid
                    if len(self.unmarked) >= MARK_BATCH:
                        self.flush()
            finally:
                if prefetcher is not None:
                    prefetcher.close()

    def handle(self, uid: int, state: str | None, prefetcher: Prefetcher | None) -> None:
        """Take one message: its row (made now, or found by UID) decides whether it is marked."""
        result = self.result
        if state is None:
            assert prefetcher is not None
            self.fetches += 1
            fetched = prefetcher.get(uid)
            if fetched is None:
                log.info("intake: %s UID %s is gone from the server", self.mailbox.address, uid)
                self.gone += 1
                return
            raw, arrived = fetched
            try:
                row = ingest(
                    self.mailbox,
                    raw,
                    source=IncomingMessage.Source.IMAP,
                    uidvalidity=self.folder.uidvalidity,
                    uid=uid,
                    received_at=arrived,
                )
            except Exception as error:
                log.exception("intake: %s UID %s could not be taken in", self.mailbox.address, uid)
                raise IngestFailed(
                    _(
                        "Meddelandet med UID %(uid)s kunde inte tas emot (%(error)s). Det ligger kvar på servern och hämtas vid nästa hämtning."
                    )
                    % {"uid": uid, "error": response_text(f"{type(error).__name__}: {error}")}
                ) from error
            result.fetched += 1
            result.new += 0 if row.already_seen else 1
            state = row.state
        if state == State.FAILED:
            result.failed += 1  # stays on the server, unmarked; its row is in the error list
            return
        self.unmarked.append(uid)

    def flush(self) -> None:
        """Mark the committed messages on the server, then record the progress."""
        if self.unmarked:
            with self.lock:
                mark(self.imap, self.unmarked, self.folder, self.processed)
            self.result.marked += len(self.unmarked)
            self.unmarked = []
        if self.settled > self.mailbox.last_uid:
            self.claim.advance(self.settled)


def poll(mailbox: Mailbox, *, limit: int | None = None) -> PollResult:
    """Poll ``mailbox`` once (see the module docstring) and return what was done.

    Does not raise for the server, the login, a message or the database being down:
    the error is in the result and, when the database can be written, on the mailbox.
    A poll another process is running is not started (``skipped``)."""
    limit = BATCH_LIMIT if limit is None else limit
    result = PollResult(mailbox=mailbox.address)
    claim = Claim.take(mailbox)
    if claim is None:
        result.skipped = True
        log.info("intake: %s is being polled by another process", mailbox.address)
        return result
    started = timezone.now()
    unexpected: BaseException | None = None
    try:
        with connected(mailbox) as imap, clock.memoized():  # reference data (rules, own addresses) read once per poll
            Poller(mailbox, imap, claim, result, limit).run()
    except PollError as error:
        result.error = str(error)
    except (OSError, imaplib.IMAP4.error) as error:  # the connection broke half-way
        result.error = _("Förbindelsen med IMAP-servern bröts: %(error)s") % {"error": response_text(error)}
    except DatabaseFailure as error:  # DatabaseError, or InterfaceError on a connection the server closed
        result.error = _("Databasen kunde inte nås: %(error)s") % {"error": response_text(error)}
    except Exception as error:
        unexpected = error
        result.error = _("Oväntat fel: %(error)s") % {"error": response_text(f"{type(error).__name__}: {error}")}
    if result.error:
        log.warning("intake: poll of %s failed: %s", mailbox.address, result.error)
    status: dict[str, Any] = {"last_poll_at": started}
    if result.waiting is not None:
        status["messages_waiting"] = result.waiting
    if result.error:
        status["last_error"] = result.error[:MAX_ERROR]
    else:
        status["last_success_at"] = timezone.now()
        status["last_error"] = (
            _("%(count)s meddelanden kunde inte behandlas och ligger kvar i mappen. Se listan över fel i inkommande post.")
            % {"count": result.failed}
            if result.failed
            else ""
        )
    try:
        claim.release(**status)
    except DatabaseFailure:
        claim.abandon()
        log.warning("intake: the status of %s could not be recorded", mailbox.address, exc_info=True)
    if unexpected is not None:
        raise unexpected
    log.info("intake: %s", result.summary())
    return result


def poll_due(mailbox: Mailbox, now: datetime.datetime | None = None) -> bool:
    """Whether the mailbox's poll interval has passed since its last poll."""
    now = now or timezone.now()
    if mailbox.last_poll_at is None:
        return True
    return now - mailbox.last_poll_at >= datetime.timedelta(seconds=mailbox.poll_interval_seconds)


def pollable() -> Any:
    """Active mailboxes with an IMAP server."""
    return Mailbox.objects.filter(active=True).exclude(imap_host="")
