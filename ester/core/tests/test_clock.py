"""The services' seam: the clock, after-commit notifications and the reference-data memo."""

from __future__ import annotations

import datetime
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from ester.core import clock

STHLM = ZoneInfo("Europe/Stockholm")
BACK_THEN = datetime.datetime(2026, 3, 18, 23, 30, tzinfo=datetime.UTC)  # already the 19th in Stockholm


class TestClock:
    def test_the_wall_clock_by_default(self) -> None:
        before = timezone.now()
        now = clock.now()
        assert before <= now <= timezone.now() and now.tzinfo is not None
        assert clock.on_wall_clock()
        assert clock.localdate() == timezone.localdate()

    def test_frozen_at_and_back(self) -> None:
        with clock.frozen_at(BACK_THEN):
            assert clock.now() == BACK_THEN
            assert clock.localdate() == datetime.date(2026, 3, 19)
            assert not clock.on_wall_clock()
            assert timezone.now() != BACK_THEN  # nothing is patched: only what asks the seam sees it
        assert clock.on_wall_clock() and clock.now() > BACK_THEN

    def test_use_clock_asks_the_source_each_time(self) -> None:
        ticks = iter([BACK_THEN, BACK_THEN + datetime.timedelta(minutes=5)])
        with clock.use_clock(lambda: next(ticks)):
            assert clock.now() == BACK_THEN
            assert clock.now() == BACK_THEN + datetime.timedelta(minutes=5)

    def test_nested_clocks_and_an_exception_restore_the_outer_one(self) -> None:
        later = BACK_THEN + datetime.timedelta(days=1)
        with clock.frozen_at(BACK_THEN):
            with pytest.raises(RuntimeError), clock.frozen_at(later):
                assert clock.now() == later
                raise RuntimeError
            assert clock.now() == BACK_THEN
        assert clock.on_wall_clock()

    def test_naive_datetimes_are_refused(self) -> None:
        with pytest.raises(ValueError), clock.frozen_at(datetime.datetime(2026, 3, 18, 9, 0)):
            pass
        with clock.use_clock(lambda: datetime.datetime(2026, 3, 18, 9, 0)), pytest.raises(ValueError):
            clock.now()

    def test_the_clock_is_local_to_its_thread(self) -> None:
        seen: list[bool] = []
        with clock.frozen_at(BACK_THEN):
            worker = threading.Thread(target=lambda: seen.append(clock.on_wall_clock()))
            worker.start()
            worker.join()
        assert seen == [True]


@pytest.mark.django_db
class TestAfterCommit:
    def test_runs_after_the_commit(self, django_capture_on_commit_callbacks: Any) -> None:
        ran: list[str] = []
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            clock.after_commit(lambda: ran.append("sent"))
            assert ran == []
        assert ran == ["sent"] and len(callbacks) == 1
        assert clock.sends_notifications()

    def test_suppressed_notifications_are_dropped(self, django_capture_on_commit_callbacks: Any) -> None:
        ran: list[str] = []
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with clock.notifications_suppressed():
                assert not clock.sends_notifications()
                clock.after_commit(lambda: ran.append("sent back then"))
            clock.after_commit(lambda: ran.append("sent now"))
        assert ran == ["sent now"] and len(callbacks) == 1

    def test_nothing_is_sent_for_a_rollback(self, django_capture_on_commit_callbacks: Any) -> None:
        ran: list[str] = []
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
            clock.after_commit(lambda: ran.append("sent"))
            raise RuntimeError
        assert ran == []


class TestMemo:
    def test_outside_memoized_every_call_computes(self) -> None:
        calls: list[int] = []
        for _ in range(2):
            assert clock.memo("key", lambda: calls.append(1) or "value") == "value"
        assert len(calls) == 2

    def test_inside_once_per_key_and_shared_by_nested_blocks(self) -> None:
        calls: list[str] = []

        def compute(key: str) -> str:
            calls.append(key)
            return key.upper()

        with clock.memoized():
            assert clock.memo("a", lambda: compute("a")) == "A"
            assert clock.memo("a", lambda: compute("a")) == "A"
            with clock.memoized():
                assert clock.memo("a", lambda: compute("a")) == "A"
                assert clock.memo("b", lambda: compute("b")) == "B"
            assert clock.memo("b", lambda: compute("b")) == "B"
        assert calls == ["a", "b"]
        clock.memo("a", lambda: compute("a"))
        assert calls == ["a", "b", "a"]  # the cache ends with the outer block

    def test_none_is_kept_too(self) -> None:
        calls: list[int] = []
        with clock.memoized():
            for _ in range(2):
                assert clock.memo("nothing", lambda: calls.append(1)) is None
        assert calls == [1]
