"""Child processes for ``ester demo`` and ``ester serve``: start, supervise, stop.

Children run in their own session, so a Ctrl-C in the terminal reaches only
the supervising ``ester`` process, which passes it on once (as SIGTERM) to
each child and waits for them; when one child exits on its own, the others are stopped too
and ``ester`` exits with an error, so that a process manager restarts the set.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

from django.conf import settings
from django.db import connections

STOP_TIMEOUT_SECONDS = 30


def ester_command(*args: str) -> list[str]:
    """``ester <args>`` run with this interpreter (works with or without the console script)."""
    return [sys.executable, "-m", "config.cli", *args]


def worker_needed() -> bool:
    """Whether the configured task backend needs a separate worker process."""
    return settings.TASK_BACKEND != "immediate"


def start(name: str, command: Sequence[str]) -> tuple[str, subprocess.Popen[bytes]]:
    # Close our database connections first: the child opens its own.
    connections.close_all()
    process = subprocess.Popen(list(command), cwd=settings.BASE_DIR, start_new_session=True)
    return name, process


def stop(process: subprocess.Popen[bytes], signum: int | None = signal.SIGTERM, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """Ask ``process`` to stop with ``signum`` (``None``: it has been asked already), kill it after ``timeout``."""
    if process.poll() is not None:
        return
    if signum is not None:
        process.send_signal(signum)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def supervise(children: list[tuple[str, subprocess.Popen[bytes]]]) -> int:
    """Wait until a child exits or we are told to stop; stop the rest; return an exit code.

    SIGINT and SIGTERM are passed on to every child (once, as SIGTERM).  When a child
    exits without having been asked to, the others are stopped and the
    return value is non-zero.
    """
    stopping: list[int] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        if stopping:
            return
        stopping.append(signum)
        for _name, process in children:
            if process.poll() is None:
                # Always SIGTERM: graceful for gunicorn and the worker, and not ignored by
                # children started in the background (which inherit SIGINT as ignored).
                process.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        exited: tuple[str, int] | None = None
        while exited is None:
            for name, process in children:
                code = process.poll()
                if code is not None:
                    exited = (name, code)
                    break
            else:
                time.sleep(0.2)
        for _name, process in children:
            # Children already got the forwarded signal when we were asked to stop.
            stop(process, None if stopping else signal.SIGTERM)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    name, code = exited
    if stopping:
        return 0
    message = (
        f"ester: {name} avslutades oväntat (kod {code}); stoppar övriga processer. / {name} exited unexpectedly (code {code})."
    )
    print(message, file=sys.stderr)
    return code or 1
