"""Personal identity numbers (personnummer and samordningsnummer) in free text.

Ester masks them wherever they would leave the record they belong to: lists,
subjects of outgoing mail, logs. ``mask_pii(text)`` finds every candidate
(``YYMMDD-NNNN``, ``YYYYMMDD-NNNN``, with ``-``, ``+``, a space or nothing
between date and serial), keeps only those that the ``personnummer`` library
accepts (a real date — day + 60 for samordningsnummer — and a correct check
digit) and shows them as ``YYMMDD-****``. Other digit runs (invoice numbers,
organisation numbers, phone numbers) are left alone.

``MaskPersonalIdentityNumbers`` is a ``logging.Filter`` installed on the log
handlers in settings, so no log line carries a whole number.
"""

from __future__ import annotations

import logging
import re

from personnummer import personnummer

__all__ = ["MaskPersonalIdentityNumbers", "find_personnummer", "is_personnummer", "mask_personnummer", "mask_pii"]

# Not part of a longer run of digits (account numbers, OCR references): no digit, and no
# digit-dash, right before; no digit right after.
_CANDIDATE = re.compile(r"(?<!\d)(?<!\d-)(?P<century>\d{2})?(?P<date>\d{6})(?P<sep>[-+ ]?)(?P<serial>\d{4})(?!\d)")


def is_personnummer(value: str) -> bool:
    """Whether ``value`` is a valid personnummer or samordningsnummer (10 or 12 digits)."""
    compact = value.strip().replace(" ", "")
    if not re.fullmatch(r"(\d{2})?\d{6}[-+]?\d{4}", compact):
        return False
    return bool(personnummer.valid(compact))


def _masked(match: re.Match[str]) -> str:
    if not is_personnummer(match.group(0)):
        return match.group(0)
    separator = "+" if match.group("sep") == "+" else "-"
    return f"{match.group('date')}{separator}****"


def mask_pii(text: str) -> str:
    """``text`` with every valid personal identity number shown as ``YYMMDD-****``."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    return _CANDIDATE.sub(_masked, text)


def find_personnummer(text: str) -> list[str]:
    """The valid personal identity numbers in ``text``, as written."""
    return [m.group(0) for m in _CANDIDATE.finditer(text or "") if is_personnummer(m.group(0))]


def mask_personnummer(value: str) -> str:
    """One number for a list column: ``19121212-1212`` → ``121212-****``; anything else as ``mask_pii`` leaves it."""
    return mask_pii(value)


class MaskPersonalIdentityNumbers(logging.Filter):
    """Log filter: masks personal identity numbers in the message, its arguments and a traceback.

    Never drops a record. Install it on handlers (a filter on a logger does not see
    records that propagate from child loggers).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler to report
            return True
        masked = mask_pii(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_pii(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_pii(record.stack_info)
        return True
