"""Personal identity numbers: found in free text, validated, masked as YYMMDD-****, also in logs."""

from __future__ import annotations

import io
import logging

import pytest
from django.conf import settings

from ester.core.pii import MaskPersonalIdentityNumbers, find_personnummer, is_personnummer, mask_personnummer, mask_pii

# Skatteverket's well-known test numbers: valid dates and check digits.
PERSONNUMMER = "19121212-1212"
SAMORDNINGSNUMMER = "701063-2391"  # day 63 = the 3rd + 60


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("19121212-1212", "121212-****"),
        ("121212-1212", "121212-****"),
        ("191212121212", "121212-****"),
        ("1212121212", "121212-****"),
        ("19121212 1212", "121212-****"),
        ("121212+1212", "121212+****"),  # a hundred or older
        (SAMORDNINGSNUMMER, "701063-****"),
        ("Lön för 19121212-1212, mars.", "Lön för 121212-****, mars."),
        ("pnr:121212-1212/880320-0016", "pnr:121212-****/880320-****"),
    ],
)
def test_valid_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "19121212-1213",  # wrong check digit
        "121312-1212",  # month 13
        "212000-0142",  # an organisation number (Stockholms stad), not a person
        "EK-2026-000123",  # a case number
        "Faktura 4711, 1 212,50 kr",
        "070-123 45 67",
        "OCR 9121212121212121",  # a longer run of digits containing a valid number
        "Konto 1234-121212-1212",
        "",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_pii(text) == text


def test_single_values_and_finding() -> None:
    assert is_personnummer(PERSONNUMMER) and is_personnummer(SAMORDNINGSNUMMER)
    assert not is_personnummer("19121212-1213") and not is_personnummer("ingen siffra")
    assert mask_personnummer(PERSONNUMMER) == "121212-****"
    assert find_personnummer(f"{PERSONNUMMER} och 880320-0016 men inte 880320-0018") == [PERSONNUMMER, "880320-0016"]


def _record(msg: str, *args: object, exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord("ester.test", logging.INFO, __file__, 1, msg, args, exc_info)  # type: ignore[arg-type]


def test_the_log_filter_masks_message_arguments_and_tracebacks() -> None:
    masking = MaskPersonalIdentityNumbers()
    record = _record("case for %s registered (%d)", PERSONNUMMER, 7)
    assert masking.filter(record) is True
    assert record.getMessage() == "case for 121212-**** registered (7)"

    try:
        raise ValueError(f"bad row {PERSONNUMMER}")
    except ValueError:
        import sys

        record = _record("import failed", exc_info=sys.exc_info())
    masking.filter(record)
    assert record.exc_text is not None
    assert "121212-****" in record.exc_text and PERSONNUMMER not in record.exc_text

    untouched = _record("nothing %s here", "personal")
    masking.filter(untouched)
    assert untouched.args == ("personal",)


def test_settings_install_the_filter_on_every_handler() -> None:
    config = settings.LOGGING
    assert config["filters"]["mask_pii"]["()"] == "ester.core.pii.MaskPersonalIdentityNumbers"
    for name, handler in config["handlers"].items():
        assert "mask_pii" in handler.get("filters", []), name


def test_a_log_line_written_through_the_configured_handler_is_masked() -> None:
    root = logging.getLogger()
    handlers = [h for h in root.handlers if any(isinstance(f, MaskPersonalIdentityNumbers) for f in h.filters)]
    assert handlers, "the root logger's console handler carries the filter"
    handler = handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logging.getLogger("ester.cases.test").warning("return letter for %s failed", PERSONNUMMER)
    finally:
        handler.setStream(previous)  # type: ignore[arg-type]
    line = stream.getvalue()
    assert "return letter for 121212-**** failed" in line
    assert PERSONNUMMER not in line and "1212-1212" not in line
