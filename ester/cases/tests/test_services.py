"""Case registration, numbering, lead times, assignment, returns and the timeline."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ester.agreements.models import LeadTime
from ester.cases import selectors, services
from ester.cases.choices import CaseChannel, CaseStatus, EventKind
from ester.cases.models import Absence, Case, CaseEvent, LetterTemplate, QueueLoan
from ester.cases.tests.factories import CaseTypeFactory, ReturnReasonFactory
from ester.core import clock
from ester.core.access import Role
from ester.organisation.tests.factories import (
    HandlingAssignmentFactory,
    RoleAssignmentFactory,
    TeamFactory,
    UnitFactory,
    UserFactory,
)

STHLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def case_type(city: Any) -> Any:
    return CaseTypeFactory(process=city.process, code="LEVMAN", name="Manuell leverantörsfaktura", resolution_hours=16)


def register(city: Any, case_type: Any, **kwargs: Any) -> Case:
    defaults = {
        "actor": city.handler,
        "customer": city.customer_x,
        "case_type": case_type,
        "channel": CaseChannel.EMAIL,
        "sender_name": "Kim Kontakt",
        "subject": "Faktura 4711 att betala",
        "received_at": datetime.datetime(2026, 4, 1, 10, 0, tzinfo=STHLM),
    }
    return services.case_register(**{**defaults, **kwargs})


@pytest.mark.django_db
class TestRegistration:
    def test_number_team_and_timeline(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        assert case.number == "EK-2026-000001"
        assert case.team == city.team_a and case.status == CaseStatus.NEW
        second = register(city, case_type)
        assert second.number == "EK-2026-000002"
        created = case.events.get()
        assert created.kind == EventKind.CREATED and created.payload["sender"] == "Kim Kontakt"

    def test_numbers_restart_per_year_and_area(self, city: Any, case_type: Any) -> None:
        register(city, case_type)
        old = register(city, case_type, received_at=datetime.datetime(2025, 12, 30, 9, 0, tzinfo=STHLM))
        assert old.number == "EK-2025-000001"

    def test_due_time_on_the_swedish_calendar(self, city: Any, case_type: Any) -> None:
        # Received Wednesday 1 April 2026 10:00; 16 working hours (08:00–16:30 days):
        # Wed 6.5 h, Thu (skärtorsdag, a working day) 8.5 h = 15 h; Good Friday and Easter
        # Monday are holidays → Tuesday 7 April 09:00.
        case = register(city, case_type)
        assert timezone.localtime(case.due_at) == datetime.datetime(2026, 4, 7, 9, 0, tzinfo=STHLM)
        # first response 8 h: Wed 6.5 h + Thu 1.5 h → Thursday 09:30
        assert timezone.localtime(case.first_response_due_at) == datetime.datetime(2026, 4, 2, 9, 30, tzinfo=STHLM)

    def test_the_agreement_overrides_the_case_type(self, city: Any, case_type: Any) -> None:
        from ester.agreements.services import agreement_create

        agreement = agreement_create(actor=city.sysadmin, customer=city.customer_x, year=2026)
        LeadTime.objects.create(
            agreement=agreement, process=city.process, work_kind="Manuell leverantörsfaktura", resolution_hours=8
        )
        case = register(city, case_type)
        assert timezone.localtime(case.due_at) == datetime.datetime(2026, 4, 2, 9, 30, tzinfo=STHLM)

    def test_public_records_facts_are_required(self, city: Any, case_type: Any) -> None:
        with pytest.raises(ValidationError) as error:
            register(city, case_type, sender_name=" ")
        assert "avsändare" in str(error.value)
        with pytest.raises(ValidationError):
            register(city, case_type, subject="")
        assert not Case.objects.exists()

    def test_no_handling_team_gives_an_actionable_message(self, city: Any, case_type: Any) -> None:
        city.customer_x.handling_assignments.all().delete()
        with pytest.raises(ValidationError, match="Registrera handläggande team"):
            register(city, case_type, actor=city.unit_manager)

    def test_others_cannot_register_for_a_customer_they_do_not_see(self, city: Any, case_type: Any) -> None:
        with pytest.raises(ValidationError):
            register(city, case_type, actor=city.handler_b)
        with pytest.raises(ValidationError):
            register(city, case_type, actor=city.contact_y)
        assert register(city, case_type, actor=city.contact_x).customer == city.customer_x

    def test_urgent_kinds_are_flagged(self, city: Any) -> None:
        deferral = CaseTypeFactory(process=city.process, code="ANSTAND", name="Anstånd", urgent=True)
        assert register(city, deferral).urgent


@pytest.mark.django_db
class TestQueuesAndAssignment:
    def test_take_next_takes_urgent_first_then_earliest_due(self, city: Any, case_type: Any) -> None:
        later = register(city, case_type, received_at=datetime.datetime(2026, 4, 1, 12, 0, tzinfo=STHLM))
        earlier = register(city, case_type)
        urgent = register(city, CaseTypeFactory(process=city.process, code="MAK", name="Makulering", urgent=True))
        order = [services.case_take_next(actor=city.handler, teams=[city.team_a]) for _ in range(3)]
        assert order == [urgent, earlier, later]
        assert services.case_take_next(actor=city.handler, teams=[city.team_a]) is None
        assert Case.objects.get(pk=earlier.pk).assignee == city.handler

    def test_balanced_assignment_skips_the_absent(self, city: Any, case_type: Any) -> None:
        busy = city.handler
        free = UserFactory(username="ledig")
        away = UserFactory(username="borta")
        for user in (free, away):
            RoleAssignmentFactory(user=user, role=Role.HANDLER, team=city.team_a)
        services.case_assign(actor=None, case=register(city, case_type), assignee=busy)
        Absence.objects.create(user=away, start=datetime.date(2026, 4, 1), end=datetime.date(2026, 4, 10))
        chosen = services.case_assign_balanced(actor=None, case=register(city, case_type), day=datetime.date(2026, 4, 2))
        assert chosen == free

    def test_queue_loan_lets_another_team_see_and_take(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        assert not Case.objects.visible_to(city.handler_b).exists()
        today = timezone.localdate()
        QueueLoan.objects.create(team=city.team_a, borrower=city.team_b, start=today, end=today)
        assert list(Case.objects.visible_to(city.handler_b)) == [case]
        assert services.case_take_next(actor=city.handler_b, teams=[city.team_a]) == case


@pytest.mark.django_db
class TestReturnsAndTimeline:
    def test_return_pauses_and_completion_resumes_the_clock(self, city: Any, case_type: Any) -> None:
        LetterTemplate.objects.create(
            process=None,
            kind="retur",
            subject="Komplettering {{ arendenummer }}",
            body="Till {{ kund }}: saknas {% for r in saknas %}[{{ r }}]{% endfor %} / {{ handlaggare }}, {{ gruppnummer }}",
        )
        case = register(city, case_type, received_at=timezone.now() - datetime.timedelta(days=1))
        services.case_assign(actor=city.handler, case=case, assignee=city.handler)
        reasons = [
            ReturnReasonFactory(code="ATTEST", text="Attest saknas"),
            ReturnReasonFactory(code="FFD", text="Förfallodatum saknas"),
        ]
        request = services.case_return_for_completion(actor=city.handler, case=case, reasons=reasons)
        case.refresh_from_db()
        assert case.status == CaseStatus.WAITING and case.due_at is None and case.first_response_at is not None
        assert request.letter_subject == f"Komplettering {case.number}"
        assert "[Attest saknas][Förfallodatum saknas]" in request.letter_body and "08-508 11 000" in request.letter_body
        services.case_complete_by_customer(actor=city.contact_x, case=case, text="Här är attesten")
        case.refresh_from_db()
        assert case.status == CaseStatus.IN_PROGRESS and case.due_at is not None and case.paused_since is None
        assert request.__class__.objects.get(pk=request.pk).completed_at is not None
        kinds = list(case.events.values_list("kind", flat=True))
        assert kinds == ["created", "assigned", "returned", "paused", "completed", "resumed"]

    def test_default_letter_states_what_is_missing_who_and_the_group_number(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        request = services.case_return_for_completion(
            actor=city.handler, case=case, reasons=[ReturnReasonFactory(text="Kontering saknas")], free_text="Fakturakopia"
        )
        for expected in (
            "Kontering saknas",
            "Fakturakopia",
            case.number,
            "Team A",
            "08-508 11 000",
            str(city.handler.get_full_name()),
        ):
            assert expected in request.letter_body

    def test_return_needs_a_reason(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        with pytest.raises(ValidationError):
            services.case_return_for_completion(actor=city.handler, case=case, reasons=[])

    def test_internal_notes_are_never_shown_to_the_customer(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type, actor=city.contact_x)
        services.case_add_note(actor=city.handler, case=case, text="Ring controllern")
        services.case_reply(actor=city.handler, case=case, text="Vi betalar fakturan i morgon.")
        staff_view = list(CaseEvent.objects.visible_to(city.handler).filter(case=case).values_list("kind", flat=True))
        contact_view = list(CaseEvent.objects.visible_to(city.contact_x).filter(case=case).values_list("kind", flat=True))
        assert "note" in staff_view and "note" not in contact_view and "message_out" in contact_view
        assert not CaseEvent.objects.visible_to(city.contact_y).filter(case=case).exists()

    def test_close_reopen_void(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        services.case_close(actor=city.handler, case=case, first_contact_resolved=True)
        assert case.status == CaseStatus.CLOSED and case.first_contact_resolved
        with pytest.raises(ValidationError):
            services.case_void(actor=city.handler, case=case, reason="fel")
        services.case_reopen(actor=None, case=case, reason="Kunden svarade på ett avslutat ärende")
        with pytest.raises(ValidationError):
            services.case_void(actor=city.handler, case=case, reason=" ")
        services.case_void(actor=city.handler, case=case, reason="Dubblett av EK-2026-000009")
        assert Case.objects.get(pk=case.pk).status == CaseStatus.VOIDED
        assert case.events.filter(kind=EventKind.VOIDED).exists()


@pytest.mark.django_db
def test_handlers_see_their_teams_cases_only(city: Any, case_type: Any) -> None:
    case = register(city, case_type)
    assert list(Case.objects.visible_to(city.handler)) == [case]
    assert list(Case.objects.visible_to(city.unit_manager)) == [case]
    assert list(Case.objects.visible_to(city.contact_x)) == [case]
    for persona in ("handler_b", "contact_y", "outsider"):
        assert not Case.objects.visible_to(city.users[persona]).exists(), persona
    # a payroll handler whose team also handles customer X for another process does not see X's supplier-invoice cases
    from ester.organisation.tests.factories import HandlingAssignmentFactory, ProcessFactory, TeamFactory

    payroll_team = TeamFactory(unit=city.unit1, name="Lön 1")
    HandlingAssignmentFactory(
        customer=city.customer_x, process=ProcessFactory(code="LON", area=city.other_area), team=payroll_team
    )
    payroll_handler = UserFactory(username="lon")
    RoleAssignmentFactory(user=payroll_handler, role=Role.HANDLER, team=payroll_team)
    assert not Case.objects.visible_to(payroll_handler).exists()


@pytest.mark.django_db
class TestLinksMergeSplit:
    def test_merge_voids_the_duplicate_and_keeps_everything(self, city: Any, case_type: Any) -> None:
        first = register(city, case_type)
        duplicate = register(city, case_type)
        services.case_merge(actor=city.handler, case=duplicate, into=first)
        duplicate.refresh_from_db()
        assert duplicate.status == CaseStatus.VOIDED and first.number in duplicate.status_reason
        assert duplicate.links_out.get().to_case == first
        assert first.events.filter(kind=EventKind.MERGED).exists() and duplicate.events.filter(kind=EventKind.MERGED).exists()

    def test_merge_across_customers_is_refused(self, city: Any, case_type: Any) -> None:
        from ester.organisation.tests.factories import HandlingAssignmentFactory

        HandlingAssignmentFactory(customer=city.customer_y, process=city.process, team=city.team_a)
        x_case = register(city, case_type)
        y_case = register(city, case_type, customer=city.customer_y)
        with pytest.raises(ValidationError, match="samma kund"):
            services.case_merge(actor=city.sysadmin, case=y_case, into=x_case)  # may handle both: the rule refuses
        assert Case.objects.get(pk=y_case.pk).status == CaseStatus.NEW

    def test_split_creates_a_linked_case_with_the_same_received_time(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        new = services.case_split(actor=city.handler, case=case, subject="Faktura 4712 (i samma brev)")
        assert new.received_at == case.received_at and new.customer == case.customer and new.number != case.number
        assert new.links_out.get().to_case == case

    def test_link_needs_a_visible_case(self, city: Any, case_type: Any) -> None:
        a, b = register(city, case_type), register(city, case_type)
        services.case_link(actor=city.handler, case=a, other=b)
        assert a.links_out.get().to_case == b
        theirs = register(city, case_type, customer=city.customer_y, actor=city.handler_b)  # team B's: handler_b may handle it
        with pytest.raises(ValidationError):
            services.case_link(actor=city.handler_b, case=theirs, other=a)  # … but cannot see a
        with pytest.raises(PermissionDenied):
            services.case_link(actor=city.handler_b, case=b, other=a)  # nor work on team A's cases


# --- lämna över ------------------------------------------------------------------------


def hand_over(city: Any, case: Case, **kwargs: Any) -> Case:
    defaults = {"actor": city.handler, "team": city.team_b, "reason": "Kunden hör till Team B sedan i måndags."}
    return services.case_hand_over(case=case, **{**defaults, **kwargs})


@pytest.mark.django_db
class TestHandOver:
    def test_the_case_goes_unassigned_to_the_other_teams_queue(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type, received_at=timezone.now() - datetime.timedelta(hours=2))
        services.case_assign(actor=city.handler, case=case, assignee=city.handler)
        due = Case.objects.get(pk=case.pk).due_at
        hand_over(city, case)
        case = Case.objects.get(pk=case.pk)
        assert case.team == city.team_b and case.assignee is None and case.status == CaseStatus.HANDED_OVER
        assert case.due_at == due and case.paused_since is None  # the lead-time clock runs on
        event = case.events.get(kind=EventKind.STATUS)
        assert event.internal and event.actor == city.handler and event.text == "Kunden hör till Team B sedan i måndags."
        assert event.payload == {
            "handed_over": True,
            "status": CaseStatus.HANDED_OVER,
            "from_team": "Team A",
            "to_team": "Team B",
            "previous_assignee": str(city.handler),
            "reason": "Kunden hör till Team B sedan i måndags.",
        }
        assert not case.events.filter(kind=EventKind.PAUSED).exists()
        unassigned = selectors.queue_cases(city.handler_b, "otilldelade", [city.team_b.pk])
        assert list(unassigned) == [case]
        assert not Case.objects.visible_to(city.handler).exists()  # team A's handler lets go of it

    def test_the_customer_sees_the_status_never_the_reason(self, city: Any, case_type: Any) -> None:
        case = hand_over(city, register(city, case_type))
        assert Case.objects.visible_to(city.contact_x).get().get_status_display() == "Överlämnad"
        kinds = list(CaseEvent.objects.visible_to(city.contact_x).filter(case=case).values_list("kind", flat=True))
        assert kinds == [EventKind.CREATED]

    def test_taking_or_assigning_it_in_the_receiving_team_makes_it_in_progress(self, city: Any, case_type: Any) -> None:
        taken = hand_over(city, register(city, case_type))
        assigned = hand_over(city, register(city, case_type))
        assert services.case_take_next(actor=city.handler_b, teams=[city.team_b]) == taken
        assert Case.objects.get(pk=taken.pk).status == CaseStatus.IN_PROGRESS
        services.case_assign(actor=city.handler_b, case=assigned, assignee=city.handler_b)
        assigned = Case.objects.get(pk=assigned.pk)
        assert assigned.status == CaseStatus.IN_PROGRESS and assigned.assignee == city.handler_b

    def test_a_waiting_case_keeps_waiting_for_the_customer(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        services.case_return_for_completion(actor=city.handler, case=case, reasons=[ReturnReasonFactory()])
        hand_over(city, case)
        case = Case.objects.get(pk=case.pk)
        assert case.status == CaseStatus.WAITING and case.team == city.team_b and case.paused_since is not None
        services.case_complete_by_customer(actor=city.contact_x, case=case, text="Här är attesten")
        assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW

    @pytest.mark.parametrize("how", ["close", "void"])
    def test_closed_and_voided_cases_are_refused(self, city: Any, case_type: Any, how: str) -> None:
        case = register(city, case_type)
        if how == "close":
            services.case_close(actor=city.handler, case=case)
        else:
            services.case_void(actor=city.handler, case=case, reason="Dubblett")
        with pytest.raises(ValidationError, match="kan inte lämnas över"):
            hand_over(city, case)
        assert Case.objects.get(pk=case.pk).team == city.team_a

    @pytest.mark.parametrize("persona", ["handler_b", "outsider", "controller", "contact_x"])
    def test_only_those_who_may_handle_the_case(self, city: Any, case_type: Any, persona: str) -> None:
        case = register(city, case_type)
        with pytest.raises(PermissionDenied):
            hand_over(city, case, actor=city.users[persona])
        assert Case.objects.get(pk=case.pk).team == city.team_a and not case.events.filter(kind=EventKind.STATUS)

    def test_a_manager_above_the_team_may(self, city: Any, case_type: Any) -> None:
        case = hand_over(city, register(city, case_type), actor=city.unit_manager)
        assert case.team == city.team_b

    def test_the_team_must_handle_the_process_and_a_reason_is_needed(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        elsewhere = TeamFactory(unit=city.unit2, name="Team C")  # handles no process
        with pytest.raises(ValidationError, match="handlägger inte") as error:
            hand_over(city, case, team=elsewhere)
        assert "team" in error.value.message_dict
        with pytest.raises(ValidationError, match="redan hos Team A"):
            hand_over(city, case, team=city.team_a)
        with pytest.raises(ValidationError, match="Skriv varför") as error:
            hand_over(city, case, reason="  ")
        assert "reason" in error.value.message_dict
        assert Case.objects.get(pk=case.pk).status == CaseStatus.NEW

    def test_team_choices_same_area_first_and_only_teams_valid_today(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        far = TeamFactory(unit=UnitFactory(area=city.other_area, name="Enhet LP"), name="Alfa")
        gone = TeamFactory(unit=city.unit2, name="Nedlagt", valid_to=datetime.date(2020, 12, 31))
        idle = TeamFactory(unit=city.unit2, name="Utan process")
        for team in (far, gone):
            HandlingAssignmentFactory(customer=city.customer_y, process=city.process, team=team)
        choices = list(selectors.hand_over_team_choices(city.handler, case))
        assert choices == [city.team_b, far] and idle not in choices
        assert not selectors.hand_over_team_choices(city.outsider, case).exists()
        assert hand_over(city, case, team=far).team == far


@pytest.mark.django_db
class TestTheClockSeam:
    def test_a_registration_back_then_is_stamped_back_then_and_sends_nothing(
        self, city: Any, case_type: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        back_then = datetime.datetime(2026, 4, 1, 10, 5, tzinfo=STHLM)
        with django_capture_on_commit_callbacks() as callbacks, clock.frozen_at(back_then), clock.notifications_suppressed():
            case = register(city, case_type)
            services.case_assign(actor=city.handler, case=case, assignee=city.unit_manager)
            services.case_reply(actor=city.handler, case=case, text="Betalt.")
        case = Case.objects.get(pk=case.pk)
        assert case.registered_at == back_then and case.first_response_at == back_then
        assert set(case.events.values_list("at", flat=True)) == {back_then}
        assert callbacks == []

    def test_on_the_wall_clock_notifications_are_queued(
        self, city: Any, case_type: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks() as callbacks:
            case = register(city, case_type)
            services.case_reply(actor=city.handler, case=case, text="Betalt.")
        assert len(callbacks) == 2
        assert abs(Case.objects.get(pk=case.pk).registered_at - timezone.now()) < datetime.timedelta(minutes=1)

    def test_reference_data_is_read_once_inside_memoized(self, city: Any, case_type: Any, django_assert_num_queries: Any) -> None:
        day = datetime.date(2026, 4, 1)
        with clock.memoized():
            assert services.handling_team_on(city.customer_x, city.process, day) == city.team_a
            calendar = services.area_calendar(city.area)
            with django_assert_num_queries(0):
                assert services.handling_team_on(city.customer_x, city.process, day) == city.team_a
                assert services.handling_team_on(city.customer_x, city.process, datetime.date(2026, 5, 4)) == city.team_a
                assert services.area_calendar(city.area) is calendar
        # Outside it the area's configuration is read afresh (opening hours, closed days); the
        # calendar of an unchanged configuration is the process's shared one.
        with django_assert_num_queries(2):
            assert services.area_calendar(city.area) is calendar
