"""Tests for ester.core.businesscalendar (pure Python, no Django needed).

Run with: ``python -m pytest ester/core/tests/test_businesscalendar.py -p no:django``.

Conventions used below: ``L(...)`` builds an aware Europe/Stockholm datetime,
``H(x)`` is ``timedelta(hours=x)``. Durations are always compared as
timedeltas and instants are compared in UTC (aware datetimes sharing a tzinfo
compare by wall clock, which is wrong inside the repeated DST hour).
"""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ester.core.businesscalendar import (
    HOLIDAY_CATEGORIES,
    STOCKHOLM,
    OpeningHours,
    SwedishBusinessCalendar,
    swedish_holidays,
)

T = time


def L(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0) -> datetime:
    """Aware Europe/Stockholm datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM, fold=fold)


def H(hours: float) -> timedelta:
    return timedelta(hours=hours)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


# --------------------------------------------------------------------------
# Calendars used throughout
# --------------------------------------------------------------------------

STANDARD = SwedishBusinessCalendar()

#: Mon-Fri 08:00-12:00 and 13:00-16:30 (closed for lunch).
LUNCH_HOURS = OpeningHours({wd: ((T(8), T(12)), (T(13), T(16, 30))) for wd in range(5)})
LUNCH = SwedishBusinessCalendar(LUNCH_HOURS)

#: Open around the clock, every day (end 00:00 means 24:00).
ALWAYS_HOURS = OpeningHours({wd: ((T(0), T(0)),) for wd in range(7)})
ALWAYS = SwedishBusinessCalendar(ALWAYS_HOURS)

#: Open 00:00-23:59 every day.
ALMOST_ALWAYS = SwedishBusinessCalendar(OpeningHours({wd: ((T(0), T(23, 59)),) for wd in range(7)}))

#: A deliberately awkward schedule: interval bounds inside the DST hours on
#: Sundays, intervals touching midnight, a Saturday night shift.
ODD_HOURS = OpeningHours(
    {
        0: ((T(0), T(2, 30)), (T(8), T(16, 30))),
        2: ((T(11, 15), T(11, 45)),),
        5: ((T(22), T(0)),),
        6: ((T(0), T(1, 30)), (T(2, 15), T(2, 45)), (T(3), T(3, 30)), (T(20), T(21))),
    }
)
ODD = SwedishBusinessCalendar(ODD_HOURS, extra_closed_days=frozenset({date(2026, 3, 30), date(2030, 10, 27)}))

#: Sunday-only opening whose bounds straddle the DST hour (01:00-04:00),
#: plus ordinary weekday hours with a lunch break and some closed days.
NIGHT_HOURS = OpeningHours(
    {
        1: ((T(8), T(12)), (T(13), T(16, 30))),
        4: ((T(7, 45), T(15, 15)),),
        6: ((T(1), T(4)),),
    }
)
NIGHT = SwedishBusinessCalendar(
    NIGHT_HOURS,
    extra_closed_days=frozenset({date(2026, 3, 27), date(2026, 10, 23), date(2027, 3, 28)}),
)

ALL_CALENDARS = [STANDARD, LUNCH, ALWAYS, ALMOST_ALWAYS, ODD, NIGHT]
#: Calendars without interval bounds inside 02:00-03:00, for which the
#: "minute-membership" oracle below gives the same answer as the interval model.
ORACLE_CALENDARS = [STANDARD, LUNCH, ALWAYS, NIGHT]


# --------------------------------------------------------------------------
# OpeningHours
# --------------------------------------------------------------------------


class TestOpeningHours:
    def test_standard_is_swedish_office_day(self) -> None:
        hours = OpeningHours.standard()
        for weekday in range(5):
            assert hours.for_weekday(weekday) == ((T(8), T(16, 30)),)
        assert hours.for_weekday(5) == ()
        assert hours.for_weekday(6) == ()
        assert set(hours.intervals) == {0, 1, 2, 3, 4}
        assert not hours.is_empty

    def test_from_rows_groups_and_sorts(self) -> None:
        rows = [
            (2, T(13), T(16, 30)),
            (0, T(8), T(16, 30)),
            (2, T(8), T(12)),
        ]
        hours = OpeningHours.from_rows(rows)
        assert hours == OpeningHours({0: ((T(8), T(16, 30)),), 2: ((T(8), T(12)), (T(13), T(16, 30)))})
        assert OpeningHours.from_rows([]).is_empty

    def test_from_rows_accepts_lists_and_validates(self) -> None:
        rows = [[1, T(9), T(10)]]  # e.g. lists instead of tuples
        assert OpeningHours.from_rows(rows).for_weekday(1) == ((T(9), T(10)),)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="non-overlapping"):
            OpeningHours.from_rows([(0, T(8), T(12)), (0, T(11), T(13))])
        with pytest.raises(TypeError):
            OpeningHours.from_rows([(0, T(8))])  # type: ignore[list-item]

    def test_equality_hash_pickle_and_immutability(self) -> None:
        a = OpeningHours({0: [(T(8), T(16, 30))], 5: ()})  # type: ignore[dict-item]
        b = OpeningHours({0: ((T(8), T(16, 30)),)})
        assert a == b
        assert hash(a) == hash(b)
        assert pickle.loads(pickle.dumps(a)) == a  # noqa: S301
        with pytest.raises(TypeError):
            a.intervals[1] = ()  # type: ignore[index]
        with pytest.raises(AttributeError):
            a.intervals = {}  # type: ignore[misc]

    def test_midnight_end_and_touching_intervals_allowed(self) -> None:
        hours = OpeningHours({0: ((T(0), T(12)), (T(12), T(0)))})
        assert hours.for_weekday(0) == ((T(0), T(12)), (T(12), T(0)))

    @pytest.mark.parametrize(
        ("intervals", "error", "message"),
        [
            ({0: ((T(9), T(8)),)}, ValueError, "before end"),
            ({0: ((T(9), T(9)),)}, ValueError, "before end"),
            ({0: ((T(8), T(12)), (T(11), T(13)))}, ValueError, "non-overlapping"),
            ({0: ((T(13), T(14)), (T(8), T(12)))}, ValueError, "sorted"),
            ({7: ((T(8), T(9)),)}, ValueError, "between 0"),
            ({-1: ((T(8), T(9)),)}, ValueError, "between 0"),
            ({True: ((T(8), T(9)),)}, TypeError, "weekday"),
            ({"0": ((T(8), T(9)),)}, TypeError, "weekday"),
            ({0: ((T(8, tzinfo=UTC), T(9)),)}, ValueError, "naive"),
            ({0: (("08:00", T(9)),)}, TypeError, "datetime.time"),
            ({0: ((T(8),),)}, TypeError, "pair"),
        ],
    )
    def test_validation(self, intervals: object, error: type[Exception], message: str) -> None:
        with pytest.raises(error, match=message):
            OpeningHours(intervals)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Holidays
# --------------------------------------------------------------------------


def test_holiday_categories() -> None:
    assert HOLIDAY_CATEGORIES == ("public", "de_facto")


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 1), "Nyårsdagen"),
        (date(2026, 1, 6), "Trettondedag jul"),
        (date(2026, 4, 3), "Långfredagen"),
        (date(2026, 4, 5), "Påskdagen"),
        (date(2026, 4, 6), "Annandag påsk"),
        (date(2011, 4, 22), "Långfredagen"),
        (date(2011, 4, 25), "Annandag påsk"),
        (date(2029, 3, 30), "Långfredagen"),
        (date(2029, 4, 2), "Annandag påsk"),
        (date(2026, 5, 1), "Första maj"),
        (date(2026, 5, 14), "Kristi himmelsfärdsdag"),
        (date(2011, 6, 2), "Kristi himmelsfärdsdag"),
        (date(2026, 5, 24), "Pingstdagen"),
        (date(2025, 6, 6), "Nationaldagen"),  # Friday
        (date(2029, 6, 6), "Nationaldagen"),  # Wednesday
        (date(2026, 6, 19), "Midsommarafton"),  # Friday, de-facto day off
        (date(2030, 6, 21), "Midsommarafton"),
        (date(2026, 6, 20), "Midsommardagen"),
        (date(2026, 10, 31), "Alla helgons dag"),
        (date(2026, 12, 24), "Julafton"),
        (date(2026, 12, 25), "Juldagen"),
        (date(2025, 12, 26), "Annandag jul"),  # Friday
        (date(2026, 12, 31), "Nyårsafton"),
        (date(2027, 1, 1), "Nyårsdagen"),
    ],
)
def test_holidays_with_swedish_names(day: date, name: str) -> None:
    assert STANDARD.is_holiday(day)
    assert STANDARD.holiday_name(day) == name
    assert not STANDARD.is_working_day(day)
    # Holidays close even a calendar that is open every day.
    assert not ALWAYS.is_working_day(day)
    assert ALWAYS.working_intervals(day) == []


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 5),  # Trettondagsafton (från kl. 14.00)
        date(2026, 4, 2),  # Skärtorsdagen (från kl. 14.00)
        date(2026, 4, 30),  # Valborgsmässoafton (från kl. 14.00)
        date(2026, 5, 13),  # Dag före Kristi himmelsfärdsdag (från kl. 14.00)
        date(2026, 5, 15),  # "Klämdag" in the optional category
        date(2026, 5, 22),  # Dag före Pingstafton (från kl. 14.00)
        date(2026, 5, 25),  # Annandag pingst: abolished as a holiday in 2005
        date(2026, 6, 18),  # Dag före Midsommarafton (från kl. 14.00)
        date(2026, 10, 30),  # Allahelgonsafton (från kl. 14.00)
        date(2026, 12, 23),  # Dag före Julafton (från kl. 14.00)
        date(2026, 12, 30),  # Dag före Nyårsafton (från kl. 14.00)
        date(2026, 6, 5),  # ordinary Friday before a Saturday Nationaldagen
    ],
)
def test_half_days_and_eves_are_working_days(day: date) -> None:
    assert not STANDARD.is_holiday(day)
    assert STANDARD.holiday_name(day) is None
    assert STANDARD.is_working_day(day)
    assert STANDARD.working_intervals(day) == [(L(day.year, day.month, day.day, 8), L(day.year, day.month, day.day, 16, 30))]


def test_saturday_eves_are_not_holidays() -> None:
    # Påskafton and Pingstafton are not days off by law; they matter only for
    # calendars that are open on Saturdays.
    for day in (date(2026, 4, 4), date(2026, 5, 23)):
        assert not STANDARD.is_holiday(day)
        assert not STANDARD.is_working_day(day)  # a Saturday
        assert ALWAYS.is_working_day(day)


def test_weekends() -> None:
    assert STANDARD.is_working_day(date(2026, 3, 13))  # Friday
    assert not STANDARD.is_working_day(date(2026, 3, 14))  # Saturday
    assert not STANDARD.is_working_day(date(2026, 3, 15))  # Sunday
    assert STANDARD.is_working_day(date(2026, 3, 16))  # Monday
    # Ordinary Sundays are not listed as holidays.
    assert not STANDARD.is_holiday(date(2026, 3, 15))
    assert ALWAYS.is_working_day(date(2026, 3, 15))
    assert STANDARD.working_intervals(date(2026, 3, 14)) == []


def test_holiday_set_per_year() -> None:
    for year in range(2011, 2031):
        days = swedish_holidays(year)
        assert len(days) in (15, 16)  # 15 only if two holidays coincide (e.g. 2008)
        assert all(day.year == year for day in days)
        assert date(year, 12, 24) in days
        assert date(year, 12, 31) in days
        assert not any("14.00" in name for name in days.values())
    assert swedish_holidays(2026) is swedish_holidays(2026)  # cached
    assert STANDARD.holidays_in_year(2026) == swedish_holidays(2026)


def test_working_days_in_2026() -> None:
    # 2026 starts on a Thursday and has 365 days: 52 weeks + one Thursday,
    # i.e. 261 weekdays. Weekday holidays: Jan 1, Jan 6, Apr 3, Apr 6, May 1,
    # May 14, Jun 19, Dec 24, Dec 25, Dec 31 = 10. So 251 working days.
    assert STANDARD.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 251
    # ... and 251 * 8.5 h of working time.
    assert STANDARD.working_time_between(L(2026, 1, 1), L(2027, 1, 1)) == H(251 * 8.5)


def test_extra_closed_days() -> None:
    calendar = SwedishBusinessCalendar(extra_closed_days=frozenset({date(2026, 3, 12)}))
    assert not calendar.is_working_day(date(2026, 3, 12))
    assert not calendar.is_holiday(date(2026, 3, 12))
    assert calendar.working_intervals(date(2026, 3, 12)) == []
    # Wed 2026-03-11 16:00: 0.5 h until closing; Thu closed; Fri 08:00 + 0.5 h.
    assert calendar.add_working_time(L(2026, 3, 11, 16), H(1)) == L(2026, 3, 13, 8, 30)
    assert calendar.working_time_between(L(2026, 3, 11), L(2026, 3, 14)) == H(17)
    assert calendar.add_working_days(date(2026, 3, 11), 1) == date(2026, 3, 13)
    assert calendar.working_days_between(date(2026, 3, 11), date(2026, 3, 13)) == 1
    assert calendar.extra_closed_days == frozenset({date(2026, 3, 12)})


def test_date_arguments_reject_datetimes() -> None:
    with pytest.raises(TypeError, match="not a datetime"):
        STANDARD.is_working_day(L(2026, 3, 12))
    with pytest.raises(TypeError):
        STANDARD.is_holiday("2026-03-12")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        SwedishBusinessCalendar(extra_closed_days=[L(2026, 3, 12)])
    with pytest.raises(TypeError):
        SwedishBusinessCalendar(opening_hours={0: ()})  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Working intervals and DST
# --------------------------------------------------------------------------


def test_working_intervals_standard_day() -> None:
    intervals = STANDARD.working_intervals(date(2026, 3, 12))
    assert intervals == [(L(2026, 3, 12, 8), L(2026, 3, 12, 16, 30))]
    start, end = intervals[0]
    assert start.tzinfo is STOCKHOLM
    assert end.tzinfo is STOCKHOLM
    assert LUNCH.working_intervals(date(2026, 3, 12)) == [
        (L(2026, 3, 12, 8), L(2026, 3, 12, 12)),
        (L(2026, 3, 12, 13), L(2026, 3, 12, 16, 30)),
    ]


def test_dst_days_around_the_clock() -> None:
    # Spring forward 2026-03-29 (02:00 CET -> 03:00 CEST): the day lasts 23 h.
    assert ALWAYS.working_time_between(L(2026, 3, 29), L(2026, 3, 30)) == H(23)
    # Fall back 2026-10-25 (03:00 CEST -> 02:00 CET): the day lasts 25 h.
    assert ALWAYS.working_time_between(L(2026, 10, 25), L(2026, 10, 26)) == H(25)
    # Ordinary day: 24 h.
    assert ALWAYS.working_time_between(L(2026, 3, 28), L(2026, 3, 29)) == H(24)
    # One whole week containing the spring change: 7 * 24 - 1.
    assert ALWAYS.working_time_between(L(2026, 3, 23), L(2026, 3, 30)) == H(167)

    assert ALWAYS.add_working_time(L(2026, 3, 29), H(23)) == L(2026, 3, 30)
    assert ALWAYS.add_working_time(L(2026, 10, 25), H(25)) == L(2026, 10, 26)
    # 00:00 CET = 23:00 UTC; + 12 h = 11:00 UTC = 13:00 CEST.
    assert ALWAYS.add_working_time(L(2026, 3, 29), H(12)) == L(2026, 3, 29, 13)
    # 00:00 CEST = 22:00 UTC (previous day); + 12 h = 10:00 UTC = 11:00 CET.
    assert ALWAYS.add_working_time(L(2026, 10, 25), H(12)) == L(2026, 10, 25, 11)

    (interval,) = ALWAYS.working_intervals(date(2026, 10, 25))
    assert utc(interval[1]) - utc(interval[0]) == H(25)


def test_dst_days_almost_around_the_clock() -> None:
    assert ALMOST_ALWAYS.working_time_between(L(2026, 3, 29), L(2026, 3, 30)) == H(23) - timedelta(minutes=1)
    assert ALMOST_ALWAYS.working_time_between(L(2026, 10, 25), L(2026, 10, 26)) == H(25) - timedelta(minutes=1)
    assert ALMOST_ALWAYS.working_time_between(L(2026, 6, 10), L(2026, 6, 11)) == H(24) - timedelta(minutes=1)
    # Elapsed time from 00:00 to 23:59 on the spring day is 22:59; the
    # remaining minute is counted from the next day's opening at 00:00.
    assert ALMOST_ALWAYS.add_working_time(L(2026, 3, 29), H(23)) == L(2026, 3, 30, 0, 1)


def test_result_inside_repeated_hour_has_correct_fold() -> None:
    # 2026-10-25 00:00 CEST = 2026-10-24 22:00 UTC.
    first = ALWAYS.add_working_time(L(2026, 10, 25), H(2.5))  # 00:30 UTC
    second = ALWAYS.add_working_time(L(2026, 10, 25), H(3.5))  # 01:30 UTC
    assert utc(first) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert utc(second) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    # Both read 02:30 on the wall clock, first in CEST then in CET.
    assert (first.hour, first.minute, first.utcoffset()) == (2, 30, H(2))
    assert (second.hour, second.minute, second.utcoffset()) == (2, 30, H(1))
    assert second.fold == 1
    assert ALWAYS.working_time_between(first, second) == H(1)
    # Inputs inside the repeated hour are honoured via their fold.
    assert ALWAYS.working_time_between(L(2026, 10, 25, 2, 30), L(2026, 10, 25, 2, 30, fold=1)) == H(1)
    assert ALWAYS.working_time_between(L(2026, 10, 25, 2, 30, fold=1), L(2026, 10, 25, 2, 45)) == -H(0.75)


def test_opening_times_inside_skipped_hour_are_normalised() -> None:
    def sunday_only(*intervals: tuple[time, time]) -> SwedishBusinessCalendar:
        return SwedishBusinessCalendar(OpeningHours({6: intervals}))

    # Opening at 02:30 on the spring-forward day: the clock jumps from 02:00
    # to 03:00, so the office is effectively open 03:00-04:00 CEST (1 h).
    calendar = sunday_only((T(2, 30), T(4)))
    assert calendar.working_intervals(date(2026, 3, 29)) == [(L(2026, 3, 29, 3), L(2026, 3, 29, 4))]
    assert calendar.working_time_between(L(2026, 3, 29), L(2026, 3, 30)) == H(1)
    assert calendar.working_time_between(L(2026, 3, 22), L(2026, 3, 23)) == H(1.5)

    # Closing at 02:30: open from 01:30 CET until the jump (= 03:00 CEST).
    calendar = sunday_only((T(1, 30), T(2, 30)))
    assert calendar.working_intervals(date(2026, 3, 29)) == [(L(2026, 3, 29, 1, 30), L(2026, 3, 29, 3))]
    assert calendar.working_time_between(L(2026, 3, 29), L(2026, 3, 30)) == H(0.5)
    assert calendar.add_working_time(L(2026, 3, 29), H(0.5)) == L(2026, 3, 29, 3)

    # Entirely inside the skipped hour: no working time that day at all;
    # counting continues on the next working Sunday. 2026-04-05 is
    # Påskdagen (a holiday), so that is 2026-04-12.
    calendar = sunday_only((T(2, 15), T(2, 45)))
    assert calendar.is_working_day(date(2026, 3, 29))
    assert calendar.working_intervals(date(2026, 3, 29)) == []
    assert calendar.add_working_time(L(2026, 3, 29), H(0.25)) == L(2026, 4, 12, 2, 30)
    assert calendar.add_working_time(L(2026, 3, 22), H(0.25)) == L(2026, 3, 22, 2, 30)

    # Two intervals on both sides of the gap touch after normalisation and
    # are merged: 01:30 CET .. 03:00 CEST .. 04:00 CEST = 1.5 h elapsed.
    calendar = sunday_only((T(1, 30), T(2, 30)), (T(2, 45), T(4)))
    assert calendar.working_intervals(date(2026, 3, 29)) == [(L(2026, 3, 29, 1, 30), L(2026, 3, 29, 4))]
    assert calendar.working_time_between(L(2026, 3, 29), L(2026, 3, 30)) == H(1.5)


def test_opening_times_inside_repeated_hour() -> None:
    # Fall back 2026-10-25: 02:00-03:00 happens twice. Bounds resolve to the
    # first occurrence, so 02:30-03:00 runs from 02:30 CEST (00:30 UTC) to
    # 03:00 CET (02:00 UTC) = 1.5 h of elapsed time.
    calendar = SwedishBusinessCalendar(OpeningHours({6: ((T(2, 30), T(3)),)}))
    assert calendar.working_time_between(L(2026, 10, 25), L(2026, 10, 26)) == H(1.5)
    # 01:00 CEST (23:00 UTC) to 04:00 CET (03:00 UTC) = 4 h.
    assert NIGHT.working_time_between(L(2026, 10, 25), L(2026, 10, 26)) == H(4)
    # Spring: 01:00 CET (00:00 UTC) to 04:00 CEST (02:00 UTC) = 2 h.
    assert NIGHT.working_time_between(L(2026, 3, 29), L(2026, 3, 30)) == H(2)
    assert NIGHT.working_time_between(L(2026, 3, 22), L(2026, 3, 23)) == H(3)


# --------------------------------------------------------------------------
# add_working_time / working_time_between with hand-computed values
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # Wed 2026-12-23 15:00 (Dag före julafton is a working day): 1.5 h
        # until 16:30, 14.5 h left. Thu 24 (julafton), Fri 25 (juldagen),
        # Sat 26, Sun 27 closed. Mon 28: 8.5 h, 6 h left. Tue 29: 08:00 + 6 h.
        (L(2026, 12, 23, 15), H(16), L(2026, 12, 29, 14)),
        # Tue 2026-12-29 14:00: 2.5 h (27.5 left). Wed 30: 8.5 h (19 left).
        # Thu 31 (nyårsafton), Fri 2027-01-01 (nyårsdagen), Sat, Sun closed.
        # Mon Jan 4: 8.5 h (10.5 left). Tue Jan 5 (Trettondagsafton, a normal
        # working day): 8.5 h (2 left). Wed Jan 6 (Trettondedag jul) closed.
        # Thu Jan 7: 08:00 + 2 h.
        (L(2026, 12, 29, 14), H(30), L(2027, 1, 7, 10)),
        # Thu 2026-04-02 (Skärtorsdagen) 12:00: 4.5 h (5.5 left). Fri Apr 3
        # (Långfredagen) .. Mon Apr 6 (Annandag påsk) closed. Tue Apr 7:
        # 08:00 + 5.5 h.
        (L(2026, 4, 2, 12), H(10), L(2026, 4, 7, 13, 30)),
        # Thu 2011-04-21 16:00: 0.5 h. Fri 22 .. Mon 25 (Easter) closed.
        # Tue 26: 08:00 + 0.5 h.
        (L(2011, 4, 21, 16), H(1), L(2011, 4, 26, 8, 30)),
        # Wed 2026-05-13 16:00: 0.5 h. Thu May 14 Kristi himmelsfärd closed,
        # Fri May 15 ("klämdag") is a working day: 08:00 + 0.5 h.
        (L(2026, 5, 13, 16), H(1), L(2026, 5, 15, 8, 30)),
        # Thu 2026-06-18 (Dag före midsommarafton) 12:00: 4.5 h. Fri 19
        # midsommarafton closed, weekend. Mon 22: 08:00 + 0.5 h.
        (L(2026, 6, 18, 12), H(5), L(2026, 6, 22, 8, 30)),
        # Thu 2029-06-07 08:00 after Wed Nationaldagen; 1 h.
        (L(2029, 6, 5, 16), H(1), L(2029, 6, 7, 8, 30)),
        # Ending exactly at closing time returns the closing time.
        (L(2026, 3, 12, 8), H(8.5), L(2026, 3, 12, 16, 30)),
        # Start outside opening hours: before opening, after closing, weekend.
        (L(2026, 3, 12, 6), H(1), L(2026, 3, 12, 9)),
        (L(2026, 3, 12, 17), H(1), L(2026, 3, 13, 9)),
        (L(2026, 3, 13, 20), H(0.5), L(2026, 3, 16, 8, 30)),
        (L(2026, 3, 14, 10), H(1), L(2026, 3, 16, 9)),
        # Ten full working days from Tue 2026-12-01 08:00 (85 h): Dec 1-4,
        # Dec 7-11, Dec 14 -> end of Mon Dec 14.
        (L(2026, 12, 1, 8), H(85), L(2026, 12, 14, 16, 30)),
        # Across the spring DST change with office hours: Fri 2026-03-27
        # 16:00 + 1 h -> Mon 2026-03-30 08:30 (CEST).
        (L(2026, 3, 27, 16), H(1), L(2026, 3, 30, 8, 30)),
    ],
)
def test_add_working_time_standard(start: datetime, duration: timedelta, expected: datetime) -> None:
    result = STANDARD.add_working_time(start, duration)
    assert utc(result) == utc(expected)
    assert result.tzinfo is STOCKHOLM
    assert STANDARD.working_time_between(start, result) == duration


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # Mon 2026-03-16 09:00: 3 h until lunch, then 13:00 + 1 h.
        (L(2026, 3, 16, 9), H(4), L(2026, 3, 16, 14)),
        # Exactly to the lunch break: the closing instant 12:00, not 13:00.
        (L(2026, 3, 16, 9), H(3), L(2026, 3, 16, 12)),
        # Starting during lunch: counting begins at 13:00.
        (L(2026, 3, 16, 12, 30), H(1), L(2026, 3, 16, 14)),
        # 16:00 + 1 h: 0.5 h today, 0.5 h tomorrow morning.
        (L(2026, 3, 16, 16), H(1), L(2026, 3, 17, 8, 30)),
        # Full day is 7.5 h: 11:00 Mon + 8 h = 1 h (Mon AM) + 3.5 h (Mon PM)
        # + 3.5 h (Tue until 11:30).
        (L(2026, 3, 16, 11), H(8), L(2026, 3, 17, 11, 30)),
    ],
)
def test_add_working_time_lunch(start: datetime, duration: timedelta, expected: datetime) -> None:
    result = LUNCH.add_working_time(start, duration)
    assert utc(result) == utc(expected)
    assert LUNCH.working_time_between(start, result) == duration


def test_working_time_between_basics() -> None:
    assert LUNCH.working_time_between(L(2026, 3, 16, 11), L(2026, 3, 16, 14)) == H(2)
    assert LUNCH.working_time_between(L(2026, 3, 16, 14), L(2026, 3, 16, 11)) == -H(2)
    assert STANDARD.working_time_between(L(2026, 3, 14), L(2026, 3, 15, 23)) == timedelta(0)
    assert STANDARD.working_time_between(L(2026, 3, 12, 10), L(2026, 3, 12, 10)) == timedelta(0)
    # 2026-12-23 15:00 .. 2026-12-29 14:00: 1.5 + 8.5 + 6 h.
    assert STANDARD.working_time_between(L(2026, 12, 23, 15), L(2026, 12, 29, 14)) == H(16)
    # Whole Easter week 2026 (Mon Mar 30 .. Mon Apr 6 inclusive): 4 days.
    assert STANDARD.working_time_between(L(2026, 3, 30), L(2026, 4, 7)) == H(4 * 8.5)


def test_other_time_zones_in_stockholm_out() -> None:
    start = datetime(2026, 3, 12, 7, 0, tzinfo=UTC)  # 08:00 CET
    result = STANDARD.add_working_time(start, H(1))
    assert result == L(2026, 3, 12, 9)
    assert result.tzinfo is STOCKHOLM
    new_york = datetime(2026, 3, 12, 3, 0, tzinfo=ZoneInfo("America/New_York"))  # 08:00 CET
    assert STANDARD.working_time_between(new_york, L(2026, 3, 12, 10)) == H(2)
    fixed = datetime(2026, 3, 12, 12, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))  # 08:00 CET
    assert STANDARD.add_working_time(fixed, H(8.5)) == L(2026, 3, 12, 16, 30)


def test_zero_duration_returns_start_even_when_closed() -> None:
    saturday = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    result = STANDARD.add_working_time(saturday, timedelta(0))
    assert result == saturday
    assert result.tzinfo is STOCKHOLM


def test_errors() -> None:
    naive = datetime(2026, 3, 12, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        STANDARD.add_working_time(naive, H(1))
    with pytest.raises(ValueError, match="timezone-aware"):
        STANDARD.working_time_between(naive, L(2026, 3, 12))
    with pytest.raises(ValueError, match="timezone-aware"):
        STANDARD.working_time_between(L(2026, 3, 12), naive)
    with pytest.raises(ValueError, match="negative"):
        STANDARD.add_working_time(L(2026, 3, 12), -timedelta(microseconds=1))
    with pytest.raises(TypeError):
        STANDARD.add_working_time(L(2026, 3, 12), 3600)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        STANDARD.add_working_time(date(2026, 3, 12), H(1))  # type: ignore[arg-type]

    closed = SwedishBusinessCalendar(OpeningHours({}))
    with pytest.raises(ValueError, match="no working time"):
        closed.add_working_time(L(2026, 3, 12), H(1))
    with pytest.raises(ValueError, match="no working time"):
        closed.add_working_days(date(2026, 3, 12), 1)
    assert closed.working_time_between(L(2026, 3, 12), L(2026, 4, 12)) == timedelta(0)
    assert closed.working_days_between(date(2026, 3, 12), date(2026, 4, 12)) == 0


def test_guard_against_endless_search() -> None:
    # Open on Mondays only, but every Monday for more than ten years closed.
    mondays = frozenset(date(2026, 3, 16) + timedelta(weeks=i) for i in range(600))
    calendar = SwedishBusinessCalendar(OpeningHours({0: ((T(8), T(9)),)}), extra_closed_days=mondays)
    with pytest.raises(ValueError, match="no working time found"):
        calendar.add_working_time(L(2026, 3, 12), H(1))
    with pytest.raises(ValueError, match="no working time found"):
        calendar.add_working_days(date(2026, 3, 12), 1)


def test_long_duration_is_fast() -> None:
    # 2000 h is roughly a year of office time; must not iterate per minute.
    calendar = SwedishBusinessCalendar()
    result = calendar.add_working_time(L(2026, 1, 1), H(2133.5))
    # 2133.5 h = all 251 working days of 2026 (see test_working_days_in_2026).
    assert result == L(2026, 12, 30, 16, 30)


# --------------------------------------------------------------------------
# Working days
# --------------------------------------------------------------------------


def test_add_working_days() -> None:
    assert STANDARD.add_working_days(date(2026, 12, 23), 0) == date(2026, 12, 23)
    assert STANDARD.add_working_days(date(2026, 12, 24), 0) == date(2026, 12, 28)
    assert STANDARD.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 28)
    # Dec 28, 29, 30, Jan 4, Jan 5, Jan 7.
    assert STANDARD.add_working_days(date(2026, 12, 23), 6) == date(2027, 1, 7)
    assert STANDARD.add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    assert STANDARD.add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 16)
    assert STANDARD.next_working_day(date(2026, 6, 18)) == date(2026, 6, 22)
    assert STANDARD.next_working_day(date(2026, 6, 17)) == date(2026, 6, 18)
    assert STANDARD.next_working_day(date(2011, 4, 21)) == date(2011, 4, 26)
    with pytest.raises(ValueError, match=">= 0"):
        STANDARD.add_working_days(date(2026, 3, 12), -1)
    with pytest.raises(TypeError):
        STANDARD.add_working_days(date(2026, 3, 12), 1.0)  # type: ignore[arg-type]


def test_working_days_between() -> None:
    assert STANDARD.working_days_between(date(2026, 12, 23), date(2026, 12, 28)) == 1
    assert STANDARD.working_days_between(date(2026, 12, 24), date(2026, 12, 27)) == 0
    assert STANDARD.working_days_between(date(2026, 12, 23), date(2027, 1, 7)) == 6
    assert STANDARD.working_days_between(date(2027, 1, 7), date(2026, 12, 23)) == -6
    assert STANDARD.working_days_between(date(2026, 3, 12), date(2026, 3, 12)) == 0
    # (Fri, Mon]: only the Monday counts.
    assert STANDARD.working_days_between(date(2026, 3, 13), date(2026, 3, 16)) == 1


# --------------------------------------------------------------------------
# Property-based tests
# --------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ZONES = [STOCKHOLM, UTC, ZoneInfo("America/New_York"), timezone(timedelta(hours=5, minutes=30))]


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


#: All DST change days 2011-2035 (last Sundays of March and October).
DST_DAYS = [_last_sunday(year, month) for year in range(2011, 2036) for month in (3, 10)]
assert date(2026, 3, 29) in DST_DAYS
assert date(2026, 10, 25) in DST_DAYS

uniform_instants = st.datetimes(
    min_value=datetime(2011, 1, 1),
    max_value=datetime(2035, 12, 31, 23, 59),
    timezones=st.sampled_from(ZONES),
)


@st.composite
def near_dst_instants(draw: st.DrawFn) -> datetime:
    """Instants within two days of a DST change."""
    day = draw(st.sampled_from(DST_DAYS))
    offset = draw(st.timedeltas(min_value=-H(48), max_value=H(48)))
    base = datetime.combine(day, T(1), tzinfo=UTC)
    return (base + offset).astimezone(draw(st.sampled_from(ZONES)))


instants = st.one_of(uniform_instants, near_dst_instants())
durations = st.timedeltas(min_value=timedelta(0), max_value=H(400))
positive_durations = st.timedeltas(min_value=timedelta(microseconds=1), max_value=H(400))
calendars = st.sampled_from(ALL_CALENDARS)
dates = st.dates(min_value=date(2011, 1, 1), max_value=date(2035, 12, 31))


def _is_inside_or_at_end_of_interval(calendar: SwedishBusinessCalendar, instant: datetime) -> bool:
    local_day = instant.astimezone(STOCKHOLM).date()
    for day in (local_day - timedelta(days=1), local_day):
        if not calendar.is_working_day(day):
            continue
        for start, end in calendar.working_intervals(day):
            if utc(start) < utc(instant) <= utc(end):
                return True
    return False


@PROPERTY_SETTINGS
@given(calendar=calendars, start=instants, duration=durations)
def test_property_round_trip(calendar: SwedishBusinessCalendar, start: datetime, duration: timedelta) -> None:
    result = calendar.add_working_time(start, duration)
    assert result.tzinfo is STOCKHOLM
    assert utc(result) >= utc(start)
    assert calendar.working_time_between(start, result) == duration
    assert calendar.working_time_between(result, start) == -duration


@PROPERTY_SETTINGS
@given(calendar=calendars, start=instants, d1=durations, d2=durations)
def test_property_monotonic(calendar: SwedishBusinessCalendar, start: datetime, d1: timedelta, d2: timedelta) -> None:
    d1, d2 = sorted((d1, d2))
    assert utc(calendar.add_working_time(start, d1)) <= utc(calendar.add_working_time(start, d2))


@PROPERTY_SETTINGS
@given(calendar=calendars, start=instants, duration=positive_durations)
def test_property_result_inside_opening_interval(calendar: SwedishBusinessCalendar, start: datetime, duration: timedelta) -> None:
    result = calendar.add_working_time(start, duration)
    assert _is_inside_or_at_end_of_interval(calendar, result)


@PROPERTY_SETTINGS
@given(calendar=calendars, start=instants, duration=positive_durations)
def test_property_no_working_time_skipped_before_result(
    calendar: SwedishBusinessCalendar, start: datetime, duration: timedelta
) -> None:
    # Just before the result, strictly less working time has elapsed.
    result = calendar.add_working_time(start, duration)
    epsilon = min(duration, timedelta(seconds=1))
    before = calendar.add_working_time(start, duration - epsilon)
    assert calendar.working_time_between(before, result) == epsilon


@PROPERTY_SETTINGS
@given(calendar=calendars, a=instants, b=instants, c=instants)
def test_property_additive(calendar: SwedishBusinessCalendar, a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c), key=utc)
    ab = calendar.working_time_between(a, b)
    bc = calendar.working_time_between(b, c)
    assert ab >= timedelta(0)
    assert bc >= timedelta(0)
    assert ab + bc == calendar.working_time_between(a, c)
    assert calendar.working_time_between(c, a) == -(ab + bc)


def _oracle_working_time(calendar: SwedishBusinessCalendar, start: datetime, steps: int) -> timedelta:
    """Brute force: count the quarter hours [t, t+15min) that are open.

    A quarter hour counts if its local wall-clock start lies within an
    opening interval of a working day. Valid for schedules with quarter-hour
    bounds outside the DST hours.
    """
    quarter = timedelta(minutes=15)
    total = timedelta(0)
    for step in range(steps):
        local = (start + step * quarter).astimezone(STOCKHOLM)
        if not calendar.is_working_day(local.date()):
            continue
        wall = timedelta(hours=local.hour, minutes=local.minute)
        for opening, closing in calendar.opening_hours.for_weekday(local.weekday()):
            low = timedelta(hours=opening.hour, minutes=opening.minute)
            high = timedelta(hours=closing.hour, minutes=closing.minute) or timedelta(days=1)
            if low <= wall < high:
                total += quarter
                break
    return total


@settings(max_examples=150, deadline=None)
@given(
    calendar=st.sampled_from(ORACLE_CALENDARS),
    day=st.one_of(dates, st.sampled_from(DST_DAYS)),
    first_quarter=st.integers(min_value=-2 * 96, max_value=96),
    steps=st.integers(min_value=0, max_value=4 * 96),
)
def test_property_matches_brute_force(calendar: SwedishBusinessCalendar, day: date, first_quarter: int, steps: int) -> None:
    start = datetime.combine(day, T(0), tzinfo=UTC) + first_quarter * timedelta(minutes=15)
    end = start + steps * timedelta(minutes=15)
    assert calendar.working_time_between(start, end) == _oracle_working_time(calendar, start, steps)


@PROPERTY_SETTINGS
@given(calendar=calendars, day=dates, n=st.integers(min_value=0, max_value=300))
def test_property_working_days_consistency(calendar: SwedishBusinessCalendar, day: date, n: int) -> None:
    result = calendar.add_working_days(day, n)
    assert result >= day
    assert calendar.is_working_day(result)
    before = result - timedelta(days=1)
    if n == 0:
        expected = 0 if calendar.is_working_day(day) else 1
        assert calendar.working_days_between(day, result) == expected
        assert result == day or calendar.working_days_between(day, before) == 0
    else:
        assert calendar.working_days_between(day, result) == n
        assert calendar.working_days_between(day, before) == n - 1
        assert calendar.working_days_between(result, day) == -n
    assert calendar.next_working_day(day) == calendar.add_working_days(day, 1)


@PROPERTY_SETTINGS
@given(calendar=calendars, a=dates, b=dates, c=dates)
def test_property_working_days_additive(calendar: SwedishBusinessCalendar, a: date, b: date, c: date) -> None:
    a, b, c = sorted((a, b, c))
    total = calendar.working_days_between(a, b) + calendar.working_days_between(b, c)
    assert total == calendar.working_days_between(a, c)
    expected = (
        sum(calendar.is_working_day(a + timedelta(days=i)) for i in range(1, (c - a).days + 1)) if (c - a).days < 400 else total
    )
    assert total == expected


def _day_by_day(calendar: SwedishBusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """The plain definition: every local day's opening intervals from a's day to b's, clipped to [a, b)
    (compared in UTC: aware datetimes of one zone compare by wall time in Python)."""
    total = timedelta(0)
    day, last = a.astimezone(STOCKHOLM).date(), b.astimezone(STOCKHOLM).date()
    while day <= last:
        for start, end in calendar.working_intervals(day):
            low, high = max(utc(start), utc(a)), min(utc(end), utc(b))
            if high > low:
                total += high - low
        day += timedelta(days=1)
    return total


@PROPERTY_SETTINGS
@given(calendar=calendars, a=instants, b=instants)
def test_property_long_spans_equal_the_day_by_day_sum(calendar: SwedishBusinessCalendar, a: datetime, b: datetime) -> None:
    """Spans over many days are summed from yearly tables; they must equal the plain day-by-day sum."""
    a, b = sorted((a, b), key=utc)
    assert calendar.working_time_between(a, b) == _day_by_day(calendar, a, b)


def test_span_of_ten_years_across_year_ends_and_dst() -> None:
    a = datetime(2016, 12, 30, 15, 0, tzinfo=STOCKHOLM)
    b = datetime(2026, 11, 23, 9, 30, tzinfo=STOCKHOLM)
    assert STANDARD.working_time_between(a, b) == _day_by_day(STANDARD, a, b)
    assert LUNCH.working_time_between(a, b) == _day_by_day(LUNCH, a, b)
    assert ODD.working_time_between(a, b) == _day_by_day(ODD, a, b)
