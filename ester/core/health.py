"""The state of the installation for ``/healthz``: does the database answer, is a worker alive?

Infrastructure rows only (no domain data, nothing personal), so these reads
are not scoped by user.  Workers write their heartbeat through
``ester.core.management.commands.worker.Heartbeat``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from ester.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def database_state() -> dict[str, Any]:
    """``{"ok": bool, "vendor": "sqlite"|"postgresql"}`` after a ``SELECT 1``."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: the database does not answer", exc_info=True)
        return {"ok": False, "vendor": connection.vendor}
    return {"ok": True, "vendor": connection.vendor}


def unknown_worker_state() -> dict[str, Any]:
    return {"ok": False, "backend": settings.TASK_BACKEND, "last_seen": None, "age_seconds": None}


def worker_state() -> dict[str, Any]:
    """The freshest heartbeat of any worker; ``ok`` when within ``ESTER_WORKER_STALE_SECONDS``."""
    backend = settings.TASK_BACKEND
    if backend == "immediate":
        # Tasks run inside the request: there is no worker to wait for.
        return {"ok": True, "backend": backend, "last_seen": None, "age_seconds": None}
    try:
        last_seen = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    except DatabaseError:
        logger.warning("Health check: worker heartbeats cannot be read", exc_info=True)
        return unknown_worker_state()
    if last_seen is None:
        return unknown_worker_state()
    age = max((timezone.now() - last_seen).total_seconds(), 0.0)
    return {
        "ok": age <= settings.ESTER_WORKER_STALE_SECONDS,
        "backend": backend,
        "last_seen": last_seen.isoformat(),
        "age_seconds": round(age, 1),
    }
