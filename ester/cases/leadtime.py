"""Lead times ("handläggningstid") of cases, measured in working time.

This is the engine the case system builds on. It is pure Python (no Django
imports) and works on top of :class:`~ester.core.businesscalendar.SwedishBusinessCalendar`.

Concepts
--------
* A case is *received* at ``received_at`` and has a lead time (a duration of
  **working time**, see the calendar) within which it must be answered or
  resolved (:class:`LeadTimePolicy`).
* While a case waits for the customer ("Väntar på kund") the clock is
  *paused* (:class:`Pause`). Paused working time does not count. Pauses may
  overlap, nest, touch, start before the case was received and span nights,
  weekends and holidays; they are merged and clipped to ``received_at``.
* :func:`due_at` gives the instant the lead time runs out, :func:`elapsed`
  the working time used so far and :func:`clock_state` the traffic light
  shown in the UI.

Conventions
-----------
* Only aware datetimes are accepted (``ValueError`` for naive ones, as in the
  calendar). Any time zone may be passed in; instants are compared in UTC and
  returned datetimes are in Europe/Stockholm.
* **Open pauses.** While a pause is open (``end is None``) the due instant
  cannot be known, so :func:`due_at` returns ``None`` and
  :func:`clock_state` reports ``"paused"`` (the UI shows "pausad"). The one
  exception: if the lead time had already run out before the open pause
  began, the due instant is fixed in the past and is returned; such a case is
  ``"breached"``, since putting a late case on hold does not undo the breach.
* A completed case cannot be waiting for anyone: for a completed case every
  pause is cut off at ``completed_at``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal, TypeAlias

from ester.core.businesscalendar import SwedishBusinessCalendar

__all__ = [
    "ClockState",
    "ClockStatus",
    "LeadTimePolicy",
    "Pause",
    "clock_state",
    "due_at",
    "elapsed",
]

ClockStatus: TypeAlias = Literal["ok", "warning", "breached", "paused", "met", "missed"]
"""Status of a case's clock.

Open cases: ``ok``, ``warning`` (little working time left), ``breached``
(past due) or ``paused`` (waiting for the customer, due unknown). Completed
cases: ``met`` (completed at or before the due instant) or ``missed``.
"""

_ZERO: Final = timedelta(0)

# A pause interval in UTC; ``None`` as end means "still open".
_Interval: TypeAlias = tuple[datetime, datetime | None]


# --------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------


def _to_utc(value: datetime, name: str) -> datetime:
    """Return the aware datetime *value* in UTC (TypeError/ValueError otherwise)."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")
    return value.astimezone(UTC)


def _check_duration(value: timedelta, name: str) -> timedelta:
    """Ensure *value* is a non-negative timedelta."""
    if not isinstance(value, timedelta):
        raise TypeError(f"{name} must be a timedelta, got {type(value).__name__}")
    if value < _ZERO:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


# --------------------------------------------------------------------------
# Value objects
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadTimePolicy:
    """Lead times of a kind of case, all measured in working time.

    :param first_response: time until the first response is due, or ``None``
        if no first response is required.
    :param resolution: time until the case must be resolved.
    :param warn_before: working time before the due instant at which the
        clock turns amber (``"warning"``).
    """

    first_response: timedelta | None
    resolution: timedelta
    warn_before: timedelta = timedelta(hours=4)

    def __post_init__(self) -> None:
        """Reject negative durations."""
        if self.first_response is not None:
            _check_duration(self.first_response, "first_response")
        _check_duration(self.resolution, "resolution")
        _check_duration(self.warn_before, "warn_before")


@dataclass(frozen=True)
class Pause:
    """A stretch of time during which the clock stands still.

    ``end is None`` means the case is still paused. Both bounds must be aware
    datetimes and ``end`` must not be before ``start`` (an empty pause, with
    ``end == start``, is allowed and has no effect).
    """

    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        """Validate the bounds."""
        start = _to_utc(self.start, "Pause.start")
        if self.end is not None and _to_utc(self.end, "Pause.end") < start:
            raise ValueError(f"Pause.end {self.end} is before Pause.start {self.start}")

    @property
    def is_open(self) -> bool:
        """True while the pause has not ended."""
        return self.end is None


@dataclass(frozen=True)
class ClockState:
    """The state of a case's lead-time clock.

    :param due: the due instant (Europe/Stockholm), or ``None`` while paused.
    :param remaining: working time left until the due instant; zero or
        negative once due (for completed cases: the working time that was
        left at completion).
    :param status: see :data:`ClockStatus`.
    """

    due: datetime | None
    remaining: timedelta | None
    status: ClockStatus


# --------------------------------------------------------------------------
# Pause arithmetic
# --------------------------------------------------------------------------


def _merged_pauses(pauses: Iterable[Pause], received: datetime, cutoff: datetime | None = None) -> list[_Interval]:
    """Return the pauses as sorted, disjoint UTC intervals within [received, cutoff).

    Overlapping and touching pauses are merged, empty ones dropped. With a
    *cutoff*, open pauses end at the cutoff and nothing after it is kept.
    """
    raw: list[_Interval] = []
    for pause in pauses:
        if not isinstance(pause, Pause):
            raise TypeError(f"pauses must contain Pause objects, got {type(pause).__name__}")
        start = max(_to_utc(pause.start, "Pause.start"), received)
        end = None if pause.end is None else _to_utc(pause.end, "Pause.end")
        if cutoff is not None:
            end = cutoff if end is None else min(end, cutoff)
        if end is not None and end <= start:
            continue  # empty, or entirely before received_at / after the cutoff
        raw.append((start, end))
    raw.sort(key=lambda interval: interval[0])

    merged: list[_Interval] = []
    for start, end in raw:
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None:
                break  # an open pause swallows everything after it
            if start <= last_end:
                merged[-1] = (last_start, None if end is None else max(last_end, end))
                continue
        merged.append((start, end))
    return merged


def _due(
    calendar: SwedishBusinessCalendar, received: datetime, duration: timedelta, intervals: list[_Interval]
) -> datetime | None:
    """Core of :func:`due_at` on validated UTC input and merged pauses."""
    current = received
    remaining = duration
    for pause_start, pause_end in intervals:
        available = calendar.working_time_between(current, pause_start)
        if remaining <= available:
            break  # runs out before (or exactly when) this pause begins
        remaining -= available
        if pause_end is None:
            return None
        current = pause_end
    return calendar.add_working_time(current, remaining)


def _elapsed(calendar: SwedishBusinessCalendar, received: datetime, now: datetime, intervals: list[_Interval]) -> timedelta:
    """Core of :func:`elapsed` on validated UTC input and merged pauses."""
    if now <= received:
        return _ZERO
    total = calendar.working_time_between(received, now)
    for pause_start, pause_end in intervals:
        if pause_start >= now:
            break
        end = now if pause_end is None else min(pause_end, now)
        total -= calendar.working_time_between(pause_start, end)
    return total


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def due_at(
    calendar: SwedishBusinessCalendar,
    received_at: datetime,
    duration: timedelta,
    pauses: Iterable[Pause] = (),
) -> datetime | None:
    """Return the instant at which *duration* of unpaused working time has elapsed.

    Counting starts at *received_at* (or the next opening). The result is the
    earliest such instant, in Europe/Stockholm: a lead time that runs out
    exactly at a closing time or at the start of a pause is due then.

    Returns ``None`` if an open pause begins before the lead time has run out
    (the due instant is unknown until the pause ends). If the lead time ran
    out before an open pause began, the (past) due instant is returned.
    """
    received = _to_utc(received_at, "received_at")
    _check_duration(duration, "duration")
    return _due(calendar, received, duration, _merged_pauses(pauses, received))


def elapsed(
    calendar: SwedishBusinessCalendar,
    received_at: datetime,
    now: datetime,
    pauses: Iterable[Pause] = (),
) -> timedelta:
    """Return the working time elapsed in [received_at, now) outside pauses.

    An open pause counts as lasting until *now*. If *now* is not after
    *received_at* (e.g. a slightly skewed clock) the result is zero.
    """
    received = _to_utc(received_at, "received_at")
    current = _to_utc(now, "now")
    return _elapsed(calendar, received, current, _merged_pauses(pauses, received))


def clock_state(
    calendar: SwedishBusinessCalendar,
    received_at: datetime,
    policy_duration: timedelta,
    warn_before: timedelta,
    pauses: Iterable[Pause],
    now: datetime,
    completed_at: datetime | None = None,
) -> ClockState:
    """Return the state of the clock of a case at *now*.

    Completed cases (*completed_at* given; pauses cut off there): ``"met"``
    if completed at or before the due instant, else ``"missed"``; *now* is
    then only validated.

    Open cases, in this order: ``"paused"`` if the due instant is unknown
    because of an open pause (``due`` and ``remaining`` tell how much was
    left when counting stopped: ``due`` is None, ``remaining`` is set);
    ``"breached"`` if *now* is after the due instant; ``"warning"`` if the
    remaining working time is at most *warn_before*; otherwise ``"ok"``.

    ``remaining`` is *policy_duration* minus the working time elapsed (until
    *completed_at* for completed cases). It is zero or negative once the case
    is due; it can be zero rather than negative when *now* is past due but
    outside opening hours.
    """
    received = _to_utc(received_at, "received_at")
    current = _to_utc(now, "now")
    _check_duration(policy_duration, "policy_duration")
    _check_duration(warn_before, "warn_before")
    pause_list = list(pauses)

    if completed_at is not None:
        completed = _to_utc(completed_at, "completed_at")
        if completed < received:
            raise ValueError(f"completed_at {completed_at} is before received_at {received_at}")
        intervals = _merged_pauses(pause_list, received, cutoff=completed)
        due = _due(calendar, received, policy_duration, intervals)
        if due is None:  # pragma: no cover - every pause is closed by the cutoff
            raise RuntimeError("due instant unknown although every pause is closed")
        remaining = policy_duration - _elapsed(calendar, received, completed, intervals)
        status: ClockStatus = "met" if completed <= due.astimezone(UTC) else "missed"
        return ClockState(due=due, remaining=remaining, status=status)

    intervals = _merged_pauses(pause_list, received)
    due = _due(calendar, received, policy_duration, intervals)
    remaining = policy_duration - _elapsed(calendar, received, current, intervals)
    if due is None:
        status = "paused"
    elif current > due.astimezone(UTC):
        status = "breached"
    elif remaining <= warn_before:
        status = "warning"
    else:
        status = "ok"
    return ClockState(due=due, remaining=remaining, status=status)
