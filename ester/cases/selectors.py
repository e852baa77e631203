"""Reads of cases for the staff interface (the handler workspace, a case's page, phone calls).

Every read starts from ``visible_to(user)``; the queue counts are one aggregate
query, the queue list a constant number of queries however many cases it holds
(pause events prefetched, one business calendar per area), so the workspace
costs the same at a hundred cases as at a million.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ester.accounts.models import User
from ester.cases import leadtime
from ester.cases.choices import CaseStatus, EventKind
from ester.cases.models import Case, CaseDocument, CaseEvent, CaseType, QueueLoan, ReturnReason, ReturnRequest
from ester.cases.search import search_cases
from ester.core.access import STAFF_ROLES, Action, Role, access_object, can, user_scope
from ester.organisation.models import Customer, RoleAssignment, Team
from ester.organisation.selectors import business_calendar, customer_list

#: Open and in the handlers' hands (not waiting for the customer).
ACTIVE_STATUSES = (CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.HANDED_OVER)

#: Working time before the due instant at which a badge turns amber ("snart").
WARN_BEFORE = leadtime.LeadTimePolicy(first_response=None, resolution=datetime.timedelta(0)).warn_before

#: The workspace's queues, in the order shown: (key in the URL, label).
QUEUES: tuple[tuple[str, Any], ...] = (
    ("mina", _("Mina")),
    ("otilldelade", _("Teamets otilldelade")),
    ("idag", _("Förfaller idag")),
    ("forsenade", _("Försenade")),
    ("vantar", _("Väntar på kund")),
    ("bradskande", _("Brådskande")),
    ("alla", _("Teamets öppna")),
)
#: At most this many hits of the quick search are listed.
PER_SEARCH = 100

QUEUE_KEYS = frozenset(key for key, _label in QUEUES)
DEFAULT_QUEUE = "mina"

#: Urgent first, then the earliest due (no due time last), then first received.
QUEUE_ORDER = ("-urgent", F("due_at").asc(nulls_last=True), "received_at", "id")


# --- whose queues ---------------------------------------------------------------------


def _handler_team_ids(user: Any, day: datetime.date) -> QuerySet[RoleAssignment, Any]:
    """The teams the user works in (a staff role on a team, in force on ``day``)."""
    return (
        RoleAssignment.objects.filter(user_id=user.pk, role__in=STAFF_ROLES, team__isnull=False).valid_on(day).values("team_id")
    )


def _lent_team_ids(user: Any, day: datetime.date) -> QuerySet[QueueLoan, Any]:
    """Teams whose queue is lent to one of the user's teams on ``day``."""
    return QueueLoan.objects.filter(borrower_id__in=_handler_team_ids(user, day), start__lte=day, end__gte=day).values("team_id")


def workspace_team_choices(user: Any, day: datetime.date | None = None) -> QuerySet[Team]:
    """Teams whose queues the user may look at: their own and those lent to them; the
    teams of the units and areas they manage; every team for global roles."""
    day = day or timezone.localdate()
    teams = Team.objects.valid_on(day).select_related("unit")
    if not user_scope(user).is_global(Action.VIEW):
        managed = RoleAssignment.objects.filter(user_id=user.pk, role__in=STAFF_ROLES).valid_on(day)
        teams = teams.filter(
            Q(pk__in=_handler_team_ids(user, day))
            | Q(pk__in=_lent_team_ids(user, day))
            | Q(unit__in=managed.filter(unit__isnull=False).values("unit_id"))
            | Q(unit__area__in=managed.filter(area__isnull=False).values("area_id"))
        )
    return teams.order_by("unit__area__name", "unit__name", "name")


@dataclass
class WorkspaceScope:
    """The teams the workspace shows: the user's own (and lent) queues, or one picked team."""

    teams: list[Team]
    choices: list[Team]
    selected: Team | None = None
    own_team_ids: set[int] = field(default_factory=set)

    @property
    def team_ids(self) -> list[int]:
        return [team.pk for team in self.teams]


def workspace_scope(user: Any, team: Any = None) -> WorkspaceScope:
    """Which queues to show. A handler gets their team(s) and the queues lent to them;
    a manager (or anyone) may pick one of :func:`workspace_team_choices` with ``team``."""
    day = timezone.localdate()
    choices = list(workspace_team_choices(user, day))
    own = set(
        Team.objects.filter(Q(pk__in=_handler_team_ids(user, day)) | Q(pk__in=_lent_team_ids(user, day))).values_list(
            "pk", flat=True
        )
    )
    picked = next((t for t in choices if str(t.pk) == str(team)), None) if team not in (None, "") else None
    if picked is not None:
        return WorkspaceScope(teams=[picked], choices=choices, selected=picked, own_team_ids=own)
    if own:
        return WorkspaceScope(teams=[t for t in choices if t.pk in own], choices=choices, own_team_ids=own)
    if choices:
        return WorkspaceScope(teams=[choices[0]], choices=choices, selected=choices[0], own_team_ids=own)
    return WorkspaceScope(teams=[], choices=choices, own_team_ids=own)


# --- queues ---------------------------------------------------------------------------


def _today_bounds(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = start + datetime.timedelta(days=1)  # wall-clock arithmetic: midnight, also across DST changes
    return start, tomorrow


def queue_q(queue: str, user: Any, team_ids: Sequence[int], now: datetime.datetime) -> Q:
    """The condition of one queue. "Mina" is the user's open cases in any team; the
    others are the cases of the scope's teams.

    Every queue starts from the open-case keys (``open_assignee_id``, ``open_team_id``:
    NULL once a case is closed), whose partial indexes hold open cases only — the
    queues cost the same however many closed cases lie beside them."""
    if queue == "mina":
        return Q(open_assignee_id=user.pk)
    in_teams = Q(open_team_id__in=list(team_ids))
    _start, tomorrow = _today_bounds(now)
    conditions = {
        "otilldelade": Q(assignee__isnull=True, status__in=ACTIVE_STATUSES),
        "idag": Q(status__in=ACTIVE_STATUSES, due_at__gte=now, due_at__lt=tomorrow),
        "forsenade": Q(status__in=ACTIVE_STATUSES, due_at__lt=now),
        "vantar": Q(status=CaseStatus.WAITING),
        "bradskande": Q(urgent=True),
        "alla": Q(),
    }
    if queue not in conditions:
        raise ValueError(f"unknown queue {queue!r}")
    return in_teams & conditions[queue]


def queue_counts(user: Any, team_ids: Sequence[int], now: datetime.datetime | None = None) -> dict[str, int]:
    """The number of cases in every queue, in one query."""
    now = now or timezone.now()
    base = Case.objects.visible_to(user).filter(Q(open_assignee_id=user.pk) | Q(open_team_id__in=list(team_ids)))
    counts = base.aggregate(**{key: Count("pk", filter=queue_q(key, user, team_ids, now)) for key, _label in QUEUES})
    return {key: int(counts[key] or 0) for key, _label in QUEUES}


def _pause_events() -> Prefetch[Any]:
    return Prefetch(
        "events",
        queryset=CaseEvent.objects.filter(kind__in=(EventKind.PAUSED, EventKind.RESUMED)).order_by("at", "id"),
        to_attr="pause_events",
    )


def _list_rows(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related("customer", "case_type", "assignee", "team", "area").prefetch_related(_pause_events())


def queue_cases(user: Any, queue: str, team_ids: Sequence[int], now: datetime.datetime | None = None) -> QuerySet[Case]:
    """The cases of one queue, urgent first and then by due time."""
    now = now or timezone.now()
    qs = Case.objects.visible_to(user).filter(queue_q(queue, user, team_ids, now)).order_by(*QUEUE_ORDER)
    return _list_rows(qs)


def case_search(user: Any, q: str, *, limit: int = PER_SEARCH) -> list[Case]:
    """The quick search of the workspace: the search module's best hits (number, customer,
    sender, subject, messages, document names), ready for the list (areas and pauses loaded)."""
    rows = search_cases(user, q, limit=limit)
    prefetch_related_objects(rows, "area", _pause_events())
    return rows


def case_by_number(user: Any, number: str) -> Case | None:
    """The visible case with this registration number (any letter case), or None."""
    number = number.strip().upper()
    if not number:
        return None
    return Case.objects.visible_to(user).filter(number=number).first()


# --- lead-time clocks -----------------------------------------------------------------


def _pauses(case: Case) -> list[leadtime.Pause]:
    events = getattr(case, "pause_events", None)
    if events is None:
        events = list(case.events.filter(kind__in=(EventKind.PAUSED, EventKind.RESUMED)).order_by("at", "id"))
    pauses: list[leadtime.Pause] = []
    start: datetime.datetime | None = None
    for event in events:
        if event.kind == EventKind.PAUSED and start is None:
            start = event.at
        elif event.kind == EventKind.RESUMED and start is not None:
            pauses.append(leadtime.Pause(start, event.at))
            start = None
    if start is not None:
        pauses.append(leadtime.Pause(start, None))
    return pauses


def case_clock(case: Case, calendar: Any, now: datetime.datetime) -> leadtime.ClockState | None:
    """The case's clock (ok / warning / breached / paused / met / missed), or None when
    it has no due time (voided cases, or rows without a lead time).

    The stored ``due_at`` already holds the policy (the case type's, or the
    customer's agreement's); the duration handed to :func:`leadtime.clock_state` is
    the working time from receipt to that instant outside pauses, so no policy
    lookup is needed per case.
    """
    if case.status == CaseStatus.VOIDED:
        return None
    pauses = _pauses(case)
    completed = case.resolved_at if case.status == CaseStatus.CLOSED else None
    if completed is not None and completed < case.received_at:
        completed = case.received_at
    if case.due_at is not None:
        duration = leadtime.elapsed(calendar, case.received_at, case.due_at, pauses)
    elif pauses and pauses[-1].is_open and completed is None:
        duration = datetime.timedelta(hours=case.case_type.resolution_hours)
    else:
        return None
    return leadtime.clock_state(calendar, case.received_at, duration, WARN_BEFORE, pauses, now, completed_at=completed)


def with_clocks(cases: Iterable[Case], now: datetime.datetime | None = None) -> list[Case]:
    """The cases with ``clock`` set; one business calendar per area."""
    now = now or timezone.now()
    calendars: dict[int, Any] = {}
    rows = list(cases)
    for case in rows:
        if case.area_id not in calendars:
            calendars[case.area_id] = business_calendar(case.area)
        case.clock = case_clock(case, calendars[case.area_id], now)  # type: ignore[attr-defined]
    return rows


# --- one case -------------------------------------------------------------------------


def access_case(user: Any, pk: Any, action: str = Action.VIEW) -> Case:
    return access_object(
        Case.objects.select_related("customer", "case_type", "process", "team__unit", "assignee", "area", "registered_by"),
        user,
        pk,
        action,
    )


def may_handle(user: Any, case: Case) -> bool:
    """Whether the user may work on the case (note, reply, assign, return, close …): the
    access mechanism's HANDLE action — a handler of its team or of a team its queue is lent
    to, a manager above it. Read-only roles (controllers) may look but not handle."""
    return can(user, case, Action.HANDLE)


def may_handle_team(user: Any, team: Team) -> bool:
    """Whether the user may take cases from ``team``'s queue (its handler, a borrower, a manager above it)."""
    day = timezone.localdate()
    if user_scope(user).is_global(Action.CHANGE):
        return True
    managed = RoleAssignment.objects.filter(user_id=user.pk, role__in=(Role.UNIT_MANAGER, Role.HEAD_OF_AREA)).valid_on(day)
    handler = RoleAssignment.objects.filter(user_id=user.pk, role=Role.HANDLER).valid_on(day).values("team_id")
    return (
        Team.objects.filter(pk=team.pk)
        .filter(
            Q(pk__in=handler)
            | Q(pk__in=QueueLoan.objects.filter(borrower_id__in=handler, start__lte=day, end__gte=day).values("team_id"))
            | Q(unit__in=managed.filter(unit__isnull=False).values("unit_id"))
            | Q(unit__area__in=managed.filter(area__isnull=False).values("area_id"))
        )
        .exists()
    )


def case_timeline(user: Any, case: Case) -> QuerySet[CaseEvent]:
    """The case's events the user may see, oldest first (newest last)."""
    return CaseEvent.objects.visible_to(user).filter(case=case).select_related("actor").order_by("at", "id")


def case_documents(user: Any, case: Case) -> QuerySet[CaseDocument]:
    return CaseDocument.objects.visible_to(user).filter(case=case).select_related("uploaded_by").order_by("uploaded_at", "id")


def access_case_document(user: Any, case: Case, pk: Any) -> CaseDocument:
    """One document of ``case`` the user may see (404 when missing, forbidden or of another case)."""
    return access_object(CaseDocument.objects.filter(case_id=case.pk), user, pk)


def case_return_requests(user: Any, case: Case) -> QuerySet[ReturnRequest]:
    return (
        ReturnRequest.objects.visible_to(user)
        .filter(case=case)
        .select_related("sent_by")
        .prefetch_related("reasons")
        .order_by("sent_at", "id")
    )


def return_reason_choices(case: Case) -> QuerySet[ReturnReason]:
    """The active return reasons of the case's process, and those for every process."""
    return ReturnReason.objects.filter(Q(process_id=case.process_id) | Q(process__isnull=True), active=True).order_by(
        "order", "text"
    )


def assignable_users(user: Any, case: Case) -> QuerySet[User]:
    """Who the case may be given to: handlers of its team and of teams its queue is lent
    to (in force today), and the requesting user."""
    day = timezone.localdate()
    teams = Q(team_id=case.team_id) | Q(
        team_id__in=QueueLoan.objects.filter(team_id=case.team_id, start__lte=day, end__gte=day).values("borrower_id")
    )
    handlers = RoleAssignment.objects.filter(teams, role=Role.HANDLER).valid_on(day).values("user_id")
    return User.objects.filter(Q(pk__in=handlers) | Q(pk=user.pk), is_active=True).order_by("last_name", "first_name", "username")


# --- phone ----------------------------------------------------------------------------

#: Roles that handle cases (controllers only read).
HANDLING_ROLES = (Role.HANDLER, Role.UNIT_MANAGER, Role.HEAD_OF_AREA, Role.SYSADMIN)


def may_register_calls(user: Any) -> bool:
    """Whether the user handles cases somewhere (and so may register a call)."""
    if user.is_superuser:
        return True
    return RoleAssignment.objects.filter(user_id=user.pk, role__in=HANDLING_ROLES).valid_on(timezone.localdate()).exists()


def phone_customer_choices(user: Any) -> QuerySet[Customer]:
    """Customers the user may register a call for: those they may see, active today."""
    return customer_list(user, active_on=timezone.localdate())


def phone_case_type_choices(user: Any) -> QuerySet[CaseType]:
    return (
        CaseType.objects.visible_to(user).filter(active=True).select_related("process").order_by("process__name", "order", "name")
    )


# --- hand-over --------------------------------------------------------------------------


def hand_over_team_choices(user: Any, case: Case, day: datetime.date | None = None) -> QuerySet[Team]:
    """Teams ``case`` may be handed over to: teams the user may see, valid on ``day``
    (today), that handle the case's process for some customer that day, other than
    its own team — those of the case's area first, then by area, unit and name."""
    from django.db.models import Case as Switch
    from django.db.models import Value, When

    from ester.organisation.models import HandlingAssignment

    day = day or timezone.localdate()
    handling = HandlingAssignment.objects.filter(process_id=case.process_id).valid_on(day).values("team_id")
    return (
        Team.objects.visible_to(user)
        .valid_on(day)
        .filter(pk__in=handling)
        .exclude(pk=case.team_id)
        .select_related("unit__area")
        .annotate(other_area=Switch(When(unit__area_id=case.area_id, then=Value(0)), default=Value(1)))
        .order_by("other_area", "unit__area__name", "unit__name", "name")
    )
