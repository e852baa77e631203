"""Swedish business calendar: working days and working time in Europe/Stockholm.

This module is the foundation of Ester's lead-time engine. It is pure Python
(no Django imports) so it can be tested and reused in isolation.

Concepts
--------
* **Opening hours** (:class:`OpeningHours`) describe, per weekday, the local
  wall-clock intervals during which the administration works, e.g. the
  standard Swedish office day Monday-Friday 08:00-16:30.
* **Closed days** are Swedish public holidays ("röda dagar"), the de-facto days
  off midsommarafton, julafton and nyårsafton, and any extra closing days
  configured by an administrator.
* **Working time** is the elapsed (physical) time that falls inside the
  opening intervals of working days. All durations are computed in UTC, so a
  day with a daylight-saving transition is 23 or 25 hours long when the
  opening hours cover the changing hour.

Conventions
-----------
* All public functions taking or returning datetimes use *aware* datetimes.
  Any time zone is accepted as input; results are always expressed in
  Europe/Stockholm (:data:`STOCKHOLM`). Naive datetimes raise ``ValueError``.
* An interval end of ``time(0)`` (00:00) means midnight at the *end* of the
  day (24:00), so ``(time(0), time(0))`` is a whole day.
* Wall-clock times that do not exist (the skipped hour when clocks spring
  forward) are moved to the first instant that exists, i.e. the moment of the
  transition. Ambiguous wall-clock times (the repeated hour when clocks fall
  back) resolve to their *first* occurrence. Hence an interval is always the
  continuous stretch of physical time from "the clock first shows the start
  time" to "the clock first shows the end time".
* Half days such as "Dag före midsommarafton (från kl. 14.00)" are ordinary
  working days; they are not days off.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any, Final, TypeAlias
from zoneinfo import ZoneInfo

from holidays.countries.sweden import Sweden

__all__ = [
    "HOLIDAY_CATEGORIES",
    "STOCKHOLM",
    "OpeningHours",
    "SwedishBusinessCalendar",
    "TimeInterval",
    "swedish_holidays",
]

STOCKHOLM: Final[ZoneInfo] = ZoneInfo("Europe/Stockholm")
"""The time zone all results are expressed in."""

HOLIDAY_CATEGORIES: Final[tuple[str, ...]] = ("public", "de_facto")
"""Categories of ``holidays.Sweden`` that are days off.

* ``public``: the statutory public holidays (allmänna helgdagar), including
  those that always fall on a weekend (Påskdagen, Pingstdagen,
  Midsommardagen, Alla helgons dag).
* ``de_facto``: midsommarafton, julafton and nyårsafton. They are not public
  holidays, but Lag (1930:173) om beräkning av lagstadgad tid treats them
  like public holidays and virtually all offices are closed.

Deliberately *not* used:

* ``bank``: adds the half days "... (från kl. 14.00)" (e.g. "Dag före
  midsommarafton"), which are working days.
* ``optional``: adds the half days, Påskafton, Pingstafton and "Klämdag"
  (the Friday after Kristi himmelsfärdsdag), none of which is a day off.
"""

TimeInterval: TypeAlias = tuple[time, time]
"""A local wall-clock interval ``(start, end)``; ``end == time(0)`` means 24:00."""

UtcInterval: TypeAlias = tuple[datetime, datetime]

_ONE_DAY: Final = timedelta(days=1)
_SUNDAY: Final = 6
_MIDNIGHT: Final = time(0)
_END_OF_DAY: Final = timedelta(days=1)
_ONE_MICROSECOND: Final = timedelta(microseconds=1)
_MAX_DAYS_WITHOUT_WORK: Final = 3660
"""Give up after this many consecutive days without working time (ten years)."""


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _to_utc(value: datetime, name: str) -> datetime:
    """Return the aware datetime *value* converted to UTC.

    Raises ``TypeError`` for non-datetimes and ``ValueError`` for naive ones.
    """
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be a timezone-aware datetime, got naive {value!r}; "
            f"attach a time zone, e.g. value.replace(tzinfo=STOCKHOLM)"
        )
    return value.astimezone(UTC)


def _check_date(value: date, name: str) -> date:
    """Ensure *value* is a plain ``date`` (a ``datetime`` is rejected)."""
    if isinstance(value, datetime):
        raise TypeError(f"{name} must be a date, not a datetime; use value.astimezone(STOCKHOLM).date() to get the local date")
    if not isinstance(value, date):
        raise TypeError(f"{name} must be a date, got {type(value).__name__}")
    return value


def _offset_since_midnight(value: time, *, is_end: bool) -> timedelta:
    """Return *value* as an offset from local midnight (00:00 as end = 24:00)."""
    offset = timedelta(
        hours=value.hour,
        minutes=value.minute,
        seconds=value.second,
        microseconds=value.microsecond,
    )
    if is_end and offset == timedelta(0):
        return _END_OF_DAY
    return offset


def _local_wall_time_to_utc(day: date, wall_time: time) -> datetime:
    """Convert the Stockholm wall-clock time *wall_time* on *day* to UTC.

    * Ambiguous times (clocks fall back) resolve to the first occurrence.
    * Non-existent times (clocks spring forward) resolve to the transition
      instant, i.e. the first instant at or after the requested wall time.

    The mapping is monotonic (non-decreasing) in the wall-clock time, which
    keeps the intervals of a day sorted and non-overlapping in UTC.
    """
    naive = datetime.combine(day, wall_time)
    local = naive.replace(tzinfo=STOCKHOLM)  # fold=0: first occurrence
    after = local.astimezone(UTC)
    if after.astimezone(STOCKHOLM).replace(tzinfo=None) == naive:
        return after
    # The wall time falls into a gap. With fold=0 the offset *before* the
    # transition is used, which yields an instant after the transition; with
    # fold=1 the offset *after* the transition is used, which yields an
    # instant before it. Bisect between the two for the transition instant.
    before = local.replace(fold=1).astimezone(UTC)
    target_offset = after.astimezone(STOCKHOLM).utcoffset()
    low, high = before, after
    while high - low > _ONE_MICROSECOND:
        middle = low + (high - low) // 2
        if middle.astimezone(STOCKHOLM).utcoffset() == target_offset:
            high = middle
        else:
            low = middle
    return high


@functools.cache
def swedish_holidays(year: int) -> Mapping[date, str]:
    """Return the Swedish days off of *year* as a read-only ``{date: name}``.

    Names are in Swedish. The set consists of the public holidays plus
    midsommarafton, julafton and nyårsafton (see :data:`HOLIDAY_CATEGORIES`).
    Ordinary Sundays are not included. If two holidays coincide (e.g. Första
    maj and Kristi himmelsfärdsdag in 2008) the name contains both, separated
    by "; ". The result is cached per year.
    """
    calendar = Sweden(
        years=year,
        include_sundays=False,
        categories=HOLIDAY_CATEGORIES,
        # Without an explicit language the names follow the process locale
        # (e.g. English under LANG=C.UTF-8), so always ask for Swedish.
        language="sv",
    )
    return MappingProxyType(dict(sorted(calendar.items())))


# --------------------------------------------------------------------------
# Opening hours
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class OpeningHours:
    """Weekly opening hours: weekday (0=Monday .. 6=Sunday) -> intervals.

    Each weekday maps to a tuple of local wall-clock ``(start, end)``
    intervals, which must be sorted, non-overlapping (touching is allowed)
    and have ``start < end``. An end of ``time(0)`` means midnight at the end
    of the day (24:00). Several intervals per day model e.g. a lunch closure.
    Weekdays that are missing (or map to no intervals) are closed.

    The mapping is normalised to a read-only mapping containing only the
    weekdays that have at least one interval.
    """

    intervals: Mapping[int, tuple[TimeInterval, ...]]

    def __post_init__(self) -> None:
        """Validate the intervals and freeze them into a read-only mapping."""
        if not isinstance(self.intervals, Mapping):
            raise TypeError("intervals must be a mapping of weekday -> intervals")
        normalised: dict[int, tuple[TimeInterval, ...]] = {}
        for weekday, day_intervals in self.intervals.items():
            if isinstance(weekday, bool) or not isinstance(weekday, int):
                raise TypeError(f"weekday must be an int 0..6, got {weekday!r}")
            if not 0 <= weekday <= _SUNDAY:
                raise ValueError(f"weekday must be between 0 (Monday) and 6 (Sunday), got {weekday}")
            checked = self._validate_day(weekday, day_intervals)
            if checked:
                normalised[weekday] = checked
        object.__setattr__(self, "intervals", MappingProxyType(dict(sorted(normalised.items()))))

    @staticmethod
    def _validate_day(weekday: int, day_intervals: Iterable[Any]) -> tuple[TimeInterval, ...]:
        """Validate the intervals of one weekday and return them as a tuple."""
        where = f"weekday {weekday}"
        result: list[TimeInterval] = []
        previous_end: timedelta | None = None
        for item in day_intervals:
            try:
                start, end = item
            except (TypeError, ValueError):
                raise TypeError(f"{where}: interval must be a (start, end) pair, got {item!r}") from None
            for value in (start, end):
                if not isinstance(value, time):
                    raise TypeError(f"{where}: interval bounds must be datetime.time, got {value!r}")
                if value.tzinfo is not None:
                    raise ValueError(f"{where}: interval bounds must be naive local times, got {value!r}")
            start_offset = _offset_since_midnight(start, is_end=False)
            end_offset = _offset_since_midnight(end, is_end=True)
            if start_offset >= end_offset:
                raise ValueError(f"{where}: interval start {start} must be before end {end}")
            if previous_end is not None and start_offset < previous_end:
                raise ValueError(
                    f"{where}: intervals must be sorted and non-overlapping, "
                    f"but {start}-{end} starts before the previous interval ends"
                )
            previous_end = end_offset
            result.append((start, end))
        return tuple(result)

    def __hash__(self) -> int:
        """Hash the normalised intervals (the mapping itself is unhashable)."""
        return hash(tuple(self.intervals.items()))

    def __reduce__(
        self,
    ) -> tuple[type[OpeningHours], tuple[dict[int, tuple[TimeInterval, ...]]]]:
        """Pickle support: MappingProxyType cannot be pickled, use a dict."""
        return (type(self), (dict(self.intervals),))

    @classmethod
    def standard(cls) -> OpeningHours:
        """Return the Swedish office day: Monday-Friday 08:00-16:30."""
        office_day: tuple[TimeInterval, ...] = ((time(8, 0), time(16, 30)),)
        return cls(dict.fromkeys(range(5), office_day))

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, time, time]]) -> OpeningHours:
        """Build opening hours from ``(weekday, start, end)`` rows.

        This is the shape the database model provides (e.g.
        ``values_list("weekday", "start", "end")``). Rows may come in any
        order; they are grouped by weekday and sorted by start time before
        validation. Any 3-item sequence is accepted at runtime.
        """
        grouped: dict[int, list[TimeInterval]] = {}
        for row in rows:
            try:
                weekday, start, end = row
            except (TypeError, ValueError):
                raise TypeError(f"row must be a (weekday, start, end) triple, got {row!r}") from None
            grouped.setdefault(weekday, []).append((start, end))
        intervals: dict[int, tuple[TimeInterval, ...]] = {}
        for weekday, day_intervals in grouped.items():
            try:
                ordered = sorted(
                    day_intervals,
                    key=lambda pair: (
                        _offset_since_midnight(pair[0], is_end=False),
                        _offset_since_midnight(pair[1], is_end=True),
                    ),
                )
            except (AttributeError, TypeError):
                ordered = day_intervals  # let validation report the bad value
            intervals[weekday] = tuple(ordered)
        return cls(intervals)

    def for_weekday(self, weekday: int) -> tuple[TimeInterval, ...]:
        """Return the intervals of *weekday* (0=Monday); empty if closed."""
        return self.intervals.get(weekday, ())

    @property
    def is_empty(self) -> bool:
        """True if no weekday has any opening interval."""
        return not self.intervals


# --------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------


class SwedishBusinessCalendar:
    """Working days and working time for a Swedish administration.

    A day is a working day when it is not a Swedish holiday (see
    :data:`HOLIDAY_CATEGORIES`), not one of *extra_closed_days*, and its
    weekday has opening intervals in *opening_hours*.

    Instances are immutable from the outside and cache per-date results, so
    they are cheap to call in hot loops. Share one instance per configuration.
    """

    __slots__ = ("_extra_closed_days", "_intervals_cache", "_opening_hours", "_year_prefix")

    def __init__(
        self,
        opening_hours: OpeningHours | None = None,
        extra_closed_days: Iterable[date] = frozenset(),
    ) -> None:
        """Create a calendar.

        :param opening_hours: weekly opening hours; defaults to
            :meth:`OpeningHours.standard` (Monday-Friday 08:00-16:30).
        :param extra_closed_days: local closing days configured by an
            administrator (in addition to the Swedish holidays).
        """
        if opening_hours is None:
            opening_hours = OpeningHours.standard()
        if not isinstance(opening_hours, OpeningHours):
            raise TypeError("opening_hours must be an OpeningHours instance")
        self._opening_hours = opening_hours
        self._extra_closed_days = frozenset(_check_date(day, "extra_closed_days item") for day in extra_closed_days)
        self._intervals_cache: dict[date, tuple[UtcInterval, ...]] = {}
        # Per year: working time (whole microseconds) of the year's days before day-of-year i.
        self._year_prefix: dict[int, list[int]] = {}

    def __repr__(self) -> str:
        """Return a debugging representation."""
        return (
            f"{type(self).__name__}(opening_hours={self._opening_hours!r}, extra_closed_days={sorted(self._extra_closed_days)!r})"
        )

    @property
    def opening_hours(self) -> OpeningHours:
        """The weekly opening hours."""
        return self._opening_hours

    @property
    def extra_closed_days(self) -> frozenset[date]:
        """Administrator-configured closing days."""
        return self._extra_closed_days

    # -- days ---------------------------------------------------------------

    def is_holiday(self, d: date) -> bool:
        """Return True if *d* is a Swedish public holiday or de-facto day off."""
        day = _check_date(d, "d")
        return day in swedish_holidays(day.year)

    def holiday_name(self, d: date) -> str | None:
        """Return the Swedish name of the holiday on *d*, or None."""
        day = _check_date(d, "d")
        return swedish_holidays(day.year).get(day)

    def is_working_day(self, d: date) -> bool:
        """Return True if *d* is not a holiday or closed day and has opening hours."""
        return self._is_working_day(_check_date(d, "d"))

    def _is_working_day(self, day: date) -> bool:
        return (
            bool(self._opening_hours.for_weekday(day.weekday()))
            and day not in self._extra_closed_days
            and day not in swedish_holidays(day.year)
        )

    def next_working_day(self, d: date) -> date:
        """Return the first working day strictly after *d*."""
        return self.add_working_days(d, 1)

    def add_working_days(self, d: date, n: int) -> date:
        """Return the *n*-th working day after *d*.

        ``n == 0`` returns *d* itself if it is a working day, otherwise the
        next working day. For ``n >= 1`` the result is the day *e* with
        ``working_days_between(d, e) == n`` that is itself a working day.
        """
        day = _check_date(d, "d")
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int, got {type(n).__name__}")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        self._require_some_working_time()
        if n == 0:
            if self._is_working_day(day):
                return day
            n = 1
        remaining = n
        idle_days = 0
        while remaining:
            day += _ONE_DAY
            if self._is_working_day(day):
                remaining -= 1
                idle_days = 0
            else:
                idle_days += 1
                self._check_idle(idle_days, d)
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Return the number of working days in the half-open range (a, b].

        If ``b < a`` the result is ``-working_days_between(b, a)``.
        """
        first = _check_date(a, "a")
        last = _check_date(b, "b")
        if last < first:
            return -self.working_days_between(last, first)
        count = 0
        day = first
        while day < last:
            day += _ONE_DAY
            if self._is_working_day(day):
                count += 1
        return count

    def holidays_in_year(self, year: int) -> Mapping[date, str]:
        """Return the Swedish holidays (days off) of *year* as ``{date: name}``."""
        return swedish_holidays(year)

    # -- intervals ----------------------------------------------------------

    def working_intervals(self, d: date) -> list[tuple[datetime, datetime]]:
        """Return the opening intervals of the local date *d* as aware datetimes.

        The bounds are in Europe/Stockholm. Closed days give an empty list.
        DST is handled as described in the module docstring; intervals that
        vanish entirely (lying inside the skipped hour) are omitted and
        touching intervals are merged.
        """
        day = _check_date(d, "d")
        return [(start.astimezone(STOCKHOLM), end.astimezone(STOCKHOLM)) for start, end in self._utc_intervals(day)]

    def _utc_intervals(self, day: date) -> tuple[UtcInterval, ...]:
        """Return the (cached) opening intervals of *day* in UTC."""
        cached = self._intervals_cache.get(day)
        if cached is not None:
            return cached
        result: list[UtcInterval] = []
        if self._is_working_day(day):
            for start, end in self._opening_hours.for_weekday(day.weekday()):
                utc_start = _local_wall_time_to_utc(day, start)
                end_day = day + _ONE_DAY if end == _MIDNIGHT else day
                utc_end = _local_wall_time_to_utc(end_day, end)
                if utc_end <= utc_start:
                    continue  # swallowed by a DST gap
                if result and result[-1][1] >= utc_start:
                    result[-1] = (result[-1][0], max(result[-1][1], utc_end))
                else:
                    result.append((utc_start, utc_end))
        intervals = tuple(result)
        self._intervals_cache[day] = intervals
        return intervals

    # -- working time -------------------------------------------------------

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """Return the instant at which *duration* of working time has elapsed.

        Counting starts at *start*, or at the next opening if *start* is
        outside opening hours. If the duration ends exactly at a closing time
        the closing instant is returned (not the next opening). A zero
        duration returns *start* unchanged (converted to Europe/Stockholm).

        :raises ValueError: for naive *start*, negative *duration*, or opening
            hours without any working time.
        """
        current = _to_utc(start, "start")
        if not isinstance(duration, timedelta):
            raise TypeError(f"duration must be a timedelta, got {type(duration).__name__}")
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        if not duration:
            return current.astimezone(STOCKHOLM)
        self._require_some_working_time()

        remaining = duration
        # Intervals of earlier local dates end at or before local midnight of
        # the start's local date, so they can never contain working time
        # after *start*.
        day = first_day = current.astimezone(STOCKHOLM).date()
        idle_days = 0
        while True:
            intervals = self._utc_intervals(day)
            if intervals:
                idle_days = 0
            else:
                idle_days += 1
                self._check_idle(idle_days, first_day)
            for interval_start, interval_end in intervals:
                if interval_end <= current:
                    continue
                current = max(current, interval_start)
                available = interval_end - current
                if remaining <= available:
                    return (current + remaining).astimezone(STOCKHOLM)
                remaining -= available
                current = interval_end
            day += _ONE_DAY

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Return the working time elapsed in the half-open range [a, b).

        If ``b < a`` the result is ``-working_time_between(b, a)``.
        """
        utc_a = _to_utc(a, "a")
        utc_b = _to_utc(b, "b")
        if utc_b < utc_a:
            return -self.working_time_between(b, a)
        first_day = utc_a.astimezone(STOCKHOLM).date()
        last_day = utc_b.astimezone(STOCKHOLM).date()
        if first_day == last_day:
            return self._time_in_day(first_day, utc_a, utc_b)
        # The first and last days in part; the whole days between from the yearly sums
        # (so an open case received years ago costs a few lookups, not a walk over every day).
        return (
            self._time_in_day(first_day, utc_a, utc_b)
            + self._whole_days_time(first_day + _ONE_DAY, last_day - _ONE_DAY)
            + self._time_in_day(last_day, utc_a, utc_b)
        )

    def _time_in_day(self, day: date, utc_a: datetime, utc_b: datetime) -> timedelta:
        """Working time of local date *day* inside [utc_a, utc_b)."""
        total = timedelta(0)
        for interval_start, interval_end in self._utc_intervals(day):
            low = max(interval_start, utc_a)
            high = min(interval_end, utc_b)
            if high > low:
                total += high - low
        return total

    def _day_microseconds(self, day: date) -> int:
        return sum((end - start) // _ONE_MICROSECOND for start, end in self._utc_intervals(day))

    def _prefix(self, year: int) -> list[int]:
        """Cumulative working time of *year*: ``prefix[i]`` covers the year's first ``i`` days."""
        prefix = self._year_prefix.get(year)
        if prefix is None:
            prefix = [0]
            day = date(year, 1, 1)
            while day.year == year:
                prefix.append(prefix[-1] + self._day_microseconds(day))
                day += _ONE_DAY
            self._year_prefix[year] = prefix
        return prefix

    def _whole_days_time(self, first: date, last: date) -> timedelta:
        """Working time of the whole local days *first* … *last* (none when last < first)."""
        if last < first:
            return timedelta(0)
        days = (last - first).days + 1
        if days <= 7:  # a short span: the days themselves are cheaper than a year's sums
            return timedelta(microseconds=sum(self._day_microseconds(first + _ONE_DAY * i) for i in range(days)))
        total = 0
        for year in range(first.year, last.year + 1):
            prefix = self._prefix(year)
            start = first.timetuple().tm_yday - 1 if year == first.year else 0
            end = last.timetuple().tm_yday if year == last.year else len(prefix) - 1
            total += prefix[end] - prefix[start]
        return timedelta(microseconds=total)

    # -- guards -------------------------------------------------------------

    def _require_some_working_time(self) -> None:
        if self._opening_hours.is_empty:
            raise ValueError("the opening hours contain no working time on any weekday")

    def _check_idle(self, idle_days: int, since: date) -> None:
        if idle_days > _MAX_DAYS_WITHOUT_WORK:
            raise ValueError(
                f"no working time found within {_MAX_DAYS_WITHOUT_WORK} days after "
                f"{since}; check the opening hours and closed days"
            )
