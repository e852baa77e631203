"""Working on a case: internal notes, replies to the customer, priority, closing,
reopening and voiding (makulera — the case stays, with the reason).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ester.accounts.models import User
from ester.cases import notify
from ester.cases.choices import CaseStatus, EventKind, Priority
from ester.cases.models import Case, CaseEvent
from ester.cases.services._common import _event, _mark_first_response, _require_handler, _require_open, _save
from ester.core import clock
from ester.core.services import require


@transaction.atomic
def case_add_note(*, actor: User | None, case: Case, text: str) -> CaseEvent:
    _require_handler(actor, case)
    require(bool(text.strip()), _("Skriv något i anteckningen."), "text")
    return _event(case, EventKind.NOTE, actor=actor, text=text.strip(), internal=True)


@transaction.atomic
def case_reply(*, actor: User, case: Case, text: str) -> CaseEvent:
    """A reply to the customer on the timeline (sending it by mail comes with the mail module)."""
    _require_handler(actor, case)
    require(bool(text.strip()), _("Skriv ett svar."), "text")
    now = clock.now()
    fields = _mark_first_response(case, now)
    if fields:
        _save(case, *fields)
    event = _event(case, EventKind.MESSAGE_OUT, actor=actor, text=text.strip(), at=now)
    clock.after_commit(lambda: notify.reply_sent(event.pk))
    return event


@transaction.atomic
def case_close(*, actor: User, case: Case, text: str = "", first_contact_resolved: bool | None = None) -> Case:
    _require_handler(actor, case)
    _require_open(case)
    require(case.status != CaseStatus.WAITING, _("Ärendet väntar på kunden. Ta emot kompletteringen eller makulera ärendet."))
    now = clock.now()
    case.status = CaseStatus.CLOSED
    case.resolved_at = now
    fields = ["status", "resolved_at"]
    if first_contact_resolved is not None:
        case.first_contact_resolved = first_contact_resolved
        fields.append("first_contact_resolved")
    _save(case, *fields)
    _event(case, EventKind.CLOSED, actor=actor, at=now, text=text.strip())
    return case


@transaction.atomic
def case_reopen(*, actor: User | None, case: Case, reason: str) -> Case:
    """A handler opens a closed case again."""
    _require_handler(actor, case)
    return reopen(case, actor=actor, reason=reason)


def reopen(case: Case, *, actor: User | None, reason: str) -> Case:
    """Open a closed case again — also for the customer, whose message on a closed case
    reopens it (``services_messages``); the callers check who may."""
    require(case.status == CaseStatus.CLOSED, _("Bara avslutade ärenden kan återöppnas."))
    require(bool(reason.strip()), _("Ange varför ärendet öppnas igen."), "reason")
    case.status = CaseStatus.IN_PROGRESS if case.assignee_id else CaseStatus.NEW
    case.resolved_at = None
    _save(case, "status", "resolved_at")
    _event(case, EventKind.REOPENED, actor=actor, text=reason.strip())
    return case


@transaction.atomic
def case_set_priority(*, actor: User, case: Case, priority: int, urgent: bool) -> Case:
    """Change priority and the urgent flag (urgent cases surface at the top of every queue)."""
    _require_handler(actor, case)
    _require_open(case)
    require(priority in Priority.values, _("Okänd prioritet."), "priority")
    if case.priority == priority and case.urgent == urgent:
        return case
    before = {"priority": case.get_priority_display(), "urgent": case.urgent}
    case.priority, case.urgent = priority, urgent
    _save(case, "priority", "urgent")
    _event(
        case, EventKind.PRIORITY, actor=actor, internal=True, before=before, priority=case.get_priority_display(), urgent=urgent
    )
    return case


@transaction.atomic
def case_void(*, actor: User, case: Case, reason: str) -> Case:
    """Makulera: the case stays, with the reason; nothing is deleted."""
    _require_handler(actor, case)
    _require_open(case)
    require(bool(reason.strip()), _("Ange varför ärendet makuleras."), "reason")
    case.status = CaseStatus.VOIDED
    case.status_reason = reason.strip()[:300]
    case.resolved_at = clock.now()
    _save(case, "status", "status_reason", "resolved_at")
    _event(case, EventKind.VOIDED, actor=actor, text=reason.strip())
    return case
