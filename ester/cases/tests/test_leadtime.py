"""Tests for ester.cases.leadtime (pure Python, no Django needed).

Run with: ``python -m pytest ester/cases/tests/test_leadtime.py -p no:django``.

``L(...)`` builds an aware Europe/Stockholm datetime, ``H(x)`` is
``timedelta(hours=x)``. Instants are compared in UTC: aware datetimes sharing
a tzinfo compare by wall clock, which is wrong inside the repeated DST hour.
The standard calendar is open Monday-Friday 08:00-16:30 (8.5 h a day).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ester.cases.leadtime import ClockState, LeadTimePolicy, Pause, clock_state, due_at, elapsed
from ester.core.businesscalendar import STOCKHOLM, OpeningHours, SwedishBusinessCalendar


def L(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0) -> datetime:
    """Aware Europe/Stockholm datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM, fold=fold)


def H(hours: float) -> timedelta:
    return timedelta(hours=hours)


def utc(value: datetime | None) -> datetime:
    assert value is not None
    return value.astimezone(UTC)


STANDARD = SwedishBusinessCalendar()
#: Mon-Fri 08:00-12:00 and 13:00-16:30 (closed for lunch).
LUNCH = SwedishBusinessCalendar(OpeningHours({wd: ((time(8), time(12)), (time(13), time(16, 30))) for wd in range(5)}))
#: Open around the clock every day (holidays are still closed).
ALWAYS = SwedishBusinessCalendar(OpeningHours({wd: ((time(0), time(0)),) for wd in range(7)}))


# --------------------------------------------------------------------------
# Value objects
# --------------------------------------------------------------------------


def test_policy_defaults_and_validation() -> None:
    policy = LeadTimePolicy(first_response=H(8), resolution=H(40))
    assert policy.warn_before == H(4)
    assert LeadTimePolicy(first_response=None, resolution=H(1)).first_response is None
    with pytest.raises(ValueError, match="resolution"):
        LeadTimePolicy(first_response=None, resolution=H(-1))
    with pytest.raises(ValueError, match="first_response"):
        LeadTimePolicy(first_response=H(-1), resolution=H(1))
    with pytest.raises(ValueError, match="warn_before"):
        LeadTimePolicy(first_response=None, resolution=H(1), warn_before=H(-1))


def test_pause_validation() -> None:
    assert Pause(L(2026, 3, 16, 9)).is_open
    assert not Pause(L(2026, 3, 16, 9), L(2026, 3, 16, 9)).is_open  # empty pauses are allowed
    with pytest.raises(ValueError, match="before"):
        Pause(L(2026, 3, 16, 10), L(2026, 3, 16, 9))
    with pytest.raises(ValueError, match="naive"):
        Pause(datetime(2026, 3, 16, 9))
    with pytest.raises(ValueError, match="naive"):
        Pause(L(2026, 3, 16, 9), datetime(2026, 3, 16, 10))
    with pytest.raises(TypeError):
        Pause(date(2026, 3, 16))  # type: ignore[arg-type]


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2026, 3, 16, 9)
    aware = L(2026, 3, 16, 9)
    with pytest.raises(ValueError, match="received_at"):
        due_at(STANDARD, naive, H(1), [])
    with pytest.raises(ValueError, match="received_at"):
        elapsed(STANDARD, naive, aware, [])
    with pytest.raises(ValueError, match="now"):
        elapsed(STANDARD, aware, naive, [])
    with pytest.raises(ValueError, match="now"):
        clock_state(STANDARD, aware, H(1), H(0), [], naive)
    with pytest.raises(ValueError, match="completed_at"):
        clock_state(STANDARD, aware, H(1), H(0), [], aware, completed_at=naive)
    with pytest.raises(ValueError, match="duration"):
        due_at(STANDARD, aware, H(-1), [])
    with pytest.raises(ValueError, match="before received_at"):
        clock_state(STANDARD, aware, H(1), H(0), [], aware, completed_at=aware - H(1))
    with pytest.raises(TypeError, match="Pause"):
        due_at(STANDARD, aware, H(1), [(aware, aware)])  # type: ignore[list-item]


# --------------------------------------------------------------------------
# Hard dates
# --------------------------------------------------------------------------


def test_easter_without_pauses() -> None:
    # Received skärtorsdag Thursday 2026-04-02 15:00 (a working day), 8 h:
    #   Thu 02 15:00-16:30   1.5 h   (total 1.5 h)
    #   Fri 03 Långfredagen, Sat 04, Sun 05 Påskdagen, Mon 06 Annandag påsk: closed
    #   Tue 07 08:00-14:30   6.5 h   (total 8 h)
    received = L(2026, 4, 2, 15)
    assert [STANDARD.is_working_day(date(2026, 4, d)) for d in range(2, 8)] == [True, False, False, False, False, True]
    due = due_at(STANDARD, received, H(8), [])
    assert due == L(2026, 4, 7, 14, 30)
    assert due is not None and due.tzinfo is STOCKHOLM
    assert due == STANDARD.add_working_time(received, H(8))
    assert elapsed(STANDARD, received, due, []) == H(8)
    # Pausing over the holidays only changes nothing.
    assert due_at(STANDARD, received, H(8), [Pause(L(2026, 4, 2, 16, 30), L(2026, 4, 7, 8))]) == due


def test_midsommar_pause_shifts_due_by_the_working_time_inside_it() -> None:
    # Received Tuesday 2026-06-16 09:00 with 24 h. Without a pause:
    #   Tue 16 09:00-16:30 7.5 h, Wed 17 8.5 h (16 h), Thu 18 08:00-16:00 8 h -> Thu 16:00.
    received = L(2026, 6, 16, 9)
    assert due_at(STANDARD, received, H(24), []) == L(2026, 6, 18, 16)
    # Paused Thursday 12:00 (dag före midsommarafton, a working day) until
    # Tuesday 2026-06-23 10:00. Working time inside the pause:
    #   Thu 18 12:00-16:30 4.5 h, Fri 19 midsommarafton and Sat 20
    #   midsommardagen closed, Sun 21 closed, Mon 22 8.5 h, Tue 23 08:00-10:00 2 h
    #   = 15 h.
    pause = Pause(L(2026, 6, 18, 12), L(2026, 6, 23, 10))
    inside = STANDARD.working_time_between(L(2026, 6, 18, 12), L(2026, 6, 23, 10))
    assert inside == H(15)
    # 20 h are used up by Thu 12:00; the last 4 h run Tue 23 10:00-14:00.
    due = due_at(STANDARD, received, H(24), [pause])
    assert due == L(2026, 6, 23, 14)
    assert STANDARD.working_time_between(L(2026, 6, 18, 16), due) == inside
    assert elapsed(STANDARD, received, due, [pause]) == H(24)


def test_pause_over_julafton_and_nyarsafton() -> None:
    # Received Monday 2026-12-21 08:00 with 24 h; 8.5 + 8.5 + 4 = 21 h by Wed 23 12:00.
    received = L(2026, 12, 21, 8)
    assert due_at(STANDARD, received, H(24), []) == L(2026, 12, 23, 15)
    # Paused Wed 23 12:00 .. Mon 2027-01-04 10:00. Julafton (Thu 24), juldagen
    # (Fri 25), nyårsafton (Thu 31) and nyårsdagen (Fri 01) are closed; the
    # pause holds 4.5 (Wed 23) + 3 * 8.5 (Mon 28 - Wed 30) + 2 (Mon 04) = 32 h.
    pause = Pause(L(2026, 12, 23, 12), L(2027, 1, 4, 10))
    assert STANDARD.working_time_between(pause.start, L(2027, 1, 4, 10)) == H(32)
    assert due_at(STANDARD, received, H(24), [pause]) == L(2027, 1, 4, 13)
    # Without the pause, 3 h are left after Wed 23 12:00 -> Wed 15:00; a
    # pause only over the closed days between Christmas and New Year changes
    # nothing for a case that is due later.
    holidays_only = [Pause(L(2026, 12, 23, 16, 30), L(2026, 12, 28, 8)), Pause(L(2026, 12, 30, 16, 30), L(2027, 1, 4, 8))]
    assert due_at(STANDARD, received, H(60), holidays_only) == due_at(STANDARD, received, H(60), [])
    # 60 h: 21 h by Wed 23 12:00, +4.5 (Wed) +25.5 (Mon 28 - Wed 30) = 51 h, + 8.5 Jan 4 = 59.5, Jan 5 08:30.
    assert due_at(STANDARD, received, H(60), []) == L(2027, 1, 5, 8, 30)


def test_dst_spring_forward_with_24_hour_calendar() -> None:
    # Sunday 2026-03-29 has 23 hours. 24 h after Saturday 12:00 CET is Sunday 13:00 CEST.
    received = L(2026, 3, 28, 12)
    assert due_at(ALWAYS, received, H(24), []) == L(2026, 3, 29, 13)
    # A pause Sunday 00:00-04:00 (wall clock) lasts 3 physical hours.
    pause = Pause(L(2026, 3, 29, 0), L(2026, 3, 29, 4))
    assert elapsed(ALWAYS, received, L(2026, 3, 29, 4), [pause]) == H(12)
    assert due_at(ALWAYS, received, H(24), [pause]) == L(2026, 3, 29, 16)


def test_dst_fall_back_with_24_hour_calendar() -> None:
    # Sunday 2026-10-25 has 25 hours. 24 h after Saturday 12:00 CEST is Sunday 11:00 CET.
    received = L(2026, 10, 24, 12)
    assert due_at(ALWAYS, received, H(24), []) == L(2026, 10, 25, 11)
    # A pause Sunday 00:00-04:00 (wall clock) lasts 5 physical hours.
    pause = Pause(L(2026, 10, 25, 0), L(2026, 10, 25, 4))
    assert due_at(ALWAYS, received, H(24), [pause]) == L(2026, 10, 25, 16)
    # A due instant inside the repeated hour has the right fold: 14 h after
    # Saturday 12:00 CEST is 02:00 CEST (first occurrence), 15 h is 02:00 CET.
    first = due_at(ALWAYS, received, H(14), [])
    second = due_at(ALWAYS, received, H(15), [])
    assert utc(first) == datetime(2026, 10, 25, 0, tzinfo=UTC)
    assert utc(second) == datetime(2026, 10, 25, 1, tzinfo=UTC)
    assert utc(second) - utc(first) == H(1)
    # Due 02:30 CEST (first pass through the hour); at 02:15 CET (second pass,
    # fold=1) the wall clock shows an earlier time, but the case is breached.
    due = due_at(ALWAYS, received, H(14.5), [])
    assert due == L(2026, 10, 25, 2, 30) and utc(due) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    state = clock_state(ALWAYS, received, H(14.5), H(1), [], L(2026, 10, 25, 2, 15, fold=1))
    assert state.status == "breached"
    assert state.remaining == H(-0.75)


def test_received_outside_opening_hours() -> None:
    # Saturday: counting starts Monday 08:00.
    assert due_at(STANDARD, L(2026, 3, 14, 10), H(2), []) == L(2026, 3, 16, 10)
    # Monday 06:00 with a pause 07:00-09:00: only 08:00-09:00 is paused working time.
    pauses = [Pause(L(2026, 3, 16, 7), L(2026, 3, 16, 9))]
    assert due_at(STANDARD, L(2026, 3, 16, 6), H(2), pauses) == L(2026, 3, 16, 11)
    # Friday evening, due the next week.
    assert due_at(STANDARD, L(2026, 3, 13, 20), H(9), []) == L(2026, 3, 17, 8, 30)


def test_pause_before_received_is_clipped() -> None:
    received = L(2026, 3, 16, 10)
    assert due_at(STANDARD, received, H(2), [Pause(L(2026, 3, 16, 9), L(2026, 3, 16, 11))]) == L(2026, 3, 16, 13)
    # Entirely before: no effect.
    assert due_at(STANDARD, received, H(2), [Pause(L(2026, 3, 13, 9), L(2026, 3, 16, 10))]) == L(2026, 3, 16, 12)


def test_overlapping_nested_and_touching_pauses() -> None:
    received = L(2026, 3, 16, 8)
    single = [Pause(L(2026, 3, 16, 9), L(2026, 3, 16, 12))]
    messy = [
        Pause(L(2026, 3, 16, 10), L(2026, 3, 16, 11)),  # nested
        Pause(L(2026, 3, 16, 9), L(2026, 3, 16, 11)),
        Pause(L(2026, 3, 16, 10, 30), L(2026, 3, 16, 12)),  # overlapping
        Pause(L(2026, 3, 16, 9), L(2026, 3, 16, 11)),  # duplicate
        Pause(L(2026, 3, 16, 9, 30), L(2026, 3, 16, 9, 30)),  # empty
    ]
    touching = [Pause(L(2026, 3, 16, 9), L(2026, 3, 16, 10)), Pause(L(2026, 3, 16, 10), L(2026, 3, 16, 12))]
    expected = L(2026, 3, 16, 13)  # 1 h before the pause (08-09), 1 h after it (12-13)
    for pauses in (single, messy, touching):
        assert due_at(STANDARD, received, H(2), pauses) == expected
        assert elapsed(STANDARD, received, expected, pauses) == H(2)
        assert elapsed(STANDARD, received, L(2026, 3, 16, 11), pauses) == H(1)


def test_lead_time_running_out_exactly_at_pause_or_closing() -> None:
    received = L(2026, 3, 16, 8)
    pause = Pause(L(2026, 3, 16, 10), L(2026, 3, 17, 10))
    # The 2 h are used up when the pause begins: due then, not after it.
    assert due_at(STANDARD, received, H(2), [pause]) == L(2026, 3, 16, 10)
    # Running out at closing time gives the closing instant.
    assert due_at(STANDARD, received, H(8.5), []) == L(2026, 3, 16, 16, 30)
    # Zero duration: due on receipt.
    assert due_at(STANDARD, L(2026, 3, 14, 10), timedelta(0), []) == L(2026, 3, 14, 10)


def test_other_time_zones_in_stockholm_out() -> None:
    received = datetime(2026, 3, 16, 7, tzinfo=UTC)  # 08:00 CET
    pause = Pause(datetime(2026, 3, 16, 4, tzinfo=ZoneInfo("America/New_York")), None)  # 09:00 CET
    assert due_at(STANDARD, received, H(1), [pause]) == L(2026, 3, 16, 9)
    due = due_at(STANDARD, received, H(2), [Pause(pause.start, datetime(2026, 3, 16, 9, tzinfo=UTC))])
    assert due == L(2026, 3, 16, 11)
    assert due is not None and due.tzinfo is STOCKHOLM


# --------------------------------------------------------------------------
# Open pauses and elapsed time
# --------------------------------------------------------------------------


def test_open_pause_makes_due_unknown() -> None:
    received = L(2026, 3, 16, 8)
    pauses = [Pause(L(2026, 3, 16, 9), L(2026, 3, 16, 10)), Pause(L(2026, 3, 16, 12))]
    assert due_at(STANDARD, received, H(8), pauses) is None
    # Open pause covering the receipt.
    assert due_at(STANDARD, received, H(8), [Pause(L(2026, 3, 13, 12))]) is None
    # Elapsed time stops at the start of the open pause.
    assert elapsed(STANDARD, received, L(2026, 3, 20, 12), pauses) == H(3)
    state = clock_state(STANDARD, received, H(8), H(4), pauses, L(2026, 3, 20, 12))
    assert state == ClockState(due=None, remaining=H(5), status="paused")


def test_open_pause_after_the_lead_time_ran_out() -> None:
    # The lead time ran out Monday 10:00; pausing at 12:00 does not hide it.
    received = L(2026, 3, 16, 8)
    pauses = [Pause(L(2026, 3, 16, 12))]
    assert due_at(STANDARD, received, H(2), pauses) == L(2026, 3, 16, 10)
    state = clock_state(STANDARD, received, H(2), H(1), pauses, L(2026, 3, 17, 9))
    assert state == ClockState(due=L(2026, 3, 16, 10), remaining=H(-2), status="breached")
    # Exactly at the start of the open pause the lead time has run out: due then.
    assert due_at(STANDARD, received, H(4), pauses) == L(2026, 3, 16, 12)


def test_elapsed() -> None:
    received = L(2026, 3, 13, 15)  # Friday
    pauses = [Pause(L(2026, 3, 16, 9), L(2026, 3, 16, 10))]
    assert elapsed(STANDARD, received, L(2026, 3, 16, 12), pauses) == H(1.5 + 1 + 2)
    assert elapsed(STANDARD, received, L(2026, 3, 16, 9, 30), pauses) == H(1.5 + 1)
    assert elapsed(STANDARD, received, received, pauses) == timedelta(0)
    # A clock slightly behind: nothing has elapsed yet.
    assert elapsed(STANDARD, received, received - H(1), pauses) == timedelta(0)


# --------------------------------------------------------------------------
# Clock state
# --------------------------------------------------------------------------


def test_clock_state_ok_warning_breached() -> None:
    received = L(2026, 3, 16, 8)  # Monday; 17 h = 8.5 + 8.5 -> due Tuesday 16:30
    due = L(2026, 3, 17, 16, 30)

    def state(now: datetime) -> ClockState:
        return clock_state(STANDARD, received, H(17), H(4), [], now)

    assert state(L(2026, 3, 16, 9)) == ClockState(due=due, remaining=H(16), status="ok")
    assert state(L(2026, 3, 17, 12, 29)).status == "ok"
    # Warning threshold: exactly 4 h left (Tue 12:30) is amber.
    assert state(L(2026, 3, 17, 12, 30)) == ClockState(due=due, remaining=H(4), status="warning")
    assert state(due) == ClockState(due=due, remaining=timedelta(0), status="warning")
    # Past due but after closing: breached, no working time used beyond due.
    assert state(L(2026, 3, 17, 18)) == ClockState(due=due, remaining=timedelta(0), status="breached")
    assert state(L(2026, 3, 18, 9)) == ClockState(due=due, remaining=H(-1), status="breached")
    # The warning stays over the weekend: received Friday 09:00 with 9.5 h,
    # 7.5 h used on Friday, 2 h left on Saturday, due Monday 10:00.
    saturday = clock_state(STANDARD, L(2026, 3, 20, 9), H(9.5), H(4), [], L(2026, 3, 21, 12))
    assert saturday == ClockState(due=L(2026, 3, 23, 10), remaining=H(2), status="warning")


def test_clock_state_warning_uses_working_time() -> None:
    # Received Friday 08:00 with 17 h, looked at Friday 16:00: the due instant
    # (Monday 16:30) is 72.5 wall-clock hours away but only 9 h of working
    # time, which is what the 8 h threshold is compared with.
    received = L(2026, 3, 20, 8)
    state = clock_state(STANDARD, received, H(17), H(8), [], L(2026, 3, 20, 16))
    assert state == ClockState(due=L(2026, 3, 23, 16, 30), remaining=H(9), status="ok")
    state = clock_state(STANDARD, received, H(16), H(8), [], L(2026, 3, 20, 16))
    assert state == ClockState(due=L(2026, 3, 23, 15, 30), remaining=H(8), status="warning")


def test_clock_state_completed_cases() -> None:
    received = L(2026, 4, 2, 15)  # skärtorsdag; 8 h -> due Tue 2026-04-07 14:30
    due = L(2026, 4, 7, 14, 30)
    later = L(2026, 5, 1, 12)  # now is irrelevant once completed
    met = clock_state(STANDARD, received, H(8), H(4), [], later, completed_at=L(2026, 4, 7, 10))
    assert met == ClockState(due=due, remaining=H(4.5), status="met")
    assert clock_state(STANDARD, received, H(8), H(4), [], later, completed_at=due).status == "met"
    missed = clock_state(STANDARD, received, H(8), H(4), [], later, completed_at=L(2026, 4, 7, 15, 30))
    assert missed == ClockState(due=due, remaining=H(-1), status="missed")
    # With 10 h (1.5 + 8.5) the case is due at Tuesday's closing, 16:30.
    # Completed at 17:00 no working time was used beyond due, yet it is
    # missed: instants are compared, not working time.
    late = clock_state(STANDARD, received, H(10), H(4), [], later, completed_at=L(2026, 4, 7, 17))
    assert late == ClockState(due=L(2026, 4, 7, 16, 30), remaining=timedelta(0), status="missed")
    # A pause moves the due instant for completed cases too.
    pauses = [Pause(L(2026, 4, 7, 8), L(2026, 4, 7, 10))]
    shifted = clock_state(STANDARD, received, H(8), H(4), pauses, later, completed_at=L(2026, 4, 7, 15, 30))
    assert shifted == ClockState(due=L(2026, 4, 7, 16, 30), remaining=H(1), status="met")


def test_clock_state_completed_while_paused() -> None:
    # Completed during an open pause: the pause ends at completion, the lead
    # time had not run out -> met, and the due instant is as if the pause
    # had ended then.
    received = L(2026, 3, 16, 8)
    pauses = [Pause(L(2026, 3, 16, 10))]
    state = clock_state(STANDARD, received, H(4), H(1), pauses, L(2026, 3, 30, 8), completed_at=L(2026, 3, 18, 9))
    assert state == ClockState(due=L(2026, 3, 18, 11), remaining=H(2), status="met")
    # Pauses after completion are irrelevant.
    after = [Pause(L(2026, 3, 16, 12), L(2026, 3, 17, 12))]
    state = clock_state(STANDARD, received, H(2), H(1), after, L(2026, 3, 30, 8), completed_at=L(2026, 3, 16, 11))
    assert state == ClockState(due=L(2026, 3, 16, 10), remaining=H(-1), status="missed")


def test_clock_state_with_policy() -> None:
    policy = LeadTimePolicy(first_response=H(2), resolution=H(40))
    received = L(2026, 3, 16, 8)
    now = L(2026, 3, 16, 9, 30)
    assert policy.first_response is not None
    first = clock_state(STANDARD, received, policy.first_response, policy.warn_before, [], now)
    assert first == ClockState(due=L(2026, 3, 16, 10), remaining=H(0.5), status="warning")
    resolution = clock_state(STANDARD, received, policy.resolution, policy.warn_before, [], now)
    assert resolution == ClockState(due=L(2026, 3, 20, 14), remaining=H(38.5), status="ok")


# --------------------------------------------------------------------------
# Property-based tests
# --------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

calendars = st.sampled_from([STANDARD, LUNCH, ALWAYS])
zones = st.sampled_from([STOCKHOLM, UTC, ZoneInfo("America/New_York")])


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


#: Days around which things get interesting: DST changes, Easter, midsommar, Christmas.
SPECIAL_DAYS = [_last_sunday(year, month) for year in range(2024, 2031) for month in (3, 10)] + [
    date(2026, 4, 2),
    date(2026, 6, 18),
    date(2026, 12, 23),
    date(2027, 3, 25),
    date(2030, 12, 30),
]


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """Aware instants 2024-2030, many of them near special days."""
    day = draw(st.one_of(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), st.sampled_from(SPECIAL_DAYS)))
    offset = draw(st.timedeltas(min_value=H(-48), max_value=H(72)))
    return (datetime.combine(day, time(0), tzinfo=UTC) + offset).astimezone(draw(zones))


durations = st.timedeltas(min_value=timedelta(0), max_value=H(120))


@st.composite
def closed_pauses(draw: st.DrawFn, received: datetime) -> Pause:
    """A closed pause somewhere from two days before to three weeks after *received*."""
    start = received + draw(st.timedeltas(min_value=H(-48), max_value=H(21 * 24)))
    length = draw(st.timedeltas(min_value=timedelta(0), max_value=H(10 * 24)))
    zone = draw(zones)
    return Pause(start.astimezone(zone), (start + length).astimezone(zone))


@st.composite
def cases(draw: st.DrawFn) -> tuple[SwedishBusinessCalendar, datetime, timedelta, list[Pause]]:
    """A calendar, a receipt instant, a duration and 0-4 closed pauses."""
    received = draw(instants())
    pauses = draw(st.lists(closed_pauses(received), max_size=4))
    return draw(calendars), received, draw(durations), pauses


Case = tuple[SwedishBusinessCalendar, datetime, timedelta, list[Pause]]


@PROPERTY_SETTINGS
@given(case=cases())
def test_property_round_trip(case: Case) -> None:
    calendar, received, duration, pauses = case
    due = due_at(calendar, received, duration, pauses)
    assert due is not None
    assert due.tzinfo is STOCKHOLM
    assert utc(due) >= utc(received)
    assert elapsed(calendar, received, due, pauses) == duration
    # Earliest such instant: just before it, strictly less has elapsed.
    if duration:
        assert elapsed(calendar, received, due - timedelta(microseconds=1), pauses) < duration
    # Without pauses, the calendar gives the same answer.
    assert due_at(calendar, received, duration, []) == calendar.add_working_time(received, duration)


@PROPERTY_SETTINGS
@given(case=cases(), data=st.data())
def test_property_extra_pause_never_makes_due_earlier(case: Case, data: st.DataObject) -> None:
    calendar, received, duration, pauses = case
    extra = data.draw(closed_pauses(received))
    before = due_at(calendar, received, duration, pauses)
    after = due_at(calendar, received, duration, [*pauses, extra])
    assert utc(after) >= utc(before)
    # ... and never by more than the working time inside the extra pause
    # (counting only time outside the other pauses).
    assert extra.end is not None
    assert elapsed(calendar, utc(before), utc(after), pauses) <= calendar.working_time_between(extra.start, extra.end)


@PROPERTY_SETTINGS
@given(case=cases(), d2=durations)
def test_property_monotonic_in_duration(case: Case, d2: timedelta) -> None:
    calendar, received, d1, pauses = case
    d1, d2 = sorted((d1, d2))
    assert utc(due_at(calendar, received, d1, pauses)) <= utc(due_at(calendar, received, d2, pauses))


@st.composite
def closed_time_pauses(draw: st.DrawFn, received: datetime) -> Pause:
    """A pause inside a Saturday, or inside a weekday lunch break (LUNCH calendar)."""
    day = received.astimezone(STOCKHOLM).date() + timedelta(days=draw(st.integers(min_value=-2, max_value=21)))
    if draw(st.booleans()):
        saturday = day + timedelta(days=(5 - day.weekday()) % 7)
        low, high = L(saturday.year, saturday.month, saturday.day), L(saturday.year, saturday.month, saturday.day) + H(24)
    else:
        low, high = L(day.year, day.month, day.day, 12), L(day.year, day.month, day.day, 13)
    start = low + draw(st.timedeltas(min_value=timedelta(0), max_value=high - low))
    end = start + draw(st.timedeltas(min_value=timedelta(0), max_value=high - start))
    return Pause(start, end)


@PROPERTY_SETTINGS
@given(case=cases(), data=st.data())
def test_property_pause_outside_working_hours_changes_nothing(case: Case, data: st.DataObject) -> None:
    _, received, duration, pauses = case
    extra = data.draw(st.lists(closed_time_pauses(received), min_size=1, max_size=3))
    assert due_at(LUNCH, received, duration, [*pauses, *extra]) == due_at(LUNCH, received, duration, pauses)
    now = data.draw(instants())
    assert elapsed(LUNCH, received, now, [*pauses, *extra]) == elapsed(LUNCH, received, now, pauses)


@PROPERTY_SETTINGS
@given(case=cases(), data=st.data())
def test_property_open_pause(case: Case, data: st.DataObject) -> None:
    # An open pause makes the due instant unknown iff it begins before the lead time runs out.
    calendar, received, duration, pauses = case
    start = received + data.draw(st.timedeltas(min_value=H(-48), max_value=H(21 * 24)))
    without = due_at(calendar, received, duration, pauses)
    with_open = due_at(calendar, received, duration, [*pauses, Pause(start)])
    used_before_pause = elapsed(calendar, received, start, pauses)
    if used_before_pause < duration:
        assert with_open is None
        state = clock_state(calendar, received, duration, H(4), [*pauses, Pause(start)], start + H(500))
        assert state == ClockState(due=None, remaining=duration - used_before_pause, status="paused")
    else:
        assert with_open == without


@PROPERTY_SETTINGS
@given(case=cases(), now=instants(), warn=st.timedeltas(min_value=timedelta(0), max_value=H(20)))
def test_property_clock_state_consistent(case: Case, now: datetime, warn: timedelta) -> None:
    calendar, received, duration, pauses = case
    state = clock_state(calendar, received, duration, warn, pauses, now)
    due = due_at(calendar, received, duration, pauses)
    assert state.due == due
    assert state.remaining == duration - elapsed(calendar, received, now, pauses)
    if utc(now) > utc(due):
        assert state.status == "breached"
        assert state.remaining <= timedelta(0)
    else:
        assert state.status == ("warning" if state.remaining <= warn else "ok")
        assert state.remaining >= timedelta(0)
    if utc(now) >= utc(received):
        # Completed now: pauses after completion no longer count, which can
        # only move a due instant that lies after the completion.
        completed = clock_state(calendar, received, duration, warn, pauses, now, completed_at=now)
        assert completed.status == ("met" if utc(now) <= utc(due) else "missed")
        assert completed.remaining == state.remaining
        if utc(due) <= utc(now):
            assert completed.due == due
