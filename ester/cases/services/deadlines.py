"""Lead times: the area's business calendar, the first-response and resolution
policy (case type, overridden by the customer's agreement), the pauses on the
timeline, and the due times computed from them.

Calendars and agreements are read through ``clock.memo`` (once per key inside
``clock.memoized()``), so a sweep that recomputes many cases reads each once.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ester.agreements.models import LeadTime
from ester.cases import leadtime
from ester.cases.choices import EventKind
from ester.cases.models import Case
from ester.cases.services._common import _save
from ester.core import clock
from ester.organisation.models import Area
from ester.organisation.selectors import business_calendar


def area_calendar(area: Area) -> Any:
    """The area's business calendar (read once per area inside ``clock.memoized()``)."""
    return clock.memo(("business_calendar", area.pk), lambda: business_calendar(area))


# --- lead times ---------------------------------------------------------------------


def lead_time_policy(case: Case) -> tuple[datetime.timedelta | None, datetime.timedelta]:
    """(first response, resolution) in working time: the customer's agreement for the
    year overrides the case type's default when it names the case type (the agreement's
    row is read once per customer, year and case type inside ``clock.memoized()``)."""
    case_type = case.case_type
    first = case_type.first_response_hours
    resolution = case_type.resolution_hours
    year = timezone.localtime(case.received_at).year
    agreed: LeadTime | None = clock.memo(
        ("lead_time", case.customer_id, year, case.process_id, case_type.pk),
        lambda: (
            LeadTime.objects.filter(agreement__customer_id=case.customer_id, agreement__year=year, process_id=case.process_id)
            .filter(Q(work_kind__iexact=case_type.name) | Q(work_kind__iexact=case_type.code))
            .first()
        ),
    )
    if agreed is not None:
        first = agreed.first_response_hours if agreed.first_response_hours is not None else first
        resolution = agreed.resolution_hours
    return (datetime.timedelta(hours=first) if first else None), datetime.timedelta(hours=resolution)


def case_pauses(case: Case) -> list[leadtime.Pause]:
    """The periods the clock stood still, from the timeline (paused → resumed)."""
    pauses: list[leadtime.Pause] = []
    start: datetime.datetime | None = None
    for kind, at in (
        case.events.filter(kind__in=(EventKind.PAUSED, EventKind.RESUMED)).order_by("at", "id").values_list("kind", "at")
    ):
        if kind == EventKind.PAUSED and start is None:
            start = at
        elif kind == EventKind.RESUMED and start is not None:
            pauses.append(leadtime.Pause(start, at))
            start = None
    if start is not None:
        pauses.append(leadtime.Pause(start, None))
    return pauses


def due_times(
    case: Case,
    *,
    calendar: Any = None,
    policy: tuple[datetime.timedelta | None, datetime.timedelta] | None = None,
    pauses: Sequence[leadtime.Pause] | None = None,
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """(resolution due, first-response due) of a case from its timeline; callers that
    recompute many cases pass the area's calendar, the policy and the pauses they already have."""
    calendar = calendar or area_calendar(case.area)
    first, resolution = policy or lead_time_policy(case)
    if pauses is None:
        pauses = case_pauses(case) if case.pk else []
    due = leadtime.due_at(calendar, case.received_at, resolution, pauses)
    first_due = leadtime.due_at(calendar, case.received_at, first, []) if first else None
    return due, first_due


def case_recompute_due(case: Case, *, save: bool = True) -> None:
    """Recompute due times from the timeline — also when a policy or the calendar changes."""
    case.due_at, case.first_response_due_at = due_times(case)
    if save:
        _save(case, "due_at", "first_response_due_at")
