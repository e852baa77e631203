"""What happens after a case change is committed: receipts, letters, notifications.

Services call these through ``transaction.on_commit`` so nothing is sent for a
change that rolled back. The mail module fills them in; until then they only log.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def case_registered(case_id: int) -> None:
    """Acknowledge a newly registered case to its sender (with the case number)."""
    log.debug("case %s registered", case_id)


def case_assigned(case_id: int, assignee_id: int | None) -> None:
    """Tell a handler that a case was assigned to them."""
    log.debug("case %s assigned to %s", case_id, assignee_id)


def return_request_sent(return_request_id: int) -> None:
    """Send the letter of a return for completion to the case's sender."""
    log.debug("return request %s", return_request_id)


def reply_sent(event_id: int) -> None:
    """Send a handler's reply (a MESSAGE_OUT timeline event) to the case's sender."""
    log.debug("reply %s", event_id)
