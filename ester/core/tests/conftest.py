"""Fixtures for tests that run ``ester`` in a child process.

Those children use their own SQLite database in a temporary directory (the
test database of the parent is in memory or belongs to pytest-django), with
production settings: a secret key and ``ESTER_DEBUG`` off.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings

TEST_SECRET_KEY = "ester-test-only-secret-key-not-for-production-use"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESTER_")}
    env.update(
        ESTER_DATA_DIR=str(data_dir),
        ESTER_STATIC_ROOT=str(data_dir / "static"),
        ESTER_SECRET_KEY=TEST_SECRET_KEY,
        ESTER_DEBUG="0",
        ESTER_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def ester(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``ester <args>`` to completion in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "config.cli", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def migrated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with a migrated SQLite database, shared by the child-process tests."""
    data_dir = tmp_path_factory.mktemp("ester-data")
    result = ester("migrate", "--verbosity", "0", env=child_env(data_dir))
    assert result.returncode == 0, result.stderr
    return data_dir


@pytest.fixture
def ester_data_dir(migrated_data_dir: Path, tmp_path: Path) -> Path:
    """A fresh copy of the migrated data directory for one test."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for db_file in migrated_data_dir.glob("ester.sqlite3*"):
        shutil.copy2(db_file, data_dir / db_file.name)
    return data_dir


@pytest.fixture
def ester_env(ester_data_dir: Path) -> Callable[..., dict[str, str]]:
    """Environment for an ``ester`` child process on its own migrated SQLite database."""
    return lambda **extra: child_env(ester_data_dir, **extra)
