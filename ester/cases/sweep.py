"""The lead-time sweep (warnings and breaches) and the recomputation of due times.

:func:`sweep` runs every ``ESTER_SWEEP_INTERVAL`` seconds in each worker
(:class:`SweepScheduler`, started by ``ester worker``) and on demand as
``ester sweep_lead_times``. For open cases whose clock runs (not paused):

* **breach** — ``due_at`` has passed and ``breached_at`` is empty: set
  ``breached_at`` and write one ``BREACH`` event;
* **warning** — the remaining working time (:func:`leadtime.clock_state` on
  the area's calendar) is at most :func:`warn_before` and ``warned_at`` is
  empty: set ``warned_at`` and write one ``WARNING`` event.

Claiming is safe with any number of concurrent sweeps (several workers): a
case is claimed with a conditional ``UPDATE … WHERE breached_at IS NULL``
(resp. ``warned_at``) that only one transaction can win, and the event is
written in the same transaction only by the winner. On PostgreSQL the batch
is first locked with ``SELECT … FOR UPDATE SKIP LOCKED``, so a second sweep
skips the rows the first is claiming instead of waiting for them; on SQLite
the IMMEDIATE transactions serialise the claims and the losers' updates
match no row. Cases are read in batches ordered by due time, so a million
open cases are never loaded at once.

:func:`recompute_due` recomputes ``due_at`` and ``first_response_due_at``
from the timeline after a policy or calendar change (``ester recompute_due``)
and clears ``warned_at``/``breached_at`` where the new due time is no longer
near/passed. It writes nothing to the timeline: the due time is derived data
(timeline + policy + calendar, all recorded elsewhere), and a calendar change
would otherwise add a line to every open case. A later breach of a cleared
case is recorded again by the sweep.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ester.cases import leadtime, services
from ester.cases.choices import OPEN_STATUSES, EventKind
from ester.cases.models import Case, CaseEvent, CaseType
from ester.core.periodic import PeriodicJob
from ester.organisation.models import Area
from ester.organisation.selectors import business_calendar

logger = logging.getLogger("ester.cases.sweep")

#: Cases read (and claimed in one transaction) at a time.
BATCH_SIZE = 500

#: Working time before the due instant at which a case is warned about.
WARN_BEFORE = datetime.timedelta(hours=4)

__all__ = [
    "BATCH_SIZE",
    "WARN_BEFORE",
    "SweepResult",
    "SweepScheduler",
    "recompute_due",
    "sweep",
    "warn_before",
]


@dataclass(frozen=True)
class SweepResult:
    """How many cases one sweep warned about and recorded as breached."""

    warned: int = 0
    breached: int = 0


def warn_before(case_type: CaseType | None = None) -> datetime.timedelta:
    """The warning window of a case type (a constant for now; per case type later)."""
    return WARN_BEFORE


def _local(value: datetime.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _running() -> QuerySet[Case]:
    """Open cases whose clock runs (not waiting for the customer)."""
    return Case.objects.filter(status__in=OPEN_STATUSES, paused_since__isnull=True)


def _after(due: datetime.datetime, pk: int) -> Q:
    """Keyset condition: rows after (due, pk) in (due_at, pk) order."""
    return Q(due_at__gt=due) | Q(due_at=due, pk__gt=pk)


class _Policies:
    """Calendars per area and lead-time policies per (customer, year, process, case type), cached for one run."""

    def __init__(self) -> None:
        self._calendars: dict[int, Any] = {}
        self._policies: dict[tuple[Any, ...], tuple[datetime.timedelta | None, datetime.timedelta]] = {}

    def calendar(self, area: Area | int) -> Any:
        area_id = area if isinstance(area, int) else area.pk
        if area_id not in self._calendars:
            self._calendars[area_id] = business_calendar(area if isinstance(area, Area) else Area.objects.get(pk=area_id))
        return self._calendars[area_id]

    def policy(self, case: Case) -> tuple[datetime.timedelta | None, datetime.timedelta]:
        key = (case.customer_id, timezone.localtime(case.received_at).year, case.process_id, case.case_type_id)
        if key not in self._policies:
            self._policies[key] = services.lead_time_policy(case)
        return self._policies[key]


# --- claiming -----------------------------------------------------------------------


def _lock(candidates: QuerySet[Case], pks: list[int]) -> list[int]:
    """The candidates among ``pks``, locked on PostgreSQL (rows another sweep holds are skipped)."""
    if not connection.features.has_select_for_update_skip_locked:
        return pks  # SQLite: the IMMEDIATE transaction already holds the write lock
    return list(candidates.filter(pk__in=pks).select_for_update(skip_locked=True).order_by("pk").values_list("pk", flat=True))


def _claim(
    kind: str, candidates: QuerySet[Case], field: str, now: datetime.datetime, texts: dict[int, tuple[str, dict[str, Any]]]
) -> int:
    """Claim the cases of ``texts`` still matching ``candidates``: set ``field`` and write one ``kind`` event each.

    Each claim is a conditional UPDATE that matches only while ``field`` is
    empty, so of two concurrent sweeps exactly one writes the event.
    """
    claimed = 0
    with transaction.atomic():
        for pk in _lock(candidates, sorted(texts)):
            if candidates.filter(pk=pk).update(**{field: now}) != 1:
                continue  # claimed by another sweep, or changed meanwhile
            text, payload = texts[pk]
            CaseEvent.objects.create(case_id=pk, kind=kind, at=now, actor=None, internal=True, text=text, payload=payload)
            claimed += 1
    return claimed


# --- the sweep ----------------------------------------------------------------------


def _batches(candidates: QuerySet[Case], size: int) -> Iterator[list[tuple[int, datetime.datetime]]]:
    """(pk, due_at) of the candidates in due order, ``size`` at a time (keyset pagination)."""
    last: tuple[datetime.datetime, int] | None = None
    while True:
        qs = candidates if last is None else candidates.filter(_after(last[0], last[1]))
        # Candidates filter on due_at, so it is never null here.
        rows = [(pk, due) for pk, due in qs.order_by("due_at", "pk").values_list("pk", "due_at")[:size] if due is not None]
        if not rows:
            return
        yield rows
        last = (rows[-1][1], rows[-1][0])
        if len(rows) < size:
            return


def _sweep_breaches(now: datetime.datetime, size: int) -> int:
    candidates = _running().filter(breached_at__isnull=True, due_at__lt=now)
    breached = 0
    for rows in _batches(candidates, size):
        texts = {pk: (f"Ledtiden gick ut {_local(due)}.", {"due_at": timezone.localtime(due).isoformat()}) for pk, due in rows}
        breached += _claim(EventKind.BREACH, candidates, "breached_at", now, texts)
    return breached


def _sweep_warnings(now: datetime.datetime, size: int, policies: _Policies) -> int:
    window = warn_before()
    warned = 0
    for area in Area.objects.order_by("pk"):
        calendar = policies.calendar(area)
        try:
            # A little past the window's end, so that a due instant in the closed
            # hours right after it is found too; clock_state decides exactly.
            horizon = calendar.add_working_time(now, window + datetime.timedelta(minutes=1))
        except ValueError:
            logger.warning("Area %s has no working time in its calendar; no lead-time warnings", area.code)
            continue
        candidates = _running().filter(area=area, warned_at__isnull=True, breached_at__isnull=True, due_at__gte=now)
        for rows in _batches(candidates.filter(due_at__lte=horizon), size):
            texts: dict[int, tuple[str, dict[str, Any]]] = {}
            for case in Case.objects.filter(pk__in=[pk for pk, _due in rows]).select_related("case_type"):
                case_window = warn_before(case.case_type)
                _first, resolution = policies.policy(case)
                state = leadtime.clock_state(calendar, case.received_at, resolution, case_window, services.case_pauses(case), now)
                if state.status != "warning" or state.due is None or state.remaining is None:
                    continue
                minutes = max(0, int(state.remaining.total_seconds() // 60))
                texts[case.pk] = (
                    f"Ledtiden går ut {_local(state.due)}; {minutes // 60} h {minutes % 60:02d} min arbetstid kvar.",
                    {"due_at": timezone.localtime(state.due).isoformat(), "remaining_minutes": minutes},
                )
            if texts:
                warned += _claim(EventKind.WARNING, candidates, "warned_at", now, texts)
    return warned


def sweep(now: datetime.datetime | None = None, *, batch_size: int = BATCH_SIZE) -> SweepResult:
    """Record lead-time breaches and warnings of open, running cases (see the module docstring).

    Breaches first: a case already past due gets a ``BREACH`` event, not a late warning.
    """
    now = now or timezone.now()
    breached = _sweep_breaches(now, batch_size)
    warned = _sweep_warnings(now, batch_size, _Policies())
    if breached or warned:
        logger.info("Lead-time sweep: %d warned, %d breached", warned, breached)
    return SweepResult(warned=warned, breached=breached)


# --- recomputation ------------------------------------------------------------------


def _start_of(value: datetime.date | datetime.datetime) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))


def recompute_due(
    area: Area | None = None,
    case_type: CaseType | None = None,
    since: datetime.date | datetime.datetime | None = None,
    *,
    now: datetime.datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Recompute the due times of open cases from their timelines; return how many cases changed.

    Run it after a policy or calendar change: a new ``ClosedDay``, changed
    ``OpeningHours``, changed case type hours or agreement ``LeadTime``. The
    computation is that of :func:`services.case_recompute_due` (same
    calendar, policy and pauses — through :func:`services.due_times`), with
    calendars and policies cached for the run. ``warned_at``/``breached_at`` are cleared when the case is no
    longer near/past its new due time; the next sweep records what is due.

    :param area: only cases of this area (a calendar change).
    :param case_type: only cases of this type (a policy change).
    :param since: only cases due at or after this day/instant, or not due yet
        (paused) — a calendar change from that day on cannot move the others.
    """
    now = now or timezone.now()
    cases = Case.objects.filter(status__in=OPEN_STATUSES)
    if area is not None:
        cases = cases.filter(area=area)
    if case_type is not None:
        cases = cases.filter(case_type=case_type)
    if since is not None:
        start = _start_of(since)
        cases = cases.filter(Q(due_at__gte=start) | Q(due_at__isnull=True) | Q(first_response_due_at__gte=start))
    policies = _Policies()
    changed = 0
    last_pk = 0
    while True:
        batch = list(cases.filter(pk__gt=last_pk).select_related("case_type").order_by("pk")[:batch_size])
        if not batch:
            break
        last_pk = batch[-1].pk
        paused_ids = set(
            CaseEvent.objects.filter(case_id__in=[c.pk for c in batch], kind=EventKind.PAUSED).values_list("case_id", flat=True)
        )
        updates: list[tuple[Case, dict[str, Any]]] = []
        for case in batch:
            calendar = policies.calendar(case.area_id)
            first, resolution = policies.policy(case)
            pauses = services.case_pauses(case) if case.pk in paused_ids else []
            fields: dict[str, Any] = {}
            due, first_due = services.due_times(case, calendar=calendar, policy=(first, resolution), pauses=pauses)
            if due != case.due_at:
                fields["due_at"] = due
            if first_due != case.first_response_due_at:
                fields["first_response_due_at"] = first_due
            if case.warned_at is not None or case.breached_at is not None:
                window = warn_before(case.case_type)
                state = leadtime.clock_state(calendar, case.received_at, resolution, window, pauses, now)
                near = state.status in ("warning", "breached") or (
                    state.status == "paused" and state.remaining is not None and state.remaining <= window
                )
                if case.breached_at is not None and state.status != "breached":
                    fields["breached_at"] = None
                if case.warned_at is not None and not near:
                    fields["warned_at"] = None
            if fields:
                updates.append((case, fields))
        if updates:
            with transaction.atomic():
                for case, fields in updates:
                    # Only if nobody changed the clock meanwhile (a pause or resume recomputes it itself).
                    same = Case.objects.filter(
                        pk=case.pk,
                        status__in=OPEN_STATUSES,
                        due_at=case.due_at,
                        first_response_due_at=case.first_response_due_at,
                        paused_since=case.paused_since,
                    )
                    changed += same.update(**fields, updated_at=timezone.now())
        if len(batch) < batch_size:
            break
    if changed:
        logger.info("Recomputed due times: %d open cases changed", changed)
    return changed


# --- the scheduler in the worker ----------------------------------------------------


class SweepScheduler(PeriodicJob):
    """Runs :func:`sweep` from a daemon thread every ``every`` seconds (``ESTER_SWEEP_INTERVAL``);
    see :class:`ester.core.periodic.PeriodicJob`. ``every <= 0`` turns the scheduler off."""

    def __init__(self, every: float | None = None, *, run: Callable[[], Any] | None = None) -> None:
        super().__init__(
            settings.ESTER_SWEEP_INTERVAL if every is None else every,
            run or sweep,
            name="lead-time-sweep",
            label="Lead-time sweep",
            logger=logger,
        )
