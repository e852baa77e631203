"""The services' seam to the outside world: what time it is, what is sent after a commit,
and which reference data may be read once.

Services ask :func:`now` (and :func:`localdate`) instead of ``timezone.now()``,
and hand their notifications to :func:`after_commit` instead of
``transaction.on_commit``.  Normally these are exactly the wall clock and
``on_commit``.  Code that writes history "as it happened" — the demo loader,
tests — sets the clock with :func:`use_clock` or :func:`frozen_at` and says
:func:`notifications_suppressed`; nothing is patched, the setting holds only in
the current context (thread or asyncio task) and is undone when the block ends.

:func:`memoized` opens a cache for reference data that does not change while a
batch of writes runs (a business calendar, the team handling a customer's
process): inside it, :func:`memo` computes a value once per key; outside it,
every call computes afresh, so a request never sees stale rows.

Only what runs through these functions follows the seam: model fields with
``auto_now``/``auto_now_add`` and code that calls ``timezone.now()`` itself keep
the wall clock.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

__all__ = [
    "after_commit",
    "frozen_at",
    "localdate",
    "memo",
    "memoized",
    "notifications_suppressed",
    "now",
    "on_wall_clock",
    "sends_notifications",
    "use_clock",
]

T = TypeVar("T")

_clock: ContextVar[Callable[[], datetime.datetime] | None] = ContextVar("ester_clock", default=None)
_suppressed: ContextVar[bool] = ContextVar("ester_notifications_suppressed", default=False)
_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("ester_memo", default=None)


# --- time -----------------------------------------------------------------------------


def now() -> datetime.datetime:
    """The current instant (aware): the clock set by :func:`use_clock`, else ``timezone.now()``."""
    source = _clock.get()
    if source is None:
        return timezone.now()
    value = source()
    if timezone.is_naive(value):
        raise ValueError(f"the clock gave a naive datetime: {value!r}")
    return value


def localdate() -> datetime.date:
    """Today in the current time zone (Europe/Stockholm), on the clock of :func:`now`."""
    return timezone.localdate(now())


def on_wall_clock() -> bool:
    """True unless a clock is set (``now()`` is then ``timezone.now()``)."""
    return _clock.get() is None


@contextmanager
def use_clock(source: Callable[[], datetime.datetime]) -> Iterator[None]:
    """Within the block, :func:`now` answers ``source()`` (called anew each time, so it may move)."""
    token = _clock.set(source)
    try:
        yield
    finally:
        _clock.reset(token)


@contextmanager
def frozen_at(instant: datetime.datetime) -> Iterator[None]:
    """Within the block, :func:`now` is always ``instant`` (an aware datetime)."""
    if timezone.is_naive(instant):
        raise ValueError(f"frozen_at needs an aware datetime, not {instant!r}")
    with use_clock(lambda: instant):
        yield


# --- after-commit notifications -------------------------------------------------------


def sends_notifications() -> bool:
    """False inside :func:`notifications_suppressed`."""
    return not _suppressed.get()


@contextmanager
def notifications_suppressed() -> Iterator[None]:
    """Within the block, :func:`after_commit` drops what it is given: nothing is queued or sent."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def after_commit(func: Callable[[], Any], *, using: str | None = None, robust: bool = False) -> None:
    """Run ``func`` after the current transaction commits (``transaction.on_commit``) —
    unless notifications are suppressed, when it is dropped at once and never runs."""
    if _suppressed.get():
        return
    transaction.on_commit(func, using=using, robust=robust)


# --- reference data read once -----------------------------------------------------------


@contextmanager
def memoized() -> Iterator[None]:
    """Within the block, :func:`memo` keeps what it computes (a nested block shares the outer cache).

    Only for work during which the memoized rows do not change (a batch load)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memo(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept under ``key`` inside :func:`memoized` (computed each time outside it)."""
    cache = _memo.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    value: T = cache[key]
    return value
