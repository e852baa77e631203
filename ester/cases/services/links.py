"""Links between cases: related cases, merging a duplicate into another case of the
same customer (nothing moves, nothing is deleted) and splitting part of a case
out as a new case.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ester.accounts.models import User
from ester.cases.choices import CaseStatus, EventKind, LinkKind
from ester.cases.models import Case, CaseLink, CaseType
from ester.cases.services._common import _event, _require_handler, _require_open, _save
from ester.cases.services.registration import case_register
from ester.core import clock
from ester.core.access import Action, can
from ester.core.services import require


def _link(from_case: Case, to_case: Case, kind: str) -> None:
    CaseLink.objects.get_or_create(from_case=from_case, to_case=to_case, kind=kind)


@transaction.atomic
def case_link(*, actor: User | None, case: Case, other: Case, kind: str = LinkKind.RELATED) -> None:
    """Mark two cases as related (or one as a possible reply to the other). ``actor=None`` is
    the system (intake); it never links cases of two customers — a link is shown to the
    contacts of its case's customer."""
    _require_handler(actor, case)
    require(case.pk != other.pk, _("Ett ärende kan inte länkas till sig självt."))
    require(actor is None or can(actor, other, Action.VIEW), _("Ärendet finns inte."), "other")
    require(case.customer_id == other.customer_id or actor is not None, _("Ärenden hos olika kunder länkas inte automatiskt."))
    _link(case, other, kind)
    _event(case, EventKind.LINKED, actor=actor, internal=True, other=other.number, link=kind)
    _event(other, EventKind.LINKED, actor=actor, internal=True, other=case.number, link=kind)


@transaction.atomic
def case_merge(*, actor: User, case: Case, into: Case) -> Case:
    """Merge a duplicate into another case of the same customer.

    Nothing moves and nothing is deleted: the duplicate is voided with the
    reason "Sammanslaget med …", keeps its documents and timeline, and both
    timelines point at each other.
    """
    _require_handler(actor, case)
    _require_open(case)
    require(case.pk != into.pk, _("Ett ärende kan inte slås samman med sig självt."))
    require(can(actor, into, Action.VIEW), _("Ärendet finns inte."), "into")
    require(
        case.customer_id == into.customer_id,
        _("Bara ärenden från samma kund kan slås samman (%(a)s och %(b)s).") % {"a": case.customer, "b": into.customer},
        "into",
    )
    require(into.is_open, _("%(number)s är inte öppet. Återöppna det först.") % {"number": into.number}, "into")
    _link(case, into, LinkKind.MERGED_INTO)
    reason = _("Sammanslaget med %(number)s") % {"number": into.number}
    case.status = CaseStatus.VOIDED
    case.status_reason = reason
    case.resolved_at = clock.now()
    _save(case, "status", "status_reason", "resolved_at")
    _event(case, EventKind.MERGED, actor=actor, text=reason, into=into.number)
    _event(
        into,
        EventKind.MERGED,
        actor=actor,
        text=_("%(number)s har slagits samman med detta ärende") % {"number": case.number},
        source=case.number,
    )
    return into


@transaction.atomic
def case_split(*, actor: User, case: Case, subject: str, case_type: CaseType | None = None, description: str = "") -> Case:
    """Break out part of a case as a new case (same customer, sender and received time)."""
    _require_handler(actor, case)
    _require_open(case)
    new = case_register(
        actor=actor,
        customer=case.customer,
        case_type=case_type or case.case_type,
        channel=case.channel,
        sender_name=case.sender_name,
        sender_email=case.sender_email,
        sender_phone=case.sender_phone,
        subject=subject,
        description=description,
        received_at=case.received_at,
        secret=case.secret,
        personal_data=case.personal_data,
    )
    _link(new, case, LinkKind.SPLIT_FROM)
    _event(
        case,
        EventKind.LINKED,
        actor=actor,
        text=_("Delar av ärendet har brutits ut till %(number)s") % {"number": new.number},
        other=new.number,
        link=LinkKind.SPLIT_FROM,
    )
    _event(
        new,
        EventKind.LINKED,
        actor=actor,
        text=_("Utbrutet från %(number)s") % {"number": case.number},
        other=case.number,
        link=LinkKind.SPLIT_FROM,
    )
    return new
