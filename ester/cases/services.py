"""Writes to cases. Every change is a timeline event (immutable) written in the same transaction.

The flow: ``case_register`` (number, received_at, team from the customer's
handling assignment, lead-time clock) → ``case_assign`` / ``case_take_next``
→ handling (``case_add_note``, ``case_reply``, ``case_return_for_completion``
pauses the clock; ``case_hand_over`` gives it to another team) →
``case_complete_by_customer`` resumes it → ``case_close``.

Time, notifications and reference data go through :mod:`ester.core.clock`:
"now" is ``clock.now()``, notifications are scheduled with
``clock.after_commit`` and calendars and handling teams are read through
``area_calendar`` / ``handling_team_on`` (read once inside ``clock.memoized()``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.template import Context, Template
from django.utils import timezone
from django.utils.translation import gettext as _

from ester.accounts.models import User
from ester.agreements.models import LeadTime
from ester.cases import leadtime, notify
from ester.cases.choices import CaseChannel, CaseStatus, EventKind, LetterKind, LinkKind, Priority
from ester.cases.models import (
    Absence,
    Case,
    CaseEvent,
    CaseLink,
    CaseNumberSequence,
    CaseType,
    LetterTemplate,
    ReturnReason,
    ReturnRequest,
)
from ester.core import clock
from ester.core.access import Action, Role, can
from ester.core.services import require, require_permission
from ester.organisation.models import Area, Customer, HandlingAssignment, Process, RoleAssignment, Team
from ester.organisation.selectors import business_calendar

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


# --- timeline -----------------------------------------------------------------------


def _event(
    case: Case,
    kind: str,
    *,
    actor: Any,
    text: str = "",
    internal: bool = False,
    at: datetime.datetime | None = None,
    **payload: Any,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or clock.now(),
        text=text,
        internal=internal,
        payload=payload,
    )


def _save(case: Case, *fields: str) -> None:
    case.save(update_fields=[*fields, "updated_at"])


# --- reference data -----------------------------------------------------------------


def area_calendar(area: Area) -> Any:
    """The area's business calendar (read once per area inside ``clock.memoized()``)."""
    return clock.memo(("business_calendar", area.pk), lambda: business_calendar(area))


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


# --- lead times ---------------------------------------------------------------------


def lead_time_policy(case: Case) -> tuple[datetime.timedelta | None, datetime.timedelta]:
    """(first response, resolution) in working time: the customer's agreement for the
    year overrides the case type's default when it names the case type (the agreement's
    row is read once per customer, year and case type inside ``clock.memoized()``)."""
    case_type = case.case_type
    first = case_type.first_response_hours
    resolution = case_type.resolution_hours
    year = timezone.localtime(case.received_at).year
    agreed: LeadTime | None = clock.memo(
        ("lead_time", case.customer_id, year, case.process_id, case_type.pk),
        lambda: (
            LeadTime.objects.filter(agreement__customer_id=case.customer_id, agreement__year=year, process_id=case.process_id)
            .filter(Q(work_kind__iexact=case_type.name) | Q(work_kind__iexact=case_type.code))
            .first()
        ),
    )
    if agreed is not None:
        first = agreed.first_response_hours if agreed.first_response_hours is not None else first
        resolution = agreed.resolution_hours
    return (datetime.timedelta(hours=first) if first else None), datetime.timedelta(hours=resolution)


def case_pauses(case: Case) -> list[leadtime.Pause]:
    """The periods the clock stood still, from the timeline (paused → resumed)."""
    pauses: list[leadtime.Pause] = []
    start: datetime.datetime | None = None
    for kind, at in (
        case.events.filter(kind__in=(EventKind.PAUSED, EventKind.RESUMED)).order_by("at", "id").values_list("kind", "at")
    ):
        if kind == EventKind.PAUSED and start is None:
            start = at
        elif kind == EventKind.RESUMED and start is not None:
            pauses.append(leadtime.Pause(start, at))
            start = None
    if start is not None:
        pauses.append(leadtime.Pause(start, None))
    return pauses


def due_times(
    case: Case,
    *,
    calendar: Any = None,
    policy: tuple[datetime.timedelta | None, datetime.timedelta] | None = None,
    pauses: Sequence[leadtime.Pause] | None = None,
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """(resolution due, first-response due) of a case from its timeline; callers that
    recompute many cases pass the area's calendar, the policy and the pauses they already have."""
    calendar = calendar or area_calendar(case.area)
    first, resolution = policy or lead_time_policy(case)
    if pauses is None:
        pauses = case_pauses(case) if case.pk else []
    due = leadtime.due_at(calendar, case.received_at, resolution, pauses)
    first_due = leadtime.due_at(calendar, case.received_at, first, []) if first else None
    return due, first_due


def case_recompute_due(case: Case, *, save: bool = True) -> None:
    """Recompute due times from the timeline — also when a policy or the calendar changes."""
    case.due_at, case.first_response_due_at = due_times(case)
    if save:
        _save(case, "due_at", "first_response_due_at")


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


# --- assignment ---------------------------------------------------------------------


def _team_handlers(team: Team, day: datetime.date) -> Any:
    return User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(role=Role.HANDLER, team=team).valid_on(day).values("user_id"),
    )


def _require_handler(actor: User | None, case: Case) -> None:
    """Services check authority too (views check first): working on a case takes the HANDLE
    action on it. ``actor=None`` is the system itself (intake, sweeps)."""
    require_permission(actor, case, Action.HANDLE)


def _require_open(case: Case) -> None:
    require(
        case.is_open,
        _("Ärendet %(number)s är %(status)s. Återöppna det först.")
        % {"number": case.number, "status": case.get_status_display().lower()},
    )


@transaction.atomic
def case_assign(*, actor: User | None, case: Case, assignee: User | None) -> Case:
    """Give the case to a handler of its team (or take it back to the team queue with ``None``)."""
    _require_handler(actor, case)
    _require_open(case)
    if assignee is not None:
        require(
            _team_handlers(case.team, clock.localdate()).filter(pk=assignee.pk).exists() or can(assignee, case, Action.VIEW),
            _("%(user)s handlägger inte ärenden i %(team)s.") % {"user": assignee, "team": case.team},
            "assignee",
        )
    if case.assignee_id == (assignee.pk if assignee else None):
        return case
    case.assignee = assignee
    fields = ["assignee"]
    if assignee is not None and case.status in (CaseStatus.NEW, CaseStatus.HANDED_OVER):
        case.status = CaseStatus.IN_PROGRESS
        fields.append("status")
    _save(case, *fields)
    _event(case, EventKind.ASSIGNED, actor=actor, internal=True, assignee=str(assignee) if assignee else None)
    if assignee is not None and assignee != actor:
        clock.after_commit(lambda: notify.case_assigned(case.pk, assignee.pk))
    return case


def team_queue(team: Team) -> Any:
    """Open, unassigned cases of a team in the order they should be taken: urgent first, then by due time."""
    return (
        Case.objects.filter(open_team_id=team.pk, assignee__isnull=True)
        .exclude(status=CaseStatus.WAITING)
        .order_by("-urgent", F("due_at").asc(nulls_last=True), "received_at", "id")
    )


@transaction.atomic
def case_take_next(*, actor: User, teams: Iterable[Team]) -> Case | None:
    """Take the next case from the given queues (urgent first, then earliest due)."""
    candidates = Case.objects.filter(
        open_team_id__in=[team.pk for team in teams],
        assignee__isnull=True,
        status__in=(CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.HANDED_OVER),
    ).order_by("-urgent", F("due_at").asc(nulls_last=True), "received_at", "id")
    for case in candidates.select_for_update(skip_locked=True)[:5]:
        if Case.objects.filter(pk=case.pk, assignee__isnull=True).update(assignee=actor, status=CaseStatus.IN_PROGRESS):
            case.refresh_from_db()
            _event(case, EventKind.ASSIGNED, actor=actor, internal=True, assignee=str(actor), taken=True)
            return case
    return None


@transaction.atomic
def case_assign_balanced(*, actor: User | None, case: Case, day: datetime.date | None = None) -> User | None:
    """Give the case to the team's handler with the fewest open cases, skipping those absent today."""
    _require_handler(actor, case)
    day = day or clock.localdate()
    absent = Absence.objects.filter(start__lte=day, end__gte=day).values("user_id")
    handler = (
        _team_handlers(case.team, day)
        .exclude(pk__in=absent)
        .annotate(load=Count("assigned_cases", filter=Q(assigned_cases__open_assignee_id__isnull=False)))
        .order_by("load", "last_name", "pk")
        .first()
    )
    if handler is not None:
        case_assign(actor=actor, case=case, assignee=handler)
    return handler


@transaction.atomic
def case_hand_over(*, actor: User, case: Case, team: Team, reason: str) -> Case:
    """Lämna över: give an open case to another team that handles its process, saying why.

    The case lands unassigned in the team's queue as "Överlämnad" until someone
    there takes it (then it is "Pågående"); a case waiting for the customer keeps
    waiting (the customer still owes the completion).  The lead-time clock runs on.
    The reason is an internal line of the timeline: the customer sees the status, never why.
    """
    from ester.cases.selectors import hand_over_team_choices

    _require_handler(actor, case)
    require(
        case.is_open,
        _("Ärendet %(number)s är %(status)s och kan inte lämnas över.")
        % {"number": case.number, "status": case.get_status_display().lower()},
    )
    require(team.pk != case.team_id, _("Ärendet ligger redan hos %(team)s. Välj ett annat team.") % {"team": team}, "team")
    require(
        hand_over_team_choices(actor, case, clock.localdate()).filter(pk=team.pk).exists(),
        _("%(team)s handlägger inte %(process)s i dag. Välj ett av teamen i listan.") % {"team": team, "process": case.process},
        "team",
    )
    require(bool(reason.strip()), _("Skriv varför ärendet lämnas över – det mottagande teamet läser det."), "reason")
    before, previous = case.team, case.assignee
    case.team, case.assignee = team, None
    fields = ["team", "assignee"]
    if case.status != CaseStatus.WAITING:
        case.status = CaseStatus.HANDED_OVER
        fields.append("status")
    _save(case, *fields)
    _event(
        case,
        EventKind.STATUS,
        actor=actor,
        internal=True,
        text=reason.strip(),
        handed_over=True,
        status=case.status,
        from_team=before.name,
        to_team=team.name,
        previous_assignee=str(previous) if previous else None,
        reason=reason.strip(),
    )
    return case


# --- handling -----------------------------------------------------------------------


@transaction.atomic
def case_add_note(*, actor: User | None, case: Case, text: str) -> CaseEvent:
    _require_handler(actor, case)
    require(bool(text.strip()), _("Skriv något i anteckningen."), "text")
    return _event(case, EventKind.NOTE, actor=actor, text=text.strip(), internal=True)


def _mark_first_response(case: Case, at: datetime.datetime) -> list[str]:
    if case.first_response_at is None:
        case.first_response_at = at
        return ["first_response_at"]
    return []


@transaction.atomic
def case_reply(*, actor: User, case: Case, text: str) -> CaseEvent:
    """A reply to the customer on the timeline (sending it by mail comes with the mail module)."""
    _require_handler(actor, case)
    require(bool(text.strip()), _("Skriv ett svar."), "text")
    now = clock.now()
    fields = _mark_first_response(case, now)
    if fields:
        _save(case, *fields)
    event = _event(case, EventKind.MESSAGE_OUT, actor=actor, text=text.strip(), at=now)
    clock.after_commit(lambda: notify.reply_sent(event.pk))
    return event


def letter_template(case: Case, kind: str, language: str = "sv") -> LetterTemplate | None:
    return (
        LetterTemplate.objects.filter(kind=kind, language=language)
        .filter(Q(process_id=case.process_id) | Q(process__isnull=True))
        .order_by(F("process_id").asc(nulls_last=True))
        .first()
    )


DEFAULT_RETURN_SUBJECT = "Komplettering behövs: ärende {{ arendenummer }}"
DEFAULT_RETURN_BODY = """Hej!

Vi har tagit emot ert underlag i ärende {{ arendenummer }} ({{ rubrik }}), men kan inte handlägga det ännu. Följande saknas:

{% for rad in saknas %}- {{ rad }}
{% endfor %}
Komplettera genom att svara på detta meddelande eller i kundportalen. Ärendet vilar tills kompletteringen har kommit in.

Med vänlig hälsning
{{ handlaggare }}
{{ team }}, {{ kund_omrade }}
Gruppnummer: {{ gruppnummer }}"""


def render_letter(case: Case, kind: str, actor: Any, missing: Sequence[str] = ()) -> tuple[str, str]:
    """Subject and body of a standard letter with the case's variables filled in."""
    template = letter_template(case, kind)
    subject_source = template.subject if template else DEFAULT_RETURN_SUBJECT
    body_source = template.body if template else DEFAULT_RETURN_BODY
    context = Context(
        {
            "kund": case.customer.name,
            "arendenummer": case.number,
            "rubrik": case.subject,
            "saknas": list(missing),
            "handlaggare": (actor.get_full_name() or actor.username) if getattr(actor, "pk", None) else "",
            "team": case.team.name,
            "gruppnummer": case.team.phone or "",
            "kund_omrade": case.area.name,
            "avsandare": case.sender_name,
        },
        autoescape=False,
    )
    return Template(subject_source).render(context).strip(), Template(body_source).render(context).strip()


@transaction.atomic
def case_return_for_completion(*, actor: User, case: Case, reasons: Sequence[ReturnReason], free_text: str = "") -> ReturnRequest:
    """Return the underlag for completion: a letter that says exactly what is missing,
    who sends it and the group number; the lead-time clock pauses until the customer completes."""
    _require_handler(actor, case)
    _require_open(case)
    require(case.status != CaseStatus.WAITING, _("Ärendet väntar redan på komplettering."))
    require(bool(reasons) or bool(free_text.strip()), _("Välj minst en returorsak eller beskriv vad som saknas."), "reasons")
    missing = [r.text for r in reasons] + ([free_text.strip()] if free_text.strip() else [])
    subject, body = render_letter(case, LetterKind.RETURN, actor, missing)
    now = clock.now()
    request = ReturnRequest.objects.create(
        case=case, free_text=free_text.strip(), letter_subject=subject, letter_body=body, sent_at=now, sent_by=actor
    )
    request.reasons.set(reasons)
    fields = ["status", "paused_since", *_mark_first_response(case, now)]
    case.status = CaseStatus.WAITING
    case.paused_since = now
    _event(case, EventKind.RETURNED, actor=actor, at=now, text=body, subject=subject, reasons=[r.code for r in reasons])
    _event(case, EventKind.PAUSED, actor=actor, at=now, internal=True)
    case_recompute_due(case, save=False)
    _save(case, *fields, "due_at", "first_response_due_at")
    clock.after_commit(lambda: notify.return_request_sent(request.pk))
    return request


@transaction.atomic
def case_complete_by_customer(*, actor: User | None, case: Case, text: str = "", payload: dict[str, Any] | None = None) -> Case:
    """The customer has sent what was missing: the request is completed and the clock runs again.
    ``payload`` goes on the "Kompletterat" line (intake: the mail's ``message_id``)."""
    require(case.status == CaseStatus.WAITING, _("Ärendet väntar inte på komplettering."))
    now = clock.now()
    case.return_requests.filter(completed_at__isnull=True).update(completed_at=now)
    _event(case, EventKind.COMPLETED, actor=actor, at=now, text=text.strip(), **(payload or {}))
    _event(case, EventKind.RESUMED, actor=actor, at=now, internal=True)
    case.status = CaseStatus.IN_PROGRESS if case.assignee_id else CaseStatus.NEW
    case.paused_since = None
    case_recompute_due(case, save=False)
    _save(case, "status", "paused_since", "due_at", "first_response_due_at")
    return case


@transaction.atomic
def case_close(*, actor: User, case: Case, text: str = "", first_contact_resolved: bool | None = None) -> Case:
    _require_handler(actor, case)
    _require_open(case)
    require(case.status != CaseStatus.WAITING, _("Ärendet väntar på kunden. Ta emot kompletteringen eller makulera ärendet."))
    now = clock.now()
    case.status = CaseStatus.CLOSED
    case.resolved_at = now
    fields = ["status", "resolved_at"]
    if first_contact_resolved is not None:
        case.first_contact_resolved = first_contact_resolved
        fields.append("first_contact_resolved")
    _save(case, *fields)
    _event(case, EventKind.CLOSED, actor=actor, at=now, text=text.strip())
    return case


@transaction.atomic
def case_reopen(*, actor: User | None, case: Case, reason: str) -> Case:
    """A handler opens a closed case again."""
    _require_handler(actor, case)
    return reopen(case, actor=actor, reason=reason)


def reopen(case: Case, *, actor: User | None, reason: str) -> Case:
    """Open a closed case again — also for the customer, whose message on a closed case
    reopens it (``services_messages``); the callers check who may."""
    require(case.status == CaseStatus.CLOSED, _("Bara avslutade ärenden kan återöppnas."))
    require(bool(reason.strip()), _("Ange varför ärendet öppnas igen."), "reason")
    case.status = CaseStatus.IN_PROGRESS if case.assignee_id else CaseStatus.NEW
    case.resolved_at = None
    _save(case, "status", "resolved_at")
    _event(case, EventKind.REOPENED, actor=actor, text=reason.strip())
    return case


@transaction.atomic
def case_set_priority(*, actor: User, case: Case, priority: int, urgent: bool) -> Case:
    """Change priority and the urgent flag (urgent cases surface at the top of every queue)."""
    _require_handler(actor, case)
    _require_open(case)
    require(priority in Priority.values, _("Okänd prioritet."), "priority")
    if case.priority == priority and case.urgent == urgent:
        return case
    before = {"priority": case.get_priority_display(), "urgent": case.urgent}
    case.priority, case.urgent = priority, urgent
    _save(case, "priority", "urgent")
    _event(
        case, EventKind.PRIORITY, actor=actor, internal=True, before=before, priority=case.get_priority_display(), urgent=urgent
    )
    return case


@transaction.atomic
def case_void(*, actor: User, case: Case, reason: str) -> Case:
    """Makulera: the case stays, with the reason; nothing is deleted."""
    _require_handler(actor, case)
    _require_open(case)
    require(bool(reason.strip()), _("Ange varför ärendet makuleras."), "reason")
    case.status = CaseStatus.VOIDED
    case.status_reason = reason.strip()[:300]
    case.resolved_at = clock.now()
    _save(case, "status", "status_reason", "resolved_at")
    _event(case, EventKind.VOIDED, actor=actor, text=reason.strip())
    return case


# --- links, merge and split -------------------------------------------------------------


def _link(from_case: Case, to_case: Case, kind: str) -> None:
    CaseLink.objects.get_or_create(from_case=from_case, to_case=to_case, kind=kind)


@transaction.atomic
def case_link(*, actor: User | None, case: Case, other: Case, kind: str = LinkKind.RELATED) -> None:
    """Mark two cases as related (or one as a possible reply to the other). ``actor=None`` is
    the system (intake); it never links cases of two customers — a link is shown to the
    contacts of its case's customer."""
    _require_handler(actor, case)
    require(case.pk != other.pk, _("Ett ärende kan inte länkas till sig självt."))
    require(actor is None or can(actor, other, Action.VIEW), _("Ärendet finns inte."), "other")
    require(case.customer_id == other.customer_id or actor is not None, _("Ärenden hos olika kunder länkas inte automatiskt."))
    _link(case, other, kind)
    _event(case, EventKind.LINKED, actor=actor, internal=True, other=other.number, link=kind)
    _event(other, EventKind.LINKED, actor=actor, internal=True, other=case.number, link=kind)


@transaction.atomic
def case_merge(*, actor: User, case: Case, into: Case) -> Case:
    """Merge a duplicate into another case of the same customer.

    Nothing moves and nothing is deleted: the duplicate is voided with the
    reason "Sammanslaget med …", keeps its documents and timeline, and both
    timelines point at each other.
    """
    _require_handler(actor, case)
    _require_open(case)
    require(case.pk != into.pk, _("Ett ärende kan inte slås samman med sig självt."))
    require(can(actor, into, Action.VIEW), _("Ärendet finns inte."), "into")
    require(
        case.customer_id == into.customer_id,
        _("Bara ärenden från samma kund kan slås samman (%(a)s och %(b)s).") % {"a": case.customer, "b": into.customer},
        "into",
    )
    require(into.is_open, _("%(number)s är inte öppet. Återöppna det först.") % {"number": into.number}, "into")
    _link(case, into, LinkKind.MERGED_INTO)
    reason = _("Sammanslaget med %(number)s") % {"number": into.number}
    case.status = CaseStatus.VOIDED
    case.status_reason = reason
    case.resolved_at = clock.now()
    _save(case, "status", "status_reason", "resolved_at")
    _event(case, EventKind.MERGED, actor=actor, text=reason, into=into.number)
    _event(
        into,
        EventKind.MERGED,
        actor=actor,
        text=_("%(number)s har slagits samman med detta ärende") % {"number": case.number},
        source=case.number,
    )
    return into


@transaction.atomic
def case_split(*, actor: User, case: Case, subject: str, case_type: CaseType | None = None, description: str = "") -> Case:
    """Break out part of a case as a new case (same customer, sender and received time)."""
    _require_handler(actor, case)
    _require_open(case)
    new = case_register(
        actor=actor,
        customer=case.customer,
        case_type=case_type or case.case_type,
        channel=case.channel,
        sender_name=case.sender_name,
        sender_email=case.sender_email,
        sender_phone=case.sender_phone,
        subject=subject,
        description=description,
        received_at=case.received_at,
        secret=case.secret,
        personal_data=case.personal_data,
    )
    _link(new, case, LinkKind.SPLIT_FROM)
    _event(
        case,
        EventKind.LINKED,
        actor=actor,
        text=_("Delar av ärendet har brutits ut till %(number)s") % {"number": new.number},
        other=new.number,
        link=LinkKind.SPLIT_FROM,
    )
    _event(
        new,
        EventKind.LINKED,
        actor=actor,
        text=_("Utbrutet från %(number)s") % {"number": case.number},
        other=case.number,
        link=LinkKind.SPLIT_FROM,
    )
    return new
