"""Returning a case for completion and the customer completing it.

``case_return_for_completion`` sends a standard letter (``render_letter``: the
process's letter template, or the default below) saying exactly what is missing
and pauses the lead-time clock; ``case_complete_by_customer`` records what came
in and lets the clock run again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.template import Context, Template
from django.utils.translation import gettext as _

from ester.accounts.models import User
from ester.cases import notify
from ester.cases.choices import CaseStatus, EventKind, LetterKind
from ester.cases.models import Case, LetterTemplate, ReturnReason, ReturnRequest
from ester.cases.services._common import _event, _mark_first_response, _require_handler, _require_open, _save
from ester.cases.services.deadlines import case_recompute_due
from ester.core import clock
from ester.core.services import require

# --- letters ------------------------------------------------------------------------


def letter_template(case: Case, kind: str, language: str = "sv") -> LetterTemplate | None:
    return (
        LetterTemplate.objects.filter(kind=kind, language=language)
        .filter(Q(process_id=case.process_id) | Q(process__isnull=True))
        .order_by(F("process_id").asc(nulls_last=True))
        .first()
    )


DEFAULT_RETURN_SUBJECT = "Komplettering behövs: ärende {{ arendenummer }}"
DEFAULT_RETURN_BODY = """Hej!

Vi har tagit emot ert underlag i ärende {{ arendenummer }} ({{ rubrik }}), men kan inte handlägga det ännu. Följande saknas:

{% for rad in saknas %}- {{ rad }}
{% endfor %}
Komplettera genom att svara på detta meddelande eller i kundportalen. Ärendet vilar tills kompletteringen har kommit in.

Med vänlig hälsning
{{ handlaggare }}
{{ team }}, {{ kund_omrade }}
Gruppnummer: {{ gruppnummer }}"""


def render_letter(case: Case, kind: str, actor: Any, missing: Sequence[str] = ()) -> tuple[str, str]:
    """Subject and body of a standard letter with the case's variables filled in."""
    template = letter_template(case, kind)
    subject_source = template.subject if template else DEFAULT_RETURN_SUBJECT
    body_source = template.body if template else DEFAULT_RETURN_BODY
    context = Context(
        {
            "kund": case.customer.name,
            "arendenummer": case.number,
            "rubrik": case.subject,
            "saknas": list(missing),
            "handlaggare": (actor.get_full_name() or actor.username) if getattr(actor, "pk", None) else "",
            "team": case.team.name,
            "gruppnummer": case.team.phone or "",
            "kund_omrade": case.area.name,
            "avsandare": case.sender_name,
        },
        autoescape=False,
    )
    return Template(subject_source).render(context).strip(), Template(body_source).render(context).strip()


# --- return and completion ----------------------------------------------------------


@transaction.atomic
def case_return_for_completion(*, actor: User, case: Case, reasons: Sequence[ReturnReason], free_text: str = "") -> ReturnRequest:
    """Return the underlag for completion: a letter that says exactly what is missing,
    who sends it and the group number; the lead-time clock pauses until the customer completes."""
    _require_handler(actor, case)
    _require_open(case)
    require(case.status != CaseStatus.WAITING, _("Ärendet väntar redan på komplettering."))
    require(bool(reasons) or bool(free_text.strip()), _("Välj minst en returorsak eller beskriv vad som saknas."), "reasons")
    missing = [r.text for r in reasons] + ([free_text.strip()] if free_text.strip() else [])
    subject, body = render_letter(case, LetterKind.RETURN, actor, missing)
    now = clock.now()
    request = ReturnRequest.objects.create(
        case=case, free_text=free_text.strip(), letter_subject=subject, letter_body=body, sent_at=now, sent_by=actor
    )
    request.reasons.set(reasons)
    fields = ["status", "paused_since", *_mark_first_response(case, now)]
    case.status = CaseStatus.WAITING
    case.paused_since = now
    _event(case, EventKind.RETURNED, actor=actor, at=now, text=body, subject=subject, reasons=[r.code for r in reasons])
    _event(case, EventKind.PAUSED, actor=actor, at=now, internal=True)
    case_recompute_due(case, save=False)
    _save(case, *fields, "due_at", "first_response_due_at")
    clock.after_commit(lambda: notify.return_request_sent(request.pk))
    return request


@transaction.atomic
def case_complete_by_customer(*, actor: User | None, case: Case, text: str = "", payload: dict[str, Any] | None = None) -> Case:
    """The customer has sent what was missing: the request is completed and the clock runs again.
    ``payload`` goes on the "Kompletterat" line (intake: the mail's ``message_id``)."""
    require(case.status == CaseStatus.WAITING, _("Ärendet väntar inte på komplettering."))
    now = clock.now()
    case.return_requests.filter(completed_at__isnull=True).update(completed_at=now)
    _event(case, EventKind.COMPLETED, actor=actor, at=now, text=text.strip(), **(payload or {}))
    _event(case, EventKind.RESUMED, actor=actor, at=now, internal=True)
    case.status = CaseStatus.IN_PROGRESS if case.assignee_id else CaseStatus.NEW
    case.paused_since = None
    case_recompute_due(case, save=False)
    _save(case, "status", "paused_since", "due_at", "first_response_due_at")
    return case
