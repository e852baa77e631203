"""``ester worker``: run background tasks for the configured backend and report a heartbeat.

With the database backend (the default) this is ``django_tasks_db``'s
``db_worker`` with the same options; with ``ESTER_TASK_BACKEND=rq`` it is
django-rq's ``rqworker`` on the given queues (with RQ's scheduler, for
deferred tasks).  Either way a :class:`Heartbeat` thread updates this
worker's ``WorkerHeartbeat`` row every few seconds, which ``/healthz``
reads to tell whether background work is being done, and a
:class:`~ester.cases.sweep.SweepScheduler` thread records lead-time warnings
and breaches every ``ESTER_SWEEP_INTERVAL`` seconds, and a
:class:`~ester.intake.scheduler.MailboxScheduler` thread enqueues a poll of each
active mailbox whose poll interval has passed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from argparse import ArgumentTypeError
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django.utils.crypto import get_random_string
from django_tasks_db.compat import InvalidTaskBackend, task_backends
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.management.commands.db_worker import valid_backend_name as db_worker_valid_backend_name

from ester.cases.sweep import SweepScheduler
from ester.core.models import WorkerHeartbeat
from ester.intake.scheduler import MailboxScheduler

logger = logging.getLogger("ester.worker")

HEARTBEAT_SECONDS = 5.0
#: Heartbeat rows of workers not seen for this long are removed when a worker starts.
FORGET_AFTER = timedelta(days=7)
#: How often the worker lets SQLite refresh its planner statistics (``PRAGMA optimize``).
OPTIMIZE_EVERY = timedelta(hours=1)


def optimize_sqlite(*, first: bool = False) -> None:
    """Keep the statistics SQLite's query planner reads current, as its documentation advises
    for long-lived applications. At the worker's start a sampled ``ANALYZE`` of everything
    (a migration that remakes a table drops its statistics, and the queues' partial indexes
    are chosen only with them; SQLite 3.40's ``PRAGMA optimize`` skips tables that have
    none), then ``PRAGMA optimize`` periodically. ``analysis_limit`` keeps ANALYZE to a
    sample: about two seconds at a million cases. PostgreSQL's autovacuum does this itself."""
    connection = connections["default"]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE" if first else "PRAGMA optimize")


class Heartbeat:
    """Writes one ``WorkerHeartbeat`` row from a daemon thread every ``every`` seconds.

    The thread has its own database connection (Django's connections are
    per thread), which it treats like a request does: checked before each
    beat, closed when obsolete (``CONN_MAX_AGE``) and when the thread ends.
    Beating from a thread rather than the worker loop keeps the heartbeat
    fresh while a long task runs; the worker process dying stops it.
    """

    def __init__(self, *, worker_id: str, backend: str, every: float = HEARTBEAT_SECONDS) -> None:
        self.worker_id = worker_id[:100]
        self.backend = backend
        self.every = every
        self.started_at = timezone.now()
        self.pid = os.getpid()
        self.host = socket.gethostname()[:200]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"seen_at": now, "backend": self.backend, "pid": self.pid, "host": self.host},
            create_defaults={
                "seen_at": now,
                "started_at": self.started_at,
                "backend": self.backend,
                "pid": self.pid,
                "host": self.host,
            },
        )

    def forget_old(self) -> None:
        WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - FORGET_AFTER).delete()

    def _run(self) -> None:
        try:
            try:
                self.forget_old()
            except DatabaseError:
                logger.warning("Could not remove old worker heartbeats", exc_info=True)
            optimized_at: datetime | None = None
            while True:
                close_old_connections()
                try:
                    self.beat()
                except DatabaseError:
                    # The database may be locked or restarting: try again next time.
                    logger.warning("Worker heartbeat could not be written", exc_info=True)
                if optimized_at is None or timezone.now() - optimized_at >= OPTIMIZE_EVERY:
                    try:
                        optimize_sqlite(first=optimized_at is None)
                    except DatabaseError:
                        logger.warning("SQLite statistics could not be refreshed", exc_info=True)
                    optimized_at = timezone.now()
                if self._stop.wait(self.every):
                    return
        finally:
            connections.close_all()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{self.worker_id}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


class HeartbeatWorker(Worker):
    """``django_tasks_db``'s worker, reporting a heartbeat while it runs."""

    def __init__(self, *, heartbeat_every: float = HEARTBEAT_SECONDS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.heartbeat = Heartbeat(worker_id=self.worker_id, backend="database", every=heartbeat_every)
        self.sweeper = SweepScheduler()  # lead-time warnings and breaches every ESTER_SWEEP_INTERVAL seconds
        self.mail_scheduler = MailboxScheduler()  # enqueues the polls of the mailboxes that are due

    def run(self) -> None:
        self.heartbeat.start()
        self.sweeper.start()
        self.mail_scheduler.start()
        try:
            super().run()
        finally:
            self.mail_scheduler.stop()
            self.sweeper.stop()
            self.heartbeat.stop()
            connections.close_all()


def valid_backend_name(value: str) -> str:
    if settings.TASK_BACKEND == "database":
        return db_worker_valid_backend_name(value)
    try:
        task_backends[value]
    except InvalidTaskBackend as exc:
        raise ArgumentTypeError(exc.args[0]) from exc
    return value


class Command(DbWorkerCommand):
    help = "Kör bakgrundsjobb (databas- eller RQ-backend) och rapporterar hjärtslag till /healthz."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        # db_worker insists on a database backend, even for its default value; with RQ
        # configured the default backend is an RQ one, so check against the setting instead.
        for action in parser._actions:
            if action.dest == "backend_name":
                action.type = valid_backend_name
        # Reloading restarts the worker in a child process that a supervisor cannot stop; opt in only.
        parser.set_defaults(reload=False)

    def handle(self, *args: Any, **options: Any) -> None:
        backend = settings.TASK_BACKEND
        if backend == "immediate":
            self.stdout.write("ESTER_TASK_BACKEND=immediate kör jobben direkt; ingen bakgrundsprocess behövs.")
            return
        if backend == "rq":
            self.handle_rq(**options)
            return
        self.handle_database(**options)

    def handle_database(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues kan bara användas med --queue-name=*")
        worker = HeartbeatWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()

    def handle_rq(self, *, verbosity: int, queue_name: str, max_tasks: int | None, batch: bool, **options: Any) -> None:
        queues = [name for name in queue_name.split(",") if name and name != "*"] or ["default"]
        worker_id = f"rq-{socket.gethostname()}-{os.getpid()}-{get_random_string(6)}"
        heartbeat = Heartbeat(worker_id=worker_id, backend="rq")
        heartbeat.start()
        sweeper = SweepScheduler()
        sweeper.start()
        mail_scheduler = MailboxScheduler()
        mail_scheduler.start()
        try:
            call_command(
                "rqworker",
                *queues,
                job_class="django_tasks_rq.Job",  # runs django.tasks Task objects; required by django-tasks-rq
                verbosity=verbosity,
                with_scheduler=True,
                burst=batch,
                max_jobs=max_tasks,
                name=worker_id,
            )
        finally:
            mail_scheduler.stop()
            sweeper.stop()
            heartbeat.stop()
