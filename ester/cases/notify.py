"""What happens after a case change is committed: receipts, letters, notifications.

Services call these through ``transaction.on_commit`` so nothing is sent for a
change that rolled back. Each hook only enqueues a task of ``tasks.py`` (the
worker sends the mail): a request never waits for the mail server. The change
itself is committed by then, so a queue that cannot be reached is logged, not
raised into the request.
"""

from __future__ import annotations

import logging
from typing import Any

from ester.cases.choices import EventKind

log = logging.getLogger(__name__)


def _enqueue(task_obj: Any, *args: Any) -> None:
    try:
        task_obj.enqueue(*args)
    except Exception:
        log.exception("could not enqueue %s%s", task_obj.name, args)


def case_registered(case_id: int) -> None:
    """Acknowledge a newly registered case to its sender (with the case number)."""
    from ester.cases import tasks

    _enqueue(tasks.send_acknowledgement, case_id)


def case_assigned(case_id: int, assignee_id: int | None) -> None:
    """Tell a handler that a case was assigned to them."""
    if assignee_id is None:
        return
    from ester.cases import tasks
    from ester.cases.models import CaseEvent

    # The assignment's own timeline line names this notice, so a later assignment
    # to the same handler is announced again, and a rerun of this one is not.
    event_id = (
        CaseEvent.objects.filter(case_id=case_id, kind=EventKind.ASSIGNED)
        .order_by("-at", "-id")
        .values_list("id", flat=True)
        .first()
    )
    _enqueue(tasks.notify_assignee, case_id, assignee_id, event_id)


def return_request_sent(return_request_id: int) -> None:
    """Send the letter of a return for completion to the case's sender."""
    from ester.cases import tasks

    _enqueue(tasks.send_return_letter, return_request_id)


def reply_sent(event_id: int) -> None:
    """Send a handler's reply (a MESSAGE_OUT timeline event) to the case's sender."""
    from ester.cases import tasks

    _enqueue(tasks.send_reply, event_id)
