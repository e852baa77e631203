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

Modules: ``claim`` (the lease on a mailbox, ``CLAIM``), ``protocol`` (talking to the
server: connecting, SELECT, SEARCH, FETCH, marking; ``TIMEOUT``, ``KEYWORD``), ``poller``
(one poll: :class:`Poller`, :func:`poll`; ``BATCH_LIMIT``, ``CHUNK``, ``MARK_BATCH``,
``PREFETCH``), ``errors``. The names are re-exported here; a setting is read from the
module that defines it, so a test that changes one patches that module
(``ester.intake.imap.poller.BATCH_LIMIT``), not this package.
"""

from __future__ import annotations

from ester.intake.imap.claim import CLAIM, Claim
from ester.intake.imap.errors import IngestFailed, PollError
from ester.intake.imap.poller import (
    BATCH_LIMIT,
    CHUNK,
    MARK_BATCH,
    MAX_ERROR,
    PREFETCH,
    Poller,
    PollResult,
    Prefetcher,
    State,
    known_states,
    poll,
    poll_due,
    pollable,
)
from ester.intake.imap.protocol import (
    BODY_LITERAL,
    FETCH_START,
    FETCH_UID,
    INTERNALDATE,
    KEYWORD,
    MONTHS,
    TIMEOUT,
    Folder,
    check,
    connect,
    connected,
    fetch,
    imap_utf7,
    internaldate,
    leftover_criteria,
    mark,
    plain,
    quoted_folder,
    response_text,
    search,
    select,
    uid_set,
    xoauth2,
)

__all__ = [
    "BATCH_LIMIT",
    "BODY_LITERAL",
    "CHUNK",
    "CLAIM",
    "FETCH_START",
    "FETCH_UID",
    "INTERNALDATE",
    "KEYWORD",
    "MARK_BATCH",
    "MAX_ERROR",
    "MONTHS",
    "PREFETCH",
    "TIMEOUT",
    "Claim",
    "Folder",
    "IngestFailed",
    "PollError",
    "PollResult",
    "Poller",
    "Prefetcher",
    "State",
    "check",
    "connect",
    "connected",
    "fetch",
    "imap_utf7",
    "internaldate",
    "known_states",
    "leftover_criteria",
    "mark",
    "plain",
    "poll",
    "poll_due",
    "pollable",
    "quoted_folder",
    "response_text",
    "search",
    "select",
    "uid_set",
    "xoauth2",
]
