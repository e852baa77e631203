"""Writes of the managers' pages: absences of team members and queue loans between teams.

A manager registers absences for the members of the teams they may change
(a unit manager: their own unit's teams; a head of area: the area's; a global
role: every team) — balanced assignment (``services.case_assign_balanced``)
then skips the absent.  A manager lends one of those teams' queues to another
team for a period; the access mechanism (``visible_team_q``) reads the loans in
force, so the borrowing team's handlers see and take the lender's cases at once.

Every write is validated with Swedish messages and audited.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ester.accounts.models import User
from ester.cases.models import Absence, QueueLoan
from ester.cases.selectors_manage import manageable_teams, team_members
from ester.core import clock
from ester.core.access import Action
from ester.core.services import audited_create, audited_delete, audited_update, require, require_permission
from ester.organisation.models import Team


def _day(value: datetime.date) -> str:
    return date_format(value, "Y-m-d")


def _require_member(actor: Any, user: User, day: datetime.date) -> None:
    """The absent person must belong to one of the teams the actor may change."""
    if actor is None:
        return
    if not team_members(manageable_teams(actor, day), day).filter(pk=user.pk).exists():
        raise PermissionDenied(f"{actor} may not register absences for {user}")


# --- absences -----------------------------------------------------------------------


@transaction.atomic
def absence_register(*, actor: User | None, user: User, start: datetime.date, end: datetime.date, note: str = "") -> Absence:
    """Register that ``user`` is away from ``start`` to ``end`` (both days included)."""
    today = clock.localdate()
    _require_member(actor, user, today)
    require(start <= end, _("Frånvaron kan inte sluta före den börjar."), "end")
    require(end >= today, _("Frånvaro som redan är slut behöver inte registreras."), "end")
    overlapping = Absence.objects.filter(user=user, start__lte=end, end__gte=start).order_by("start").first()
    require(
        overlapping is None,
        _("%(user)s är redan registrerad som frånvarande %(start)s–%(end)s. Ta bort den frånvaron först eller välj andra datum.")
        % {
            "user": user,
            "start": _day(overlapping.start) if overlapping else "",
            "end": _day(overlapping.end) if overlapping else "",
        },
        "start",
    )
    return audited_create(
        Absence,
        actor=actor,
        owner=user,
        summary=_("Frånvaro registrerad"),
        user=user,
        start=start,
        end=end,
        note=note.strip()[:200],
    )


@transaction.atomic
def absence_remove(*, actor: User | None, absence: Absence) -> None:
    """Remove a registered absence (the audit trail keeps what it was).

    An absence that is already over stays: it explains, afterwards, why
    balanced assignment passed someone by.
    """
    today = clock.localdate()
    _require_member(actor, absence.user, today)
    require(absence.end >= today, _("Frånvaron är redan slut och ligger kvar i historiken."))
    audited_delete(absence, actor=actor, owner=absence.user, summary=_("Frånvaro borttagen"))


# --- queue loans --------------------------------------------------------------------


@transaction.atomic
def queue_loan_create(*, actor: User | None, team: Team, borrower: Team, start: datetime.date, end: datetime.date) -> QueueLoan:
    """Lend ``team``'s queue to ``borrower`` from ``start`` to ``end`` (both days included)."""
    require_permission(actor, team, Action.CHANGE)
    today = clock.localdate()
    require(team.pk != borrower.pk, _("Ett team kan inte låna sin egen kö. Välj ett annat team."), "borrower")
    require(start <= end, _("Lånet kan inte sluta före det börjar."), "end")
    require(start >= today, _("Ett lån kan inte börja bakåt i tiden."), "start")
    for field, which in (("team", team), ("borrower", borrower)):
        require(
            which.is_valid_on(start) and which.is_valid_on(end),
            _("%(team)s finns inte under hela perioden %(start)s–%(end)s.")
            % {"team": which, "start": _day(start), "end": _day(end)},
            field,
        )
    overlapping = QueueLoan.objects.filter(team=team, borrower=borrower, start__lte=end, end__gte=start).order_by("start").first()
    require(
        overlapping is None,
        _("%(team)s kö är redan utlånad till %(borrower)s %(start)s–%(end)s. Avsluta det lånet först eller välj andra datum.")
        % {
            "team": team,
            "borrower": borrower,
            "start": _day(overlapping.start) if overlapping else "",
            "end": _day(overlapping.end) if overlapping else "",
        },
        "start",
    )
    return audited_create(
        QueueLoan,
        actor=actor,
        owner=team,
        summary=_("Kön utlånad till %(borrower)s") % {"borrower": borrower},
        team=team,
        borrower=borrower,
        start=start,
        end=end,
        created_by=actor,
    )


@transaction.atomic
def queue_loan_end(*, actor: User | None, loan: QueueLoan) -> QueueLoan | None:
    """End a loan now: the borrowing team loses access to the lender's cases at once.

    A loan that has run since before today ends yesterday (its history stays);
    a loan that starts today or later is cancelled (removed; the audit trail
    keeps it) and ``None`` is returned.
    """
    require_permission(actor, loan, Action.CHANGE)
    today = clock.localdate()
    require(loan.end >= today, _("Lånet har redan upphört."))
    if loan.start >= today:
        audited_delete(loan, actor=actor, owner=loan.team, summary=_("Lånet av kön avbröts innan det började gälla"))
        return None
    audited_update(
        loan,
        actor=actor,
        owner=loan.team,
        fields={"end": today - datetime.timedelta(days=1)},
        summary=_("Lånet avslutades i förtid"),
    )
    return loan
