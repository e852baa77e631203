"""Messages from the customer on a case (the API and, later, the portal).

A message from the customer never disappears: on a case waiting for
completion it *is* the completion (the clock runs again); on an open case it
is a MESSAGE_IN line of the timeline; on a closed case it reopens the case
first. A voided case takes no messages — the customer is told to send a new case.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ester.accounts.models import User
from ester.cases.choices import CaseStatus, EventKind
from ester.cases.models import Case, CaseEvent
from ester.cases.services import _event, case_complete_by_customer, reopen
from ester.core.access import Action
from ester.core.services import require, require_permission


@transaction.atomic
def case_customer_message(*, actor: User | None, case: Case, text: str, payload: dict[str, Any] | None = None) -> CaseEvent:
    """Record what the customer wrote; return the timeline line that holds it.

    ``actor=None`` is a message that came in by mail (intake has made sure the sender
    belongs to the case's customer); ``payload`` goes on its line (the mail's ``message_id``)."""
    require_permission(actor, case, Action.VIEW)
    text = text.strip()
    require(bool(text), _("Skriv ett meddelande."), "text")
    require(
        case.status != CaseStatus.VOIDED,
        _("Ärendet %(number)s är makulerat och tar inte emot meddelanden. Skicka in ett nytt ärende.") % {"number": case.number},
    )
    if case.status == CaseStatus.WAITING:
        case_complete_by_customer(actor=actor, case=case, text=text, payload=payload)
        return case.events.filter(kind=EventKind.COMPLETED).latest("at", "id")
    if case.status == CaseStatus.CLOSED:
        reopen(case, actor=actor, reason=_("Kunden skrev ett nytt meddelande i ärendet."))
    return _event(case, EventKind.MESSAGE_IN, actor=actor, text=text, **(payload or {}))
