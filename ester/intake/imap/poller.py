"""One poll of one mailbox (see :mod:`ester.intake.imap`): :func:`poll`."""

from __future__ import annotations

import datetime
import imaplib
import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import asdict, dataclass
from typing import Any

from django.db import Error as DatabaseFailure
from django.utils import timezone
from django.utils.translation import gettext as _

from ester.core import clock
from ester.intake.imap import protocol
from ester.intake.imap.claim import Claim
from ester.intake.imap.errors import IngestFailed, PollError
from ester.intake.imap.protocol import (
    connected,
    fetch,
    leftover_criteria,
    mark,
    response_text,
    search,
    select,
)
from ester.intake.models import IncomingMessage, Mailbox
from ester.intake.pipeline import ingest

log = logging.getLogger("ester.intake.imap")  # the package's name: the same logger as before the split

State = IncomingMessage.State

#: Messages fetched per poll at most: a backlog is taken over several polls.
BATCH_LIMIT = 200
#: UIDs looked up in the database at a time.
CHUNK = 500
#: Committed messages marked on the server in one command.
MARK_BATCH = 20
#: Messages read from the server ahead of the one in the pipeline.
PREFETCH = 2
MAX_ERROR = 2000


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
        self.thread.join(protocol.TIMEOUT + 5)


class Poller:
    """One poll of one mailbox over an open connection (see :mod:`ester.intake.imap`).

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
    """Poll ``mailbox`` once (see :mod:`ester.intake.imap`) and return what was done.

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
