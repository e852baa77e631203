"""The worker's mail poll scheduler: enqueues ``poll_mailbox`` for each active mailbox
whose poll interval has passed (:class:`MailboxScheduler`, started by ``ester worker``
next to the lead-time sweeper).

Every ``every`` seconds (``TICK``) it reads the active mailboxes with an IMAP server that
no poll holds (``polling_until`` free) and enqueues a poll for those due. It does not
enqueue a mailbox again before its interval has passed since it last did, so a slow queue
does not fill with polls of one mailbox. Several workers may each enqueue a poll of the
same mailbox: the task polls only when the interval has passed, and the claim in
:func:`ester.intake.imap.poll` lets only one poll read a mailbox at a time.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ester.core.periodic import PeriodicJob
from ester.intake.imap import pollable

logger = logging.getLogger("ester.intake.scheduler")

#: Seconds between two looks at the mailboxes (the shortest poll interval is 10 s).
TICK = 10.0


def due_mailboxes(now: datetime.datetime | None = None) -> list[tuple[int, int]]:
    """(id, poll interval in seconds) of the active mailboxes due for a poll and not being polled."""
    now = now or timezone.now()
    free = Q(polling_until__isnull=True) | Q(polling_until__lt=now)
    rows = pollable().filter(free).values_list("pk", "last_poll_at", "poll_interval_seconds").order_by("pk")
    return [
        (pk, interval)
        for pk, last_poll_at, interval in rows
        if last_poll_at is None or now - last_poll_at >= datetime.timedelta(seconds=interval)
    ]


def enqueue_poll(mailbox_id: int) -> None:
    from ester.intake.tasks import poll_mailbox

    poll_mailbox.enqueue(mailbox_id)


class MailboxScheduler(PeriodicJob):
    """Enqueues mailbox polls from a daemon thread every ``every`` seconds (see the module
    docstring and :class:`ester.core.periodic.PeriodicJob`). ``every <= 0`` turns it off."""

    def __init__(self, every: float | None = None, *, enqueue: Callable[[int], Any] | None = None) -> None:
        super().__init__(
            TICK if every is None else every,
            self.enqueue_due,
            name="mailbox-poll-scheduler",
            label="Mailbox poll scheduling",
            logger=logger,
        )
        self._enqueue = enqueue or enqueue_poll
        self._enqueued: dict[int, float] = {}  # mailbox id -> monotonic time of the last enqueue

    def enqueue_due(self) -> list[int]:
        """Enqueue a poll of every mailbox that is due; return their ids."""
        enqueued: list[int] = []
        for pk, interval in due_mailboxes():
            last = self._enqueued.get(pk)
            if last is not None and time.monotonic() - last < interval:
                continue
            self._enqueue(pk)
            self._enqueued[pk] = time.monotonic()
            enqueued.append(pk)
        return enqueued
