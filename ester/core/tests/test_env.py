"""The typed ``ESTER_*`` parsers: good values parse, bad values name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.env import (
    EnvError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_required,
    env_secret,
    env_str,
    env_url,
)

NAME = "ESTER_TEST_SETTING"


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NAME, raising=False)
    monkeypatch.delenv(f"{NAME}_FILE", raising=False)


def test_unset_and_blank_give_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env_str(NAME, "standard") == "standard"
    monkeypatch.setenv(NAME, "   ")
    assert env_str(NAME, "standard") == "standard"
    assert env_bool(NAME, True) is True
    assert env_int(NAME, 7) == 7
    assert env_list(NAME, ["a"]) == ["a"]
    assert env_choice(NAME, "x", ("x", "y")) == "x"
    assert env_url(NAME, ("https",)) is None
    assert env_secret(NAME) is None


def test_str_is_stripped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "  Serviceförvaltningen ")
    assert env_str(NAME) == "Serviceförvaltningen"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("TRUE", True), ("yes", True), ("on", True), ("0", False), ("false", False), ("No", False), ("off", False)],
)
def test_bool_values(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME, not expected) is expected


def test_bool_rejects_other_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "ja")
    with pytest.raises(EnvError, match=NAME) as info:
        env_bool(NAME, False)
    assert "'ja'" in str(info.value)


def test_int_parses_and_checks_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, " 42 ")
    assert env_int(NAME, 1, minimum=1, maximum=100) == 42
    monkeypatch.setenv(NAME, "fyrtiotvå")
    with pytest.raises(EnvError, match=f"{NAME} must be a whole number"):
        env_int(NAME, 1)
    monkeypatch.setenv(NAME, "4.5")
    with pytest.raises(EnvError, match=NAME):
        env_int(NAME, 1)
    monkeypatch.setenv(NAME, "0")
    with pytest.raises(EnvError, match=f"{NAME} must be at least 1"):
        env_int(NAME, 5, minimum=1)
    monkeypatch.setenv(NAME, "2000")
    with pytest.raises(EnvError, match=f"{NAME} must be at most 1024"):
        env_int(NAME, 5, maximum=1024)


def test_list_splits_on_commas_and_drops_empty_items(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "ester.example, localhost,,  ")
    assert env_list(NAME, []) == ["ester.example", "localhost"]


def test_choice_names_the_allowed_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "celery")
    with pytest.raises(EnvError, match=NAME) as info:
        env_choice(NAME, "database", ("database", "rq", "immediate"))
    assert "database, rq, immediate" in str(info.value)
    monkeypatch.setenv(NAME, "rq")
    assert env_choice(NAME, "database", ("database", "rq", "immediate")) == "rq"


def test_path_is_made_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(NAME, "data")
    assert env_path(NAME, Path("/nowhere")) == (tmp_path / "data").resolve()
    assert env_path("ESTER_TEST_UNSET_PATH", Path("/default")) == Path("/default")


def test_url_checks_the_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "postgres://ester@db/ester")
    assert env_url(NAME, ("postgres", "sqlite")) == "postgres://ester@db/ester"
    monkeypatch.setenv(NAME, "mysql://ester@db/ester")
    with pytest.raises(EnvError, match=NAME) as info:
        env_url(NAME, ("postgres", "sqlite"))
    assert "postgres://" in str(info.value) and "'mysql'" in str(info.value)


def test_required_says_what_is_missing() -> None:
    with pytest.raises(EnvError, match=f"{NAME} must be set: the client id"):
        env_required(NAME, "the client id")


def test_secret_from_variable_or_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("från-fil\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret_file))
    assert env_secret(NAME) == "från-fil"
    monkeypatch.setenv(NAME, "från-variabel")
    assert env_secret(NAME) == "från-variabel"


def test_unreadable_secret_file_names_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "missing"))
    with pytest.raises(EnvError, match=f"{NAME}_FILE points at"):
        env_secret(NAME)


def test_documents_go_to_an_s3_compatible_store_by_setting(tmp_path):
    """ESTER_STORAGE=s3 puts originals in a bucket (MinIO, Ceph, AWS); a missing bucket stops start-up."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "ESTER_DEBUG": "1", "ESTER_DATA_DIR": str(tmp_path), "ESTER_STORAGE": "s3"}
    env.pop("ESTER_DATABASE_URL", None)
    missing = subprocess.run([sys.executable, "-c", "import config.settings"], env=env, cwd=root, capture_output=True, text=True)
    assert missing.returncode != 0 and "ESTER_S3_BUCKET" in missing.stderr
    env.update(ESTER_S3_BUCKET="ester-dokument", ESTER_S3_ENDPOINT_URL="http://127.0.0.1:9000", ESTER_S3_ACCESS_KEY="ester")
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
        "from django.core.files.storage import storages; s = storages['default'];"
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.location, s.file_overwrite)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["S3Storage", "ester-dokument", "http://127.0.0.1:9000", "ester", "False"]
