"""Fixtures of the intake tests: real IMAP servers on loopback (pymap, see ``imapserver.py``).

The servers live for the test session (one per pytest-xdist worker). Tests keep out of
each other's way by folder: ``imap_folder`` is a new folder for the test.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from ester.intake.tests.imapserver import ImapServer, TlsFront, self_signed_certificate, start_server

IMAP_USER = "ekonomi@serviceforvaltningen.example"
IMAP_PASSWORD = "hemligt-lösen-4711"
IMAP_TOKEN = "ya29.test-token-4711"
SECRET_ENV = "ESTER_TEST_IMAP_PASSWORD"  # MailboxFactory's secret_env

_folders = itertools.count(1)


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    """pymap with keywords, MOVE, UIDPLUS and XOAUTH2."""
    server = start_server(users={IMAP_USER: IMAP_PASSWORD}, tokens={IMAP_USER: IMAP_TOKEN})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def imap_server_plain() -> Iterator[ImapServer]:
    """pymap as it comes: no keywords kept (only system flags), and here without MOVE."""
    server = start_server(users={IMAP_USER: IMAP_PASSWORD}, keywords=False, move=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def imap_server_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ImapServer, Path]]:
    """pymap that requires STARTTLS, with its self-signed certificate (to trust through SSL_CERT_FILE)."""
    cert, key = self_signed_certificate(tmp_path_factory.mktemp("imap-tls"))
    server = start_server(users={IMAP_USER: IMAP_PASSWORD}, cert=cert, key=key)
    yield server, cert
    server.stop()


@pytest.fixture(scope="session")
def imap_server_ssl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ImapServer, int, Path]]:
    """Implicit TLS (as on port 993): a plain pymap behind a :class:`TlsFront` with a self-signed
    certificate (to trust through SSL_CERT_FILE). Yields the server (spoken to over its plain
    port), the TLS port and the certificate."""
    cert, key = self_signed_certificate(tmp_path_factory.mktemp("imap-ssl"))
    server = start_server(users={IMAP_USER: IMAP_PASSWORD})
    front = TlsFront(server.port, cert, key)
    yield server, front.port, cert
    front.stop()
    server.stop()


@pytest.fixture
def imap_folder(imap_server: ImapServer) -> str:
    """A new, empty folder on the main server."""
    name = f"Test{next(_folders)}"
    imap_server.create(name)
    return name


@pytest.fixture
def imap_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(SECRET_ENV, IMAP_PASSWORD)
    return IMAP_PASSWORD


# --- the database made unavailable (fault tests) ----------------------------------------------


@pytest.fixture
def short_database_waits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """SQLite connections — the test's own and those opened from now on, in any thread — wait
    0.3 s for a lock instead of 20 s, so that a held lock makes writes fail quickly."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the outage is a held SQLite write lock; PostgreSQL is not verified here")
    options = connection.settings_dict["OPTIONS"]
    monkeypatch.setitem(options, "timeout", 0.3)
    monkeypatch.setitem(options, "init_command", options["init_command"].replace("busy_timeout=20000", "busy_timeout=300"))
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout=300")
    yield
    if connection.connection is not None:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout=20000")


class WriteLock:
    """An exclusive write lock on the SQLite test database, held from a connection of its own
    (outside Django): every write elsewhere fails with "database is locked" after the busy
    timeout, as when the database is unavailable. Reads go on (WAL)."""

    def __init__(self) -> None:
        import sqlite3

        from django.db import connection

        self.raw = sqlite3.connect(connection.settings_dict["NAME"], timeout=30, isolation_level=None, check_same_thread=False)
        self.held = False

    def take(self) -> None:
        self.raw.execute("BEGIN EXCLUSIVE")
        self.held = True

    def release(self) -> None:
        if self.held:
            self.raw.execute("ROLLBACK")
            self.held = False

    def count(self, table: str) -> int:
        return int(self.raw.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])

    def close(self) -> None:
        self.release()
        self.raw.close()


@pytest.fixture
def write_lock(short_database_waits: None) -> Iterator[WriteLock]:
    lock = WriteLock()
    yield lock
    lock.close()
