"""Why a poll could not go on."""

from __future__ import annotations


class PollError(Exception):
    """A poll could not go on; the text is Swedish and names no secret."""


class IngestFailed(PollError):
    """``ingest`` raised: not even a failure could be recorded (database or storage down)."""
