"""Who handles a case: assigning it to a handler of its team (or back to the team
queue), taking the next case from the queues, balanced assignment that skips
absent handlers, and handing a case over to another team.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from ester.accounts.models import User
from ester.cases import notify
from ester.cases.choices import CaseStatus, EventKind
from ester.cases.models import Absence, Case
from ester.cases.services._common import _event, _require_handler, _require_open, _save
from ester.core import clock
from ester.core.access import Action, Role, can
from ester.core.services import require
from ester.organisation.models import RoleAssignment, Team


def _team_handlers(team: Team, day: datetime.date) -> Any:
    return User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(role=Role.HANDLER, team=team).valid_on(day).values("user_id"),
    )


@transaction.atomic
def case_assign(*, actor: User | None, case: Case, assignee: User | None) -> Case:
    """Give the case to a handler of its team (or take it back to the team queue with ``None``)."""
    _require_handler(actor, case)
    _require_open(case)
    if assignee is not None:
        require(
            _team_handlers(case.team, clock.localdate()).filter(pk=assignee.pk).exists() or can(assignee, case, Action.VIEW),
            _("%(user)s handlägger inte ärenden i %(team)s.") % {"user": assignee, "team": case.team},
            "assignee",
        )
    if case.assignee_id == (assignee.pk if assignee else None):
        return case
    case.assignee = assignee
    fields = ["assignee"]
    if assignee is not None and case.status in (CaseStatus.NEW, CaseStatus.HANDED_OVER):
        case.status = CaseStatus.IN_PROGRESS
        fields.append("status")
    _save(case, *fields)
    _event(case, EventKind.ASSIGNED, actor=actor, internal=True, assignee=str(assignee) if assignee else None)
    if assignee is not None and assignee != actor:
        clock.after_commit(lambda: notify.case_assigned(case.pk, assignee.pk))
    return case


def team_queue(team: Team) -> Any:
    """Open, unassigned cases of a team in the order they should be taken: urgent first, then by due time."""
    return (
        Case.objects.filter(open_team_id=team.pk, assignee__isnull=True)
        .exclude(status=CaseStatus.WAITING)
        .order_by("-urgent", F("due_at").asc(nulls_last=True), "received_at", "id")
    )


@transaction.atomic
def case_take_next(*, actor: User, teams: Iterable[Team]) -> Case | None:
    """Take the next case from the given queues (urgent first, then earliest due)."""
    candidates = Case.objects.filter(
        open_team_id__in=[team.pk for team in teams],
        assignee__isnull=True,
        status__in=(CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.HANDED_OVER),
    ).order_by("-urgent", F("due_at").asc(nulls_last=True), "received_at", "id")
    for case in candidates.select_for_update(skip_locked=True)[:5]:
        if Case.objects.filter(pk=case.pk, assignee__isnull=True).update(assignee=actor, status=CaseStatus.IN_PROGRESS):
            case.refresh_from_db()
            _event(case, EventKind.ASSIGNED, actor=actor, internal=True, assignee=str(actor), taken=True)
            return case
    return None


@transaction.atomic
def case_assign_balanced(*, actor: User | None, case: Case, day: datetime.date | None = None) -> User | None:
    """Give the case to the team's handler with the fewest open cases, skipping those absent today."""
    _require_handler(actor, case)
    day = day or clock.localdate()
    absent = Absence.objects.filter(start__lte=day, end__gte=day).values("user_id")
    handler = (
        _team_handlers(case.team, day)
        .exclude(pk__in=absent)
        .annotate(load=Count("assigned_cases", filter=Q(assigned_cases__open_assignee_id__isnull=False)))
        .order_by("load", "last_name", "pk")
        .first()
    )
    if handler is not None:
        case_assign(actor=actor, case=case, assignee=handler)
    return handler


@transaction.atomic
def case_hand_over(*, actor: User, case: Case, team: Team, reason: str) -> Case:
    """Lämna över: give an open case to another team that handles its process, saying why.

    The case lands unassigned in the team's queue as "Överlämnad" until someone
    there takes it (then it is "Pågående"); a case waiting for the customer keeps
    waiting (the customer still owes the completion).  The lead-time clock runs on.
    The reason is an internal line of the timeline: the customer sees the status, never why.
    """
    from ester.cases.selectors import hand_over_team_choices

    _require_handler(actor, case)
    require(
        case.is_open,
        _("Ärendet %(number)s är %(status)s och kan inte lämnas över.")
        % {"number": case.number, "status": case.get_status_display().lower()},
    )
    require(team.pk != case.team_id, _("Ärendet ligger redan hos %(team)s. Välj ett annat team.") % {"team": team}, "team")
    require(
        hand_over_team_choices(actor, case, clock.localdate()).filter(pk=team.pk).exists(),
        _("%(team)s handlägger inte %(process)s i dag. Välj ett av teamen i listan.") % {"team": team, "process": case.process},
        "team",
    )
    require(bool(reason.strip()), _("Skriv varför ärendet lämnas över – det mottagande teamet läser det."), "reason")
    before, previous = case.team, case.assignee
    case.team, case.assignee = team, None
    fields = ["team", "assignee"]
    if case.status != CaseStatus.WAITING:
        case.status = CaseStatus.HANDED_OVER
        fields.append("status")
    _save(case, *fields)
    _event(
        case,
        EventKind.STATUS,
        actor=actor,
        internal=True,
        text=reason.strip(),
        handed_over=True,
        status=case.status,
        from_team=before.name,
        to_team=team.name,
        previous_assignee=str(previous) if previous else None,
        reason=reason.strip(),
    )
    return case
