"""Excel exports of the organisation (the customer register)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from ester.core.excel import Sheet


def customer_register_sheets(customers: Iterable[Any], day: datetime.date) -> list[Sheet]:
    """The register (one row per customer) and who handles what (one row per customer and process).

    ``customers`` come from ``with_register_details`` (``contact_count``, ``current_handling``).
    """
    customers = list(customers)
    register = Sheet(
        title=_("Kunder"),
        heading=_("Kundregister per %(day)s") % {"day": day.isoformat()},
        headers=[
            _("Namn"),
            _("Kortnamn"),
            _("Typ"),
            _("Organisationsnummer"),
            _("Verksamhetsområde"),
            _("Ansvarig enhet"),
            _("Kundansvarig enhetschef"),
            _("Vår kontaktperson"),
            _("Funktionsbrevlåda"),
            _("Antal kontakter"),
            _("Handläggande team per process"),
            _("Giltig från"),
            _("Giltig till"),
        ],
        rows=[
            [
                c.name,
                c.short_name,
                c.get_kind_display(),
                c.org_number,
                c.responsible_unit.area.name,
                c.responsible_unit.name,
                str(c.responsible_manager) if c.responsible_manager else "",
                str(c.our_contact) if c.our_contact else "",
                c.mailbox,
                c.contact_count,
                "; ".join(f"{a.process.name}: {a.team.name}" for a in c.current_handling),
                c.valid_from,
                c.valid_to,
            ]
            for c in customers
        ],
    )
    handling = Sheet(
        title=_("Handläggning"),
        heading=_("Handläggande team per %(day)s") % {"day": day.isoformat()},
        headers=[_("Kund"), _("Organisationsnummer"), _("Process"), _("Team"), _("Enhet"), _("Från och med")],
        rows=[
            [c.name, c.org_number, a.process.name, a.team.name, a.team.unit.name, a.valid_from]
            for c in customers
            for a in c.current_handling
        ],
    )
    return [register, handling]
