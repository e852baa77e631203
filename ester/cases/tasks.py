"""Background tasks of cases: the mails (run by ``ester worker``).

Each task is safe to run again: ``mail.deliver`` sends only when the mail's
outbox row (``OutgoingMail``, by key) is not sent yet and no other run holds a
live claim on it, and it talks to the SMTP server outside any transaction —
so call it directly, never inside ``transaction.atomic``. When the SMTP server
cannot be reached the task fails with the outbox row marked failed and nothing
on the timeline; on a backend that can defer (database, RQ) it first schedules
its own next attempt, a little later each time, up to ``len(RETRY_DELAYS)``
retries. A failed task can also be enqueued again by hand at any time.
"""

from __future__ import annotations

import datetime
import logging
from smtplib import SMTPException
from typing import Any

from django.utils import timezone
from django_tasks import task

from ester.accounts.models import User
from ester.cases import mail
from ester.cases.models import Case, CaseEvent, ReturnRequest

log = logging.getLogger(__name__)

RETRY_DELAYS = (60, 5 * 60, 30 * 60, 2 * 3600, 8 * 3600)  # seconds before attempt 2, 3, …

# What a mail server that is down or refuses looks like (OSError: refused, timed out, DNS).
DELIVERY_ERRORS = (SMTPException, OSError)


def _retry_later(task_obj: Any, attempt: int, *args: Any) -> None:
    """Schedule the next attempt of ``task_obj`` when the backend can run tasks later."""
    if attempt > len(RETRY_DELAYS) or not task_obj.get_backend().supports_defer:
        return
    run_after = timezone.now() + datetime.timedelta(seconds=RETRY_DELAYS[attempt - 1])
    try:
        task_obj.using(run_after=run_after).enqueue(*args, attempt=attempt + 1)
    except Exception:  # the queue itself is down: this attempt's failure is still recorded
        log.exception("could not schedule attempt %s of %s%s", attempt + 1, task_obj.name, args)


@task()
def send_acknowledgement(case_id: int, attempt: int = 1) -> str | None:
    """The receipt with the case number, to the case's sender."""
    try:
        return mail.deliver(case_id, mail.acknowledgement)
    except DELIVERY_ERRORS:
        _retry_later(send_acknowledgement, attempt, case_id)
        raise


@task()
def send_return_letter(return_request_id: int, attempt: int = 1) -> str | None:
    """The letter of a return for completion, to the case's sender."""
    request = ReturnRequest.objects.get(pk=return_request_id)

    def build(case: Case) -> mail.Outgoing | None:
        request.case = case
        return mail.return_letter(request)

    try:
        return mail.deliver(request.case_id, build)
    except DELIVERY_ERRORS:
        _retry_later(send_return_letter, attempt, return_request_id)
        raise


@task()
def send_reply(event_id: int, attempt: int = 1) -> str | None:
    """A handler's reply (a MESSAGE_OUT line of the timeline), to the case's sender."""
    event = CaseEvent.objects.select_related("actor").get(pk=event_id)

    def build(case: Case) -> mail.Outgoing | None:
        event.case = case
        return mail.reply(event)

    try:
        return mail.deliver(event.case_id, build)
    except DELIVERY_ERRORS:
        _retry_later(send_reply, attempt, event_id)
        raise


@task()
def notify_assignee(case_id: int, assignee_id: int, assigned_event_id: int | None = None, attempt: int = 1) -> str | None:
    """Tell a handler that a case was given to them (an internal line on the timeline)."""
    assignee = User.objects.get(pk=assignee_id)
    try:
        return mail.deliver(case_id, lambda case: mail.assignment_notice(case, assignee, assigned_event_id))
    except DELIVERY_ERRORS:
        _retry_later(notify_assignee, attempt, case_id, assignee_id, assigned_event_id)
        raise
