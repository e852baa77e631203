"""Typed parsers for ``ESTER_*`` environment settings.

Every setting Ester reads from the environment goes through one of these
functions, so that a bad value stops the process at start-up with a message
that names the variable and says what is expected, instead of surfacing later
as a confusing error.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse


class EnvError(ValueError):
    """A setting in the environment has a value Ester cannot use."""


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def env_required(name: str, hint: str) -> str:
    value = _raw(name)
    if value is None:
        raise EnvError(f"{name} must be set: {hint}")
    return value


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise EnvError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise EnvError(f"{name} must be a whole number; got {value!r}") from None
    if minimum is not None and number < minimum:
        raise EnvError(f"{name} must be at least {minimum}; got {number}")
    if maximum is not None and number > maximum:
        raise EnvError(f"{name} must be at most {maximum}; got {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _raw(name)
    if value is None:
        return default
    if value not in choices:
        raise EnvError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def env_path(name: str, default: Path) -> Path:
    value = _raw(name)
    return default if value is None else Path(value).expanduser().resolve()


def env_url(name: str, schemes: tuple[str, ...]) -> str | None:
    value = _raw(name)
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in schemes:
        raise EnvError(
            f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}; got scheme {parsed.scheme!r}"
        )
    return value


def env_secret(name: str) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE``."""
    value = _raw(name)
    if value is not None:
        return value
    file_name = _raw(f"{name}_FILE")
    if file_name is None:
        return None
    path = Path(file_name)
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise EnvError(f"{name}_FILE points at {file_name!r}, which cannot be read: {exc.strerror}") from None
