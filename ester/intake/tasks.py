"""Background tasks of mail intake (run by ``ester worker``).

``poll_mailbox`` polls one mailbox over IMAP (:func:`ester.intake.imap.poll`). The
worker's :class:`~ester.intake.scheduler.MailboxScheduler` enqueues it for each active
mailbox whose poll interval has passed; ``ester poll-mail`` polls at once without it.
Running it twice is harmless: the second run finds the mailbox claimed (``skipped``)
or not due, and exactly-once does not depend on it anyway (see ``imap/__init__.py``).
"""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from ester.intake.imap import poll, poll_due, pollable

log = logging.getLogger(__name__)


@task()
def poll_mailbox(mailbox_id: int, only_if_due: bool = True) -> dict[str, Any]:
    """Poll one active mailbox (when its interval has passed, unless ``only_if_due`` is false).

    When the batch limit was reached the next poll is enqueued at once, so a backlog is
    taken in consecutive polls rather than one per interval."""
    mailbox = pollable().select_related("customer", "default_case_type").filter(pk=mailbox_id).first()
    if mailbox is None:
        return {"mailbox_id": mailbox_id, "skipped": True, "reason": "inactive or unknown"}
    if only_if_due and not poll_due(mailbox):
        return {"mailbox": mailbox.address, "skipped": True, "reason": "not due"}
    result = poll(mailbox)
    if result.more:
        try:
            poll_mailbox.enqueue(mailbox_id, only_if_due=False)
        except Exception:  # the queue is down: the scheduler enqueues it again after the interval
            log.exception("intake: could not enqueue the next poll of %s", mailbox.address)
    return result.as_dict()
