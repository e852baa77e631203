"""A job the worker runs from a daemon thread every so many seconds (the lead-time sweep,
the mail poll scheduler).

The thread has its own database connection — Django's connections are per thread —
checked before each run and closed when the thread ends. A failed run is logged and
tried again at the next interval, so a locked or restarting database never stops the
thread. The first run comes when the thread starts; ``every <= 0`` turns the job off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, close_old_connections, connections


class PeriodicJob:
    """Runs ``job`` every ``every`` seconds from a daemon thread named ``name``; ``label``
    names it in the log. ``runs`` and ``failures`` count what happened."""

    def __init__(self, every: float, job: Callable[[], Any], *, name: str, label: str, logger: logging.Logger) -> None:
        self.every = float(every)
        self.job = job
        self.name = name
        self.label = label
        self.logger = logger
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0
        self.failures = 0

    def run_once(self) -> None:
        close_old_connections()
        try:
            self.job()
        except DatabaseError:
            # The database may be locked or restarting: try again next time.
            self.failures += 1
            self.logger.warning("%s failed; retrying in %s s", self.label, self.every, exc_info=True)
        except Exception:
            self.failures += 1
            self.logger.exception("%s failed; retrying in %s s", self.label, self.every)
        finally:
            self.runs += 1

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                self.run_once()
                if self._stop.wait(self.every):
                    return
        finally:
            connections.close_all()

    def start(self) -> None:
        if self.every <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
