"""Reads of the managers' pages (``/arenden/ledning/``): team load, absences, queue
loans, lead-time compliance and "rätt från början" (return reasons per customer and process).

Who sees what
-------------
* **Overview and statistics** are for staff with a role on a team, unit or area:
  a handler sees their own team(s), a unit manager the unit's teams, a head of
  area the area's; global roles (controller, system administrator) choose an
  area.  Every figure is counted over ``Case.objects.visible_to(user)``, so no
  page counts a case its reader could not open.
* **Absences and queue loans** are managed by those who may change a team
  (``Team.objects.visible_to(user, Action.CHANGE)``): unit managers their own
  unit's teams, heads of area the area's, global roles every team.

Every function runs a fixed number of queries, whatever the number of teams,
handlers or cases (aggregates in SQL, no per-row queries).

Lead-time compliance compares ``resolved_at`` with ``due_at``: the services
recompute ``due_at`` from the timeline's pauses whenever the clock stops or
runs again (``services.case_recompute_due``), so for a closed case the stored
due instant is the one ``leadtime.clock_state`` would compute, and "met" means
closed at or before it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from ester.accounts.models import User
from ester.cases.choices import OPEN_STATUSES, CaseStatus
from ester.cases.models import Absence, Case, QueueLoan, ReturnRequest
from ester.core.access import STAFF_ROLES, Action, Role, access_object, user_scope
from ester.organisation.models import Area, RoleAssignment, Team

COMPLIANCE_DAYS = 30
TOP_REASONS = 3


# --- periods ------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A span of whole days, both ends included (local time, Europe/Stockholm)."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def month_of(cls, day: datetime.date) -> Period:
        first = day.replace(day=1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        return cls(first, following - datetime.timedelta(days=1))

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start of the first day, start of the day after the last) as aware datetimes."""
        return day_start(self.start), day_start(self.end + datetime.timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d}–{self.end:%Y-%m-%d}"


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- scope --------------------------------------------------------------------------


def _staff_roles_on(user: Any, day: datetime.date) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user_id=user.pk, role__in=STAFF_ROLES).valid_on(day)


def _overview_team_q(user: Any, day: datetime.date) -> Q | None:
    """The teams whose figures ``user`` may read; ``None`` for global roles (every team)."""
    if user_scope(user).is_global(Action.VIEW):
        return None
    roles = _staff_roles_on(user, day)
    return (
        Q(pk__in=roles.filter(team__isnull=False).values("team_id"))
        | Q(unit__in=roles.filter(unit__isnull=False).values("unit_id"))
        | Q(unit__area__in=roles.filter(area__isnull=False).values("area_id"))
    )


def overview_areas(user: Any, day: datetime.date) -> QuerySet[Area]:
    """Areas with at least one team whose figures the user may read."""
    areas = Area.objects.valid_on(day)
    team_q = _overview_team_q(user, day)
    if team_q is not None:
        areas = areas.filter(units__teams__in=Team.objects.valid_on(day).filter(team_q)).distinct()
    return areas.order_by("name")


def overview_teams(user: Any, day: datetime.date, area: Area) -> QuerySet[Team]:
    """The teams of ``area`` (valid on ``day``) whose figures the user may read."""
    teams = Team.objects.valid_on(day).filter(unit__area=area)
    team_q = _overview_team_q(user, day)
    if team_q is not None:
        teams = teams.filter(team_q)
    return teams.select_related("unit").order_by("unit__name", "name")


def manageable_teams(user: Any, day: datetime.date | None = None) -> QuerySet[Team]:
    """Teams whose absences and queue loans the user manages (``Action.CHANGE`` on the team)."""
    day = day or timezone.localdate()
    return Team.objects.visible_to(user, Action.CHANGE).valid_on(day).select_related("unit").order_by("unit__name", "name")


def may_manage(user: Any) -> bool:
    return manageable_teams(user).exists()


def team_members(teams: QuerySet[Team], day: datetime.date) -> QuerySet[User]:
    """Active users with a staff role on one of ``teams`` in force on ``day`` or later."""
    roles = RoleAssignment.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), team__in=teams, role__in=STAFF_ROLES)
    return User.objects.filter(is_active=True, pk__in=roles.values("user_id")).order_by("last_name", "first_name", "username")


# --- the overview -------------------------------------------------------------------


def _share(met: int, missed: int) -> float | None:
    total = met + missed
    return met / total if total else None


def as_percent(share: float | None) -> int | None:
    return None if share is None else round(share * 100)


@dataclass
class TeamFigures:
    team: Team
    open: int = 0
    unassigned: int = 0
    overdue: int = 0
    due_today: int = 0
    waiting: int = 0
    urgent: int = 0
    met_today: int = 0
    missed_today: int = 0
    met_period: int = 0
    missed_period: int = 0
    handlers: list[HandlerLoad] = field(default_factory=list)

    @property
    def share_today(self) -> float | None:
        return _share(self.met_today, self.missed_today)

    @property
    def share_period(self) -> float | None:
        return _share(self.met_period, self.missed_period)

    @property
    def percent_today(self) -> int | None:
        return as_percent(self.share_today)

    @property
    def percent_period(self) -> int | None:
        return as_percent(self.share_period)

    @property
    def closed_period(self) -> int:
        return self.met_period + self.missed_period


@dataclass
class HandlerLoad:
    user: User
    load: int
    absent_until: datetime.date | None


def team_figures(user: Any, teams: QuerySet[Team], now: datetime.datetime | None = None) -> list[TeamFigures]:
    """Per team: open, unassigned, overdue, due later today, waiting for the customer and
    urgent cases; cases closed today and in the last 30 days in time and too late.

    One query for the counts (only open cases and those closed in the last 30
    days are read), one for the handlers.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    today_start = day_start(today)
    tomorrow_start = day_start(today + datetime.timedelta(days=1))
    period_start = day_start(today - datetime.timedelta(days=COMPLIANCE_DAYS - 1))
    team_list = list(teams)
    is_open = Q(status__in=OPEN_STATUSES)
    running = is_open & ~Q(status=CaseStatus.WAITING)
    closed = Q(status=CaseStatus.CLOSED, due_at__isnull=False)
    met = closed & Q(resolved_at__lte=F("due_at"))
    missed = closed & Q(resolved_at__gt=F("due_at"))
    rows = (
        Case.objects.visible_to(user)
        .filter(team__in=[t.pk for t in team_list])
        .filter(is_open | Q(status=CaseStatus.CLOSED, resolved_at__gte=period_start))
        .order_by()
        .values("team_id")
        .annotate(
            open=Count("pk", filter=is_open),
            unassigned=Count("pk", filter=is_open & Q(assignee__isnull=True)),
            overdue=Count("pk", filter=running & Q(due_at__lt=now)),
            due_today=Count("pk", filter=running & Q(due_at__gte=now, due_at__lt=tomorrow_start)),
            waiting=Count("pk", filter=Q(status=CaseStatus.WAITING)),
            urgent=Count("pk", filter=is_open & Q(urgent=True)),
            met_today=Count("pk", filter=met & Q(resolved_at__gte=today_start)),
            missed_today=Count("pk", filter=missed & Q(resolved_at__gte=today_start)),
            met_period=Count("pk", filter=met & Q(resolved_at__gte=period_start)),
            missed_period=Count("pk", filter=missed & Q(resolved_at__gte=period_start)),
        )
    )
    by_team: dict[int, dict[str, Any]] = {row["team_id"]: dict(row) for row in rows}
    counts = [name for name in TeamFigures.__dataclass_fields__ if name not in ("team", "handlers")]
    figures = [TeamFigures(team=team, **{name: by_team.get(team.pk, {}).get(name, 0) for name in counts}) for team in team_list]
    handlers = handler_loads(team_list, today)
    for figure in figures:
        figure.handlers = handlers.get(figure.team.pk, [])
    return figures


def handler_loads(teams: list[Team], day: datetime.date) -> dict[int, list[HandlerLoad]]:
    """The handlers of each team on ``day`` with their open assigned cases (all teams —
    the load balanced assignment weighs) and, if absent that day, until when."""
    load = (
        Case.objects.filter(open_assignee_id=OuterRef("user_id"))
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    absent = Absence.objects.filter(user_id=OuterRef("user_id"), start__lte=day, end__gte=day).order_by("-end").values("end")[:1]
    assignments = (
        RoleAssignment.objects.filter(role=Role.HANDLER, team__in=[t.pk for t in teams], user__is_active=True)
        .valid_on(day)
        .select_related("user")
        .annotate(load=Coalesce(Subquery(load, output_field=IntegerField()), Value(0)), absent_until=Subquery(absent))
        .order_by("team_id", "user__last_name", "user__first_name", "user__username")
    )
    out: dict[int, list[HandlerLoad]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for assignment in assignments:
        assert assignment.team_id is not None
        key = (assignment.team_id, assignment.user_id)
        if key in seen:
            continue
        seen.add(key)
        out[assignment.team_id].append(HandlerLoad(assignment.user, assignment.load, assignment.absent_until))  # type: ignore[attr-defined]
    return out


# --- absences -----------------------------------------------------------------------


def absence_list(user: Any, day: datetime.date) -> QuerySet[Absence]:
    """Current and coming absences of the members of the teams the user manages."""
    members = team_members(manageable_teams(user, day), day)
    return (
        Absence.objects.filter(user__in=members.values("pk"), end__gte=day)
        .select_related("user")
        .order_by("start", "user__last_name")
    )


def access_absence(user: Any, pk: Any) -> Absence:
    """An absence of a member of a team the user manages; 404 otherwise."""
    try:
        return absence_list(user, timezone.localdate()).get(pk=pk)
    except (Absence.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def absent_today(user: Any, day: datetime.date) -> QuerySet[Absence]:
    return absence_list(user, day).filter(start__lte=day)


# --- queue loans --------------------------------------------------------------------


def queue_loan_list(user: Any, day: datetime.date) -> QuerySet[QueueLoan]:
    """Loans in force, coming or ended in the last 30 days, lent from or to a team the user manages.

    ``may_end`` tells whether the user may end the loan (they manage the lending team).
    """
    teams = manageable_teams(user, day)
    changeable = QueueLoan.objects.visible_to(user, Action.CHANGE).filter(pk=OuterRef("pk"))
    return (
        QueueLoan.objects.filter(Q(team__in=teams) | Q(borrower__in=teams))
        .filter(end__gte=day - datetime.timedelta(days=COMPLIANCE_DAYS))
        .select_related("team__unit", "borrower__unit", "created_by")
        .annotate(may_end=Exists(changeable))
        .order_by("-end", "start", "team__name")
    )


def access_queue_loan(user: Any, pk: Any, action: str = Action.CHANGE) -> QueueLoan:
    return access_object(QueueLoan.objects.select_related("team", "borrower"), user, pk, action)


def borrower_choices(day: datetime.date) -> QuerySet[Team]:
    """Every team in force may borrow a queue (units help each other across the organisation)."""
    return Team.objects.valid_on(day).select_related("unit__area").order_by("unit__area__name", "unit__name", "name")


# --- rätt från början ---------------------------------------------------------------


@dataclass
class RightFirstTimeRow:
    key: int
    name: str
    cases: int
    returned: int
    reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def right_first_time(self) -> int:
        return self.cases - self.returned

    @property
    def share(self) -> float | None:
        return self.right_first_time / self.cases if self.cases else None

    @property
    def percent(self) -> int | None:
        return as_percent(self.share)


@dataclass
class RightFirstTime:
    period: Period
    area: Area
    customers: list[RightFirstTimeRow]
    processes: list[RightFirstTimeRow]
    reasons: list[tuple[str, int]]
    total: RightFirstTimeRow


def _rft_rows(cases: QuerySet[Case], key: str, name: str, reasons: dict[int, list[tuple[str, int]]]) -> list[RightFirstTimeRow]:
    has_return = Exists(ReturnRequest.objects.filter(case_id=OuterRef("pk")))
    rows = (
        cases.annotate(has_return=has_return)
        .order_by()
        .values(key, name)
        .annotate(n=Count("pk"), returned=Count("pk", filter=Q(has_return=True)))
        .order_by(name)
    )
    return [RightFirstTimeRow(row[key], row[name], row["n"], row["returned"], reasons.get(row[key], [])) for row in rows]


def _reason_counts(cases: QuerySet[Case], group: str | None) -> list[dict[str, Any]]:
    """Cases per return reason (a case returned twice for the same reason counts once)."""
    through = ReturnRequest.reasons.through
    values = ["returnreason__text"] + ([f"returnrequest__case__{group}"] if group else [])
    return list(
        through.objects.filter(returnrequest__case__in=cases.values("pk"))
        .order_by()
        .values(*values)
        .annotate(n=Count("returnrequest__case_id", distinct=True))
        .order_by("-n", "returnreason__text")
    )


def _top(rows: list[dict[str, Any]], group: str, limit: int = TOP_REASONS) -> dict[int, list[tuple[str, int]]]:
    out: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for row in rows:
        bucket = out[row[f"returnrequest__case__{group}"]]
        if len(bucket) < limit:
            bucket.append((row["returnreason__text"], row["n"]))
    return out


def right_first_time(user: Any, area: Area, period: Period) -> RightFirstTime:
    """Cases received in ``period`` (voided ones left out) per customer and per process:
    how many, how many were returned for completion, the share right first time and
    the most common return reasons.  Five queries."""
    start, end = period.bounds()
    cases = (
        Case.objects.visible_to(user)
        .filter(area=area, received_at__gte=start, received_at__lt=end)
        .exclude(status=CaseStatus.VOIDED)
    )
    customers = _rft_rows(cases, "customer_id", "customer__name", _top(_reason_counts(cases, "customer_id"), "customer_id"))
    processes = _rft_rows(cases, "process_id", "process__name", _top(_reason_counts(cases, "process_id"), "process_id"))
    overall = [(row["returnreason__text"], row["n"]) for row in _reason_counts(cases, None)]
    total = RightFirstTimeRow(0, "", sum(r.cases for r in customers), sum(r.returned for r in customers), overall[:TOP_REASONS])
    return RightFirstTime(period, area, customers, processes, overall, total)


def right_first_time_reason_rows(user: Any, area: Area, period: Period) -> list[dict[str, Any]]:
    """Every (customer, process, reason) with its number of cases — the detail sheet of the export."""
    start, end = period.bounds()
    cases = (
        Case.objects.visible_to(user)
        .filter(area=area, received_at__gte=start, received_at__lt=end)
        .exclude(status=CaseStatus.VOIDED)
    )
    through = ReturnRequest.reasons.through
    rows: Any = (
        through.objects.filter(returnrequest__case__in=cases.values("pk"))
        .order_by()
        .values("returnrequest__case__customer__name", "returnrequest__case__process__name", "returnreason__text")
        .annotate(n=Count("returnrequest__case_id", distinct=True))
        .order_by("returnrequest__case__customer__name", "returnrequest__case__process__name", "-n", "returnreason__text")
    )
    return list(rows)
