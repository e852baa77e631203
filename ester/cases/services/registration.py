"""Registering a case: its number, its date received, sender and subject at once
(the public-records rule), the team from the customer's handling assignment, and
the lead-time clock started. Intake, the API, the portal and splitting a case all
register through ``case_register``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ester.accounts.models import User
from ester.cases import notify
from ester.cases.choices import CaseChannel, EventKind, Priority
from ester.cases.models import Case, CaseNumberSequence, CaseType
from ester.cases.services._common import _event
from ester.cases.services.deadlines import case_recompute_due
from ester.core import clock
from ester.core.access import Action, can
from ester.core.services import require
from ester.organisation.models import Area, Customer, HandlingAssignment, Process, Team

# --- numbering ----------------------------------------------------------------------


def next_case_number(area: Area, year: int) -> str:
    """The next registration number of ``area`` and ``year``: ``EK-2026-000123``.

    The counter row is bumped with one UPDATE (row-locked on PostgreSQL; the
    IMMEDIATE transaction serialises writers on SQLite), so two concurrent
    registrations never get the same number.
    """
    for _attempt in range(3):
        if CaseNumberSequence.objects.filter(area=area, year=year).update(last=F("last") + 1):
            last = CaseNumberSequence.objects.filter(area=area, year=year).values_list("last", flat=True).get()
            return f"{area.code}-{year}-{last:06d}"
        try:
            with transaction.atomic():
                CaseNumberSequence.objects.create(area=area, year=year, last=1)
            return f"{area.code}-{year}-{1:06d}"
        except IntegrityError:  # created by a concurrent registration: bump it instead
            continue
    raise RuntimeError(f"could not allocate a case number for {area.code} {year}")


# --- handling team ------------------------------------------------------------------


def handling_team_on(customer: Customer, process: Process, day: datetime.date | None = None) -> Team | None:
    """The team handling ``process`` for ``customer`` on ``day`` (today on the services' clock), as
    ``organisation.selectors.handling_team``; the customer's assignments of the process are read
    in one query, once per customer and process inside ``clock.memoized()``."""
    day = day or clock.localdate()
    rows: list[HandlingAssignment] = clock.memo(
        ("handling_assignments", customer.pk, process.pk),
        lambda: list(
            HandlingAssignment.objects.filter(customer=customer, process=process).select_related("team").order_by("-valid_from")
        ),
    )
    return next((row.team for row in rows if row.is_valid_on(day)), None)


# --- registration -------------------------------------------------------------------


@transaction.atomic
def case_register(
    *,
    actor: User | None,
    customer: Customer,
    case_type: CaseType,
    channel: str,
    sender_name: str,
    subject: str,
    received_at: datetime.datetime | None = None,
    sender_email: str = "",
    sender_phone: str = "",
    description: str = "",
    fields: dict[str, Any] | None = None,
    priority: int = Priority.NORMAL,
    secret: bool = False,
    personal_data: bool = False,
    event_payload: dict[str, Any] | None = None,
) -> Case:
    """Register a case: date received, number, sender and subject are recorded at once
    (the public-records rule); the team comes from the customer's handling assignment.

    ``event_payload`` is added to the "Registrerat" line — intake records the incoming
    mail's ``message_id`` there, which the outgoing mail's References then name."""
    now = clock.now()
    received_at = received_at or now
    require(actor is None or can(actor, customer, Action.VIEW), _("Du kan inte registrera ärenden för den här kunden."))
    require(bool(sender_name.strip()), _("Ange avsändare – det krävs när ett ärende registreras."), "sender_name")
    require(bool(subject.strip()), _("Ange en rubrik som beskriver ärendet."), "subject")
    require(channel in CaseChannel.values, _("Okänd kanal."), "channel")
    require(received_at <= now + datetime.timedelta(minutes=5), _("Inkomstdatum kan inte ligga i framtiden."), "received_at")
    require(case_type.active, _("Ärendetypen %(type)s används inte längre.") % {"type": case_type}, "case_type")
    day = timezone.localtime(received_at).date()
    team = handling_team_on(customer, case_type.process, day) or handling_team_on(customer, case_type.process)
    require(
        team is not None,
        _("Inget team handlägger %(process)s för %(customer)s. Registrera handläggande team på kundsidan först.")
        % {"process": case_type.process, "customer": customer},
        "case_type",
    )
    assert team is not None
    area = case_type.process.area
    case = Case(
        number=next_case_number(area, timezone.localtime(received_at).year),
        area=area,
        customer=customer,
        process=case_type.process,
        case_type=case_type,
        channel=channel,
        sender_name=sender_name.strip()[:200],
        sender_email=sender_email.strip(),
        sender_phone=sender_phone.strip(),
        subject=subject.strip()[:300],
        description=description,
        received_at=received_at,
        registered_by=actor,
        priority=priority,
        urgent=case_type.urgent,
        team=team,
        secret=secret,
        personal_data=personal_data,
        fields=fields or {},
    )
    case_recompute_due(case, save=False)
    case.save()
    if not clock.on_wall_clock():  # auto_now_add stamped the wall clock: the case was registered at ``now``
        Case.objects.filter(pk=case.pk).update(registered_at=now)
        case.registered_at = now
    _event(
        case,
        EventKind.CREATED,
        actor=actor,
        at=now,
        text=subject.strip(),
        channel=channel,
        received_at=received_at.isoformat(),
        sender=sender_name.strip(),
        team=team.name,
        **(event_payload or {}),
    )
    clock.after_commit(lambda: notify.case_registered(case.pk))
    return case
