"""Fault tests of the IMAP poller: the worker killed in the middle of a batch, and the
database unavailable in the middle of a batch (SQLite: a held write lock;
PostgreSQL: the server refuses connections and ends the poller's session). After the restart every message is
processed exactly once: one row and one case per message, each marked on the server once,
and never a message marked before its case was committed."""

from __future__ import annotations

import datetime
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from ester.cases.models import Case
from ester.cases.tests.factories import CaseTypeFactory
from ester.intake.imap import KEYWORD, MARK_BATCH, poll
from ester.intake.models import IncomingMessage, Mailbox
from ester.intake.tests.conftest import IMAP_PASSWORD, IMAP_USER, SECRET_ENV, WriteLock
from ester.intake.tests.factories import PDF, MailboxFactory, mail
from ester.intake.tests.imapserver import ImapServer

pytestmark = pytest.mark.django_db(transaction=True)  # the poller commits; another process or connection looks on

COUNT = 50
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def world(
    city: Any, settings: Any, tmp_path: Path, imap_server: ImapServer, imap_folder: str, imap_secret: str
) -> SimpleNamespace:
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.DEFAULT_FROM_EMAIL = "ester@serviceforvaltningen.example"
    settings.TASKS = DUMMY
    case_type = CaseTypeFactory(process=city.process, code="LEV-MANUELL", name="Manuell leverantörsfaktura")
    mailbox = MailboxFactory(
        address="ekonomi.bromma@serviceforvaltningen.example",
        customer=city.customer_y,
        default_case_type=case_type,
        imap_port=imap_server.port,
        imap_user=IMAP_USER,
        folder=imap_folder,
    )
    raws = [
        mail(subject=f"Faktura {n} från Kontorsvaror AB", attachments=[(f"faktura-{n}.pdf", "application/pdf", PDF)]).replace(
            b"\n", b"\r\n"
        )
        for n in range(1, COUNT + 1)
    ]
    uids = imap_server.append(raws, folder=imap_folder)
    return SimpleNamespace(mailbox=mailbox, server=imap_server, folder=imap_folder, raws=raws, uids=uids, tmp_path=tmp_path)


def wait_for(condition: Any, timeout: float = 60.0, every: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def expire_claim(mailbox: Mailbox) -> None:
    """What the passing of the lease does for a poll that died (``imap.CLAIM``)."""
    Mailbox.objects.filter(pk=mailbox.pk).update(polling_until=timezone.now() - datetime.timedelta(seconds=1))


def assert_exactly_once(w: SimpleNamespace) -> None:
    rows = IncomingMessage.objects.filter(mailbox=w.mailbox)
    assert rows.count() == COUNT
    assert sorted(rows.values_list("sha256", flat=True)) == sorted(hashlib.sha256(raw).hexdigest() for raw in w.raws)
    assert sorted(rows.values_list("uid", flat=True)) == sorted(w.uids)
    assert set(rows.values_list("state", flat=True)) == {IncomingMessage.State.PROCESSED}
    assert Case.objects.count() == COUNT
    assert len(set(rows.values_list("case_id", flat=True))) == COUNT


# --- the worker killed -------------------------------------------------------------------------


def database_url() -> str:
    """The test database, for a process of its own (``ESTER_DATABASE_URL``)."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return "sqlite:///" + str(Path(settings_dict["NAME"]).resolve())
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgresql://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


def poll_mail_process(w: SimpleNamespace) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ESTER_DEBUG": "1",
        "ESTER_DATABASE_URL": database_url(),
        "ESTER_MEDIA_ROOT": str(w.tmp_path / "files"),
        "ESTER_TASK_BACKEND": "database",
        SECRET_ENV: IMAP_PASSWORD,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "poll_mail", "--mailbox", w.mailbox.address],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_the_worker_killed_mid_batch_then_every_message_exactly_once(world: SimpleNamespace) -> None:
    w = world
    processed = f"{w.folder}-behandlat"
    w.server.create(processed)
    Mailbox.objects.filter(pk=w.mailbox.pk).update(processed_folder=processed)
    rows = IncomingMessage.objects.filter(mailbox=w.mailbox)

    process = poll_mail_process(w)
    try:
        assert wait_for(lambda: rows.count() >= 25), "the poller took no messages"
        process.send_signal(signal.SIGKILL)  # as a power cut: no clean-up of any kind
    finally:
        output, _ = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL, output

    committed = {row.sha256 for row in rows}
    moved = w.server.messages(processed)
    assert 25 <= len(committed) < COUNT  # killed in the middle of the batch
    assert {hashlib.sha256(raw).hexdigest() for raw in moved.values()} <= committed  # never moved before the commit
    assert len(moved) >= len(committed) - MARK_BATCH  # at most a group is committed but not moved yet
    assert len(w.server.messages(w.folder)) == COUNT - len(moved)

    again = poll_mail_process(w)  # the dead poll's claim still holds the mailbox
    output, _ = again.communicate(timeout=120)
    assert again.returncode == 1 and "hämtas redan av en annan process" in output, output

    expire_claim(w.mailbox)
    restart = poll_mail_process(w)
    output, _ = restart.communicate(timeout=300)
    assert restart.returncode == 0, output

    assert_exactly_once(w)
    assert w.server.messages(w.folder) == {}
    moved = w.server.messages(processed)
    assert sorted(hashlib.sha256(raw).hexdigest() for raw in moved.values()) == sorted(
        hashlib.sha256(raw).hexdigest() for raw in w.raws
    )  # each message moved exactly once
    mailbox = Mailbox.objects.get(pk=w.mailbox.pk)
    assert (mailbox.last_error, mailbox.messages_waiting, mailbox.polling_until) == ("", 0, None)


# --- the database unavailable ------------------------------------------------------------------


def test_the_database_unavailable_mid_batch_then_every_message_exactly_once(
    world: SimpleNamespace, write_lock: WriteLock
) -> None:
    w = world
    table = IncomingMessage._meta.db_table

    def take_the_database_away() -> None:
        wait_for(lambda: write_lock.count(table) >= 10)
        write_lock.take()  # waits for the poller's transaction in flight, then holds every write off

    outage = threading.Thread(target=take_the_database_away, daemon=True)
    outage.start()
    try:
        result = poll(w.mailbox)
    finally:
        outage.join(60)
        flags = w.server.flags(w.folder)
        committed = {uid: state for uid, state in IncomingMessage.objects.values_list("uid", "state")}
        write_lock.release()

    assert result.error, result  # the batch stopped
    assert 10 <= len(committed) < COUNT
    assert set(committed.values()) == {IncomingMessage.State.PROCESSED}  # nothing recorded as failed for an outage
    flagged = {uid for uid, seen in flags.items() if KEYWORD in seen}
    assert flagged == set(committed)  # never flagged before the commit; what was committed is flagged as the poll stops
    assert all(not flags[uid] for uid in w.uids if uid not in committed)  # the rest untouched, not even \\Seen

    mailbox = Mailbox.objects.get(pk=w.mailbox.pk)  # a claim not given back is this process's to take over
    again = poll(mailbox)

    assert again.ok and again.waiting == 0, again
    assert again.fetched == COUNT - len(committed)  # the committed ones are known by UID: not fetched again
    assert_exactly_once(w)
    assert w.server.flags(w.folder) == {uid: {"\\Seen", KEYWORD} for uid in w.uids}
    mailbox.refresh_from_db()
    assert (mailbox.last_error, mailbox.messages_waiting) == ("", 0)


class PostgresOutage:
    """The PostgreSQL server taken away from the test database: new connections refused
    (``ALLOW_CONNECTIONS false``, which holds for superusers too) and the poller's session
    ended by the server (``pg_terminate_backend``), as when the server restarts or fails
    over. Spoken to over connections of its own (psycopg, outside Django)."""

    def __init__(self) -> None:
        import psycopg

        self.psycopg = psycopg
        settings_dict = connection.settings_dict
        self.name = settings_dict["NAME"]
        self.params = {
            "host": settings_dict.get("HOST") or "localhost",
            "port": settings_dict.get("PORT") or 5432,
            "user": settings_dict.get("USER") or "postgres",
            "password": settings_dict.get("PASSWORD") or None,
            "autocommit": True,
        }
        self.on = False

    def count(self, table: str) -> int:
        with self.psycopg.connect(dbname=self.name, **self.params) as conn:
            return int(conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])

    def start(self, backend_pid: int) -> None:
        with self.psycopg.connect(dbname="postgres", **self.params) as conn:
            conn.execute(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS false')
            self.on = True
            conn.execute("SELECT pg_terminate_backend(%s)", [backend_pid])

    def end(self) -> None:
        if self.on:
            with self.psycopg.connect(dbname="postgres", **self.params) as conn:
                conn.execute(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS true')
            self.on = False


@pytest.fixture
def postgres_outage() -> Iterator[PostgresOutage]:
    if connection.vendor != "postgresql":
        pytest.skip("the server's outage is PostgreSQL's; SQLite's is the held write lock above")
    outage = PostgresOutage()
    yield outage
    outage.end()


def test_the_postgresql_server_gone_mid_batch_then_every_message_exactly_once(
    world: SimpleNamespace, postgres_outage: PostgresOutage
) -> None:
    w = world
    table = IncomingMessage._meta.db_table
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        poller_pid = int(cursor.fetchone()[0])

    def take_the_server_away() -> None:
        wait_for(lambda: postgres_outage.count(table) >= 10, every=0.02)
        postgres_outage.start(poller_pid)

    outage = threading.Thread(target=take_the_server_away, daemon=True)
    outage.start()
    try:
        result = poll(w.mailbox)  # does not raise, although the server is gone for its last steps too
    finally:
        outage.join(60)
        flags = w.server.flags(w.folder)
        postgres_outage.end()
        connection.close()  # as the worker does with a connection the server closed (close_old_connections)

    assert "Databasen kunde inte nås" in result.error or "kunde inte tas emot" in result.error, result
    committed = {uid: state for uid, state in IncomingMessage.objects.values_list("uid", "state")}
    assert 10 <= len(committed) < COUNT
    assert set(committed.values()) == {IncomingMessage.State.PROCESSED}  # nothing recorded as failed for an outage
    flagged = {uid for uid, seen in flags.items() if KEYWORD in seen}
    assert flagged <= set(committed)  # never flagged before the commit
    assert all(not flags[uid] for uid in w.uids if uid not in committed)  # the rest untouched, not even \\Seen

    mailbox = Mailbox.objects.get(pk=w.mailbox.pk)
    assert mailbox.polling_until is not None  # the claim could not be given back while the server was gone ...
    Mailbox.objects.filter(pk=mailbox.pk).update(last_error="")
    assert (
        poll_mail_process(w).communicate(timeout=120)[0].count("hämtas redan av en annan process") == 1
    )  # ... nor taken by another process
    again = poll(mailbox)  # ... but by this one's next poll, at once

    assert again.ok and again.waiting == 0, again
    assert again.fetched == COUNT - len(committed)  # the committed ones are known by UID: not fetched again
    assert_exactly_once(w)
    assert w.server.flags(w.folder) == {uid: {"\\Seen", KEYWORD} for uid in w.uids}
    mailbox.refresh_from_db()
    assert (mailbox.last_error, mailbox.messages_waiting) == ("", 0)
