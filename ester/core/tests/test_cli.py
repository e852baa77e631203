"""The ``ester`` command: create-token, the worker with its heartbeat, serve and demo."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django_tasks import TaskResultStatus, task
from rest_framework.authtoken.models import Token

from config import cli
from ester.core.management.commands.worker import HeartbeatWorker
from ester.core.models import WorkerHeartbeat

from .conftest import ester, free_port


@task()
def add_numbers(a: int, b: int) -> int:
    return a + b


@task()
def write_marker(path: str, text: str) -> None:
    Path(path).write_text(text, encoding="utf-8")


def wait_for(condition: Callable[[], Any], timeout: float = 30, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


# --- create-token -----------------------------------------------------------------


@pytest.mark.django_db
def test_create_token_prints_the_same_token_each_time(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user(username="integration", password="x" * 12)
    first, second = StringIO(), StringIO()
    call_command("create_token", "integration", stdout=first)
    call_command("create_token", "integration", stdout=second)
    key = Token.objects.get(user=user).key
    assert first.getvalue().strip() == key == second.getvalue().strip()
    assert len(key) == 40


@pytest.mark.django_db
def test_create_token_for_unknown_user_fails_in_swedish() -> None:
    with pytest.raises(CommandError, match="Det finns ingen användare med användarnamnet 'nobody'") as info:
        call_command("create_token", "nobody")
    assert info.value.returncode == 1
    assert not Token.objects.exists()


def test_create_token_on_the_command_line_exits_1_for_unknown_user(ester_env: Callable[..., dict[str, str]]) -> None:
    result = ester("create-token", "nobody", env=ester_env())
    assert result.returncode == 1
    assert "Det finns ingen användare" in result.stderr
    assert result.stdout == ""


def test_bad_setting_is_reported_without_traceback(ester_env: Callable[..., dict[str, str]]) -> None:
    result = ester("check", env=ester_env(ESTER_TASK_BACKEND="celery"))
    assert result.returncode == 2
    assert "ESTER_TASK_BACKEND must be one of" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_runs_without_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """``ester demo`` falls back to debug mode when no secret key is set; other commands do not."""
    for name in ("ESTER_DEBUG", "ESTER_SECRET_KEY", "ESTER_SECRET_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit):
        cli.main(["ester", "demo", "--help"])
    assert os.environ["ESTER_DEBUG"] == "1"

    monkeypatch.delenv("ESTER_DEBUG")
    monkeypatch.setenv("ESTER_SECRET_KEY", "k" * 40)
    with pytest.raises(SystemExit):
        cli.main(["ester", "demo", "--help"])
    assert "ESTER_DEBUG" not in os.environ


# --- the worker and its heartbeat ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_database_worker_runs_tasks_and_reports_heartbeat() -> None:
    result = add_numbers.enqueue(2, 3)
    worker = HeartbeatWorker(
        queue_names=["default"],
        interval=0.05,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
        heartbeat_every=0.2,
    )
    errors: list[BaseException] = []

    def run() -> None:
        try:
            worker.run()
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:

        def done() -> bool:
            result.refresh()
            return (
                result.status == TaskResultStatus.SUCCESSFUL and WorkerHeartbeat.objects.filter(worker_id="test-worker").exists()
            )

        assert wait_for(done), f"task status {result.status}"
        first_seen = WorkerHeartbeat.objects.get(worker_id="test-worker").seen_at
        assert wait_for(lambda: WorkerHeartbeat.objects.get(worker_id="test-worker").seen_at > first_seen, timeout=10)
    finally:
        worker.running = False
        thread.join(10)
    assert not thread.is_alive()
    assert errors == []
    assert result.return_value == 5
    heartbeat = WorkerHeartbeat.objects.get(worker_id="test-worker")
    assert heartbeat.backend == "database"
    assert heartbeat.pid == os.getpid()
    assert heartbeat.host
    assert heartbeat.started_at <= heartbeat.seen_at
    assert worker.heartbeat._thread is None  # stopped with the worker


def read_heartbeats(data_dir: Path) -> list[tuple[str, str]]:
    try:
        with sqlite3.connect(data_dir / "ester.sqlite3", timeout=10) as db:
            return db.execute("SELECT worker_id, backend FROM core_workerheartbeat").fetchall()
    except sqlite3.OperationalError:
        return []


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server = "/usr/bin/redis-server"
    if not Path(server).exists():
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        assert wait_for(up, timeout=10), "redis-server did not start"
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def test_rq_worker_runs_tasks_and_reports_heartbeat(
    ester_env: Callable[..., dict[str, str]], ester_data_dir: Path, redis_url: str, tmp_path: Path
) -> None:
    env = ester_env(ESTER_TASK_BACKEND="rq", ESTER_REDIS_URL=redis_url)
    marker = tmp_path / "marker.txt"
    enqueue = ester(
        "shell",
        "-c",
        f"from ester.core.tests.test_cli import write_marker; write_marker.enqueue({str(marker)!r}, 'klart')",
        env=env,
    )
    assert enqueue.returncode == 0, enqueue.stderr
    worker = subprocess.Popen(
        [sys.executable, "-m", "config.cli", "worker"], cwd=settings.BASE_DIR, env=env, start_new_session=True
    )
    try:
        assert wait_for(lambda: marker.exists() or worker.poll() is not None, timeout=60)
        assert worker.poll() is None, "the worker stopped"
        assert marker.exists(), "the RQ worker did not run the task"
        assert marker.read_text(encoding="utf-8") == "klart"
        beats = wait_for(lambda: read_heartbeats(ester_data_dir), timeout=20)
        assert [backend for _id, backend in beats] == ["rq"]
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)


def test_worker_with_immediate_backend_exits_at_once(ester_env: Callable[..., dict[str, str]]) -> None:
    result = ester("worker", env=ester_env(ESTER_TASK_BACKEND="immediate"), timeout=60)
    assert result.returncode == 0
    assert "ingen bakgrundsprocess behövs" in result.stdout


# --- serve ------------------------------------------------------------------------------


def fetch_health(port: int) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return json.load(response)
    except (OSError, urllib.error.URLError, ValueError):
        return None


def test_serve_runs_gunicorn_and_worker_until_sigterm(ester_env: Callable[..., dict[str, str]], ester_data_dir: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "config.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=settings.BASE_DIR,
        env=ester_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        health = wait_for(lambda: (h := fetch_health(port)) and h["status"] == "ok" and h, timeout=60, every=0.3)
        assert health, f"never healthy; last answer {fetch_health(port)}"
        assert health["database"] == {"ok": True, "vendor": "sqlite"}
        assert (ester_data_dir / "static" / "vendor" / "htmx.min.js").exists()  # collectstatic ran
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    assert process.returncode == 0, output
    assert fetch_health(port) is None  # gunicorn is gone too


# --- demo -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_demo_load_only_prints_working_logins(django_user_model: Any) -> None:
    pytest.importorskip("ester.organisation.demo")
    out = StringIO()
    call_command("demo", "--load-only", stdout=out)
    call_command("demo", "--load-only", stdout=StringIO())  # idempotent
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    from ester.organisation.demo import load_demo_city

    logins = load_demo_city()
    assert logins
    for username, password, role in logins:
        assert username in text and password in text and role in text
        assert django_user_model.objects.get(username=username).check_password(password)


@pytest.mark.django_db(transaction=True)
def test_worker_gives_sqlite_planner_statistics() -> None:
    """At its start the worker analyses the database (SQLite), so the planner has statistics for
    every table — also for one a migration has just remade; later it runs PRAGMA optimize."""
    from django.db import connection

    from ester.core.management.commands.worker import optimize_sqlite

    if connection.vendor != "sqlite":
        optimize_sqlite(first=True)  # nothing to do: autovacuum keeps PostgreSQL's statistics
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1")  # as after a migration that remade the tables
        optimize_sqlite(first=True)
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'django_migrations'")
        assert cursor.fetchone()[0] == 1
        optimize_sqlite()  # the hourly refresh
