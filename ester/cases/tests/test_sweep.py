"""The lead-time sweep (warnings, breaches, safe claims), recomputation of due times and the worker's scheduler."""

from __future__ import annotations

import contextlib
import datetime
import threading
import time
from collections.abc import Callable
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone

from ester.cases import services
from ester.cases import sweep as sweep_module
from ester.cases.choices import CaseChannel, EventKind
from ester.cases.models import Case, CaseEvent
from ester.cases.sweep import SweepResult, SweepScheduler, recompute_due, sweep
from ester.cases.tests.factories import CaseTypeFactory, ReturnReasonFactory
from ester.organisation.models import ClosedDay

STHLM = ZoneInfo("Europe/Stockholm")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=STHLM)  # type: ignore[misc]


# Received Wednesday 1 April 2026 10:00 with 16 working hours (08:00–16:30 days; Good Friday
# and Easter Monday are holidays): due Tuesday 7 April 09:00.
RECEIVED = at(2026, 4, 1, 10, 0)
DUE = at(2026, 4, 7, 9, 0)
# Thursday 2 April 14:00: 6.5 h + 6 h used, 3.5 h left (within the 4 h warning window).
NEAR = at(2026, 4, 2, 14, 0)
# Thursday 2 April 12:00: 5.5 h left.
NOT_YET = at(2026, 4, 2, 12, 0)
AFTER = at(2026, 4, 7, 10, 0)


@pytest.fixture
def case_type(city: Any) -> Any:
    return CaseTypeFactory(process=city.process, code="LEVMAN", name="Manuell leverantörsfaktura", resolution_hours=16)


def register(city: Any, case_type: Any, **kwargs: Any) -> Case:
    defaults = {
        "actor": city.handler,
        "customer": city.customer_x,
        "case_type": case_type,
        "channel": CaseChannel.EMAIL,
        "sender_name": "Kim Kontakt",
        "subject": "Faktura 4711 att betala",
        "received_at": RECEIVED,
    }
    return services.case_register(**{**defaults, **kwargs})


def events(case: Case, kind: str) -> int:
    return CaseEvent.objects.filter(case=case, kind=kind).count()


@pytest.mark.django_db
class TestSweep:
    def test_a_case_past_due_is_breached_once(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        assert timezone.localtime(case.due_at) == DUE
        assert sweep(now=AFTER) == SweepResult(warned=0, breached=1)
        case.refresh_from_db()
        assert case.breached_at == AFTER
        event = case.events.get(kind=EventKind.BREACH)
        assert event.internal and event.actor is None and event.at == AFTER
        assert event.payload["due_at"] == DUE.isoformat()
        assert "2026-04-07 09:00" in event.text
        # Sweeping again (or later) records nothing more; a late case gets no warning after the fact.
        assert sweep(now=AFTER) == SweepResult(0, 0)
        assert sweep(now=AFTER + datetime.timedelta(days=3)) == SweepResult(0, 0)
        assert events(case, EventKind.BREACH) == 1
        assert events(case, EventKind.WARNING) == 0

    def test_a_case_near_due_is_warned_once_then_breached(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        assert sweep(now=NOT_YET) == SweepResult(0, 0)
        assert sweep(now=NEAR) == SweepResult(warned=1, breached=0)
        assert sweep(now=NEAR + datetime.timedelta(minutes=5)) == SweepResult(0, 0)
        case.refresh_from_db()
        assert case.warned_at == NEAR and case.breached_at is None
        warning = case.events.get(kind=EventKind.WARNING)
        assert warning.internal and warning.payload["remaining_minutes"] == 210
        assert "3 h 30 min" in warning.text
        # Exactly at the due instant the clock is still amber; after it, breached.
        assert sweep(now=DUE) == SweepResult(0, 0)
        assert sweep(now=AFTER) == SweepResult(0, 1)
        assert events(case, EventKind.WARNING) == 1 and events(case, EventKind.BREACH) == 1

    def test_warning_window_counts_working_time_over_easter(self, city: Any, case_type: Any) -> None:
        # Thursday 16:00: 0.5 h left that day + 1 h on Tuesday = 1.5 h of working time,
        # though the due instant is almost five days away on the clock.
        case = register(city, case_type)
        assert sweep(now=at(2026, 4, 2, 16, 0)).warned == 1
        assert events(case, EventKind.WARNING) == 1

    def test_a_paused_case_is_left_alone(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        services.case_return_for_completion(actor=city.handler, case=case, reasons=[ReturnReasonFactory()])
        case.refresh_from_db()
        assert case.paused_since is not None and case.due_at is not None  # paused after the due instant
        assert sweep(now=timezone.now()) == SweepResult(0, 0)
        assert sweep(now=NEAR) == SweepResult(0, 0)
        assert events(case, EventKind.BREACH) == events(case, EventKind.WARNING) == 0

    def test_a_closed_case_is_left_alone(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        services.case_close(actor=city.handler, case=case)
        voided = register(city, case_type)
        services.case_void(actor=city.handler, case=voided, reason="Dubblett")
        assert sweep(now=NEAR) == SweepResult(0, 0)
        assert sweep(now=AFTER) == SweepResult(0, 0)
        assert not CaseEvent.objects.filter(kind__in=(EventKind.BREACH, EventKind.WARNING)).exists()

    def test_batches_cover_every_case(self, city: Any, case_type: Any) -> None:
        cases = [register(city, case_type, received_at=RECEIVED + datetime.timedelta(minutes=i)) for i in range(7)]
        assert sweep(now=AFTER, batch_size=2).breached == 7
        assert all(events(case, EventKind.BREACH) == 1 for case in cases)

    def test_a_lost_claim_writes_no_event(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        Case.objects.filter(pk=case.pk).update(breached_at=AFTER)  # claimed by another sweep meanwhile
        candidates = Case.objects.filter(breached_at__isnull=True)
        assert sweep_module._claim(EventKind.BREACH, candidates, "breached_at", AFTER, {case.pk: ("x", {})}) == 0
        assert events(case, EventKind.BREACH) == 0

    def test_the_command_prints_counts_in_swedish(self, city: Any, case_type: Any) -> None:
        register(city, case_type)  # received in April: long past due now
        out = StringIO()
        call_command("sweep_lead_times", stdout=out)
        assert out.getvalue().strip() == "Ledtidskontroll klar: 1 ärende med överskriden ledtid, 0 ärenden med varning."


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_write_one_event_per_case(city: Any, case_type: Any) -> None:
    """Two sweeps (as in two workers) that both read the same cases before either claims."""
    # Received Monday 30 March: due Wednesday 1 April 09:00, breached at NEAR.
    late = [register(city, case_type, received_at=at(2026, 3, 30, 10, i)) for i in range(12)]
    near = [register(city, case_type, received_at=at(2026, 4, 1, 10, i)) for i in range(12)]
    barrier = threading.Barrier(2, timeout=30)
    real_claim = sweep_module._claim

    def claim_together(*args: Any, **kwargs: Any) -> int:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()  # both sweeps have read their candidates; now both claim
        return real_claim(*args, **kwargs)

    sweep_module._claim = claim_together  # type: ignore[assignment]
    results: list[SweepResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(sweep(now=NEAR))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        sweep_module._claim = real_claim  # type: ignore[assignment]
    assert errors == []
    assert len(results) == 2
    assert sum(r.breached for r in results) == len(late)
    assert sum(r.warned for r in results) == len(near)
    for case in late:
        assert events(case, EventKind.BREACH) == 1 and events(case, EventKind.WARNING) == 0
    for case in near:
        assert events(case, EventKind.WARNING) == 1 and events(case, EventKind.BREACH) == 0


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_sweeps_without_coordination(city: Any, case_type: Any) -> None:
    cases = [register(city, case_type, received_at=RECEIVED + datetime.timedelta(minutes=i)) for i in range(20)]
    results: list[SweepResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(sweep(now=AFTER, batch_size=3))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.breached for r in results) == len(cases)
    assert all(events(case, EventKind.BREACH) == 1 for case in cases)


@pytest.mark.django_db
class TestRecompute:
    def test_a_new_closed_day_moves_due_a_working_day_later(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        second = register(city, case_type)
        assert recompute_due(area=city.area) == 0  # nothing changed yet
        ClosedDay.objects.create(area=city.area, day=datetime.date(2026, 4, 2), reason="Personaldag")
        assert recompute_due(area=city.other_area) == 0  # another area's calendar
        assert recompute_due(area=city.area) == 2
        case.refresh_from_db()
        # Thursday is closed: Wed 6.5 h, Tue 7 April 8.5 h, 1 h on Wednesday 8 April.
        assert timezone.localtime(case.due_at) == at(2026, 4, 8, 9, 0)
        # First response (8 h): Wed 6.5 h + 1.5 h on Tuesday 7 April.
        assert timezone.localtime(case.first_response_due_at) == at(2026, 4, 7, 9, 30)
        assert recompute_due(area=city.area) == 0
        second.refresh_from_db()
        assert second.due_at == case.due_at
        assert not case.events.exclude(kind=EventKind.CREATED).exists()  # nothing on the timeline

    def test_flags_are_cleared_when_no_longer_near_or_passed(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        sweep(now=NEAR)
        sweep(now=AFTER)
        case.refresh_from_db()
        assert case.warned_at and case.breached_at
        ClosedDay.objects.create(area=city.area, day=datetime.date(2026, 4, 2), reason="Personaldag")
        # Tuesday 10:00 with Thursday closed: 6.5 h + 2 h used, 7.5 h left.
        assert recompute_due(area=city.area, now=AFTER) == 1
        case.refresh_from_db()
        assert case.warned_at is None and case.breached_at is None
        assert sweep(now=AFTER) == SweepResult(0, 0)
        # The new due time passes in its turn: recorded again.
        assert sweep(now=at(2026, 4, 8, 10, 0)) == SweepResult(0, 1)
        assert events(case, EventKind.BREACH) == 2

    def test_a_flag_still_due_is_kept(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        sweep(now=NEAR)
        ClosedDay.objects.create(area=city.area, day=datetime.date(2026, 4, 3), reason="Långfredag ändå")
        assert recompute_due(now=NEAR) == 0  # Good Friday is a holiday already: nothing moves
        case.refresh_from_db()
        assert case.warned_at == NEAR

    def test_a_policy_change_by_case_type(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        other_type = CaseTypeFactory(process=city.process, code="FRAGA", name="Fråga", resolution_hours=16)
        other = register(city, other_type)
        case_type.resolution_hours = 24
        case_type.save()
        other_type.resolution_hours = 24
        other_type.save()
        assert recompute_due(case_type=case_type) == 1
        case.refresh_from_db()
        other.refresh_from_db()
        # 24 h: Wed 6.5 + Thu 8.5 + Tue 8.5 = 23.5 h, the last half hour on Wednesday 8 April.
        assert timezone.localtime(case.due_at) == at(2026, 4, 8, 8, 30)
        assert timezone.localtime(other.due_at) == DUE

    def test_since_limits_to_cases_due_from_that_day(self, city: Any, case_type: Any) -> None:
        early = register(city, case_type, received_at=at(2026, 3, 30, 10, 0))  # due Wed 1 April 09:00
        late = register(city, case_type)  # due Tue 7 April
        ClosedDay.objects.create(area=city.area, day=datetime.date(2026, 3, 31), reason="Personaldag")
        ClosedDay.objects.create(area=city.area, day=datetime.date(2026, 4, 2), reason="Personaldag")
        assert recompute_due(since=datetime.date(2026, 4, 2)) == 1
        early.refresh_from_db()
        late.refresh_from_db()
        assert timezone.localtime(early.due_at) == at(2026, 4, 1, 9, 0)
        assert timezone.localtime(late.due_at) == at(2026, 4, 8, 9, 0)

    def test_pauses_count_as_in_case_recompute_due(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        CaseEvent.objects.create(case=case, kind=EventKind.PAUSED, at=at(2026, 4, 2, 10, 0), internal=True)
        CaseEvent.objects.create(case=case, kind=EventKind.RESUMED, at=at(2026, 4, 7, 10, 0), internal=True)
        assert recompute_due() == 1
        case.refresh_from_db()
        expected = Case.objects.get(pk=case.pk)
        services.case_recompute_due(expected, save=False)
        assert (case.due_at, case.first_response_due_at) == (expected.due_at, expected.first_response_due_at)
        # Wed 6.5 h + Thu 2 h before the pause, 7.5 h from Tuesday 10:00 → Tuesday 16:30 is 6.5 h, 1 h Wednesday.
        assert timezone.localtime(case.due_at) == at(2026, 4, 8, 9, 0)

    def test_the_command(self, city: Any, case_type: Any) -> None:
        register(city, case_type)
        ClosedDay.objects.create(area=city.area, day=datetime.date(2026, 4, 2), reason="Personaldag")
        out = StringIO()
        call_command("recompute_due", "--area", "ek", "--case-type", "LEVMAN", "--since", "2026-04-01", stdout=out)
        assert out.getvalue().strip() == "Förfallotider omräknade: 1 ärende ändrades."
        out = StringIO()
        call_command("recompute_due", stdout=out)
        assert out.getvalue().strip() == "Förfallotider omräknade: 0 ärenden ändrades."
        with pytest.raises(CommandError, match="inget verksamhetsområde med koden 'XX'"):
            call_command("recompute_due", "--area", "XX")
        with pytest.raises(CommandError, match="ingen ärendetyp med koden 'NOPE'"):
            call_command("recompute_due", "--case-type", "NOPE")
        with pytest.raises(CommandError, match="Ogiltigt datum"):
            call_command("recompute_due", "--since", "igår")


# --- the scheduler in the worker ----------------------------------------------------


def wait_for(condition: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_the_scheduler_retries_after_a_failure() -> None:
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database gone")

    scheduler = SweepScheduler(every=0.05, run=flaky)
    scheduler.start()
    try:
        assert wait_for(lambda: len(calls) >= 3, timeout=10)
    finally:
        scheduler.stop()
    assert scheduler.failures == 1
    assert scheduler._thread is None


def test_the_scheduler_can_be_turned_off() -> None:
    scheduler = SweepScheduler(every=0, run=lambda: None)
    scheduler.start()
    assert scheduler._thread is None
    scheduler.stop()


@pytest.mark.django_db(transaction=True)
def test_the_worker_sweeps_in_its_own_thread(city: Any, case_type: Any, settings: Any) -> None:
    from ester.core.management.commands.worker import HeartbeatWorker

    settings.ESTER_SWEEP_INTERVAL = 1
    case = register(city, case_type)  # received in April: long past due now
    worker = HeartbeatWorker(
        queue_names=["default"],
        interval=0.05,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-sweep-worker",
        excluded_queue_names=[],
        heartbeat_every=0.5,
    )
    assert worker.sweeper.every == 1
    errors: list[BaseException] = []

    def run() -> None:
        try:
            worker.run()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: Case.objects.filter(pk=case.pk, breached_at__isnull=False).exists())
        assert wait_for(lambda: worker.sweeper.runs >= 2, timeout=10)  # runs again after the interval
    finally:
        worker.running = False
        thread.join(30)
    assert not thread.is_alive()
    assert errors == []
    assert worker.sweeper._thread is None  # stopped with the worker
    assert worker.sweeper.failures == 0
    assert events(case, EventKind.BREACH) == 1
