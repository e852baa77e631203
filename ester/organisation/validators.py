"""Swedish identity numbers for organisations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr


def normalise_org_number(value: str) -> str:
    """Validate a Swedish organisation number and return it as ``NNNNNN-NNNN``.

    Raises a ValidationError with a Swedish message that says what is wrong.
    """
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Ange organisationsnummer i formatet NNNNNN-NNNN."), code="required")
    digits = orgnr.compact(raw)
    if not digits.isdigit() or len(digits) != 10:
        raise ValidationError(
            _("Organisationsnumret ”%(value)s” ska ha tio siffror, t.ex. 212000-0142.") % {"value": raw}, code="format"
        )
    try:
        orgnr.validate(digits)
    except StdnumError:
        raise ValidationError(
            _(
                "Organisationsnumret ”%(value)s” är inte giltigt: kontrollsiffran stämmer inte. Kontrollera numret mot Bolagsverket."
            )
            % {"value": raw},
            code="checksum",
        ) from None
    return orgnr.format(digits)
