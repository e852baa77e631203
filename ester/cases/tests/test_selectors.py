"""The workspace's reads: whose queues, the queue counts, the lists and the clocks."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from ester.cases import selectors, services
from ester.cases.choices import CaseChannel, CaseStatus
from ester.cases.models import Case, QueueLoan
from ester.cases.tests.factories import CaseTypeFactory, ReturnReasonFactory
from ester.core.access import Role
from ester.organisation.tests.factories import RoleAssignmentFactory, UserFactory

STHLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def case_type(city: Any) -> Any:
    return CaseTypeFactory(process=city.process, code="LEVMAN", name="Manuell leverantörsfaktura", resolution_hours=16)


def register(city: Any, case_type: Any, customer: Any = None, **kwargs: Any) -> Case:
    defaults = {
        "actor": None,
        "customer": customer or city.customer_x,
        "case_type": case_type,
        "channel": CaseChannel.EMAIL,
        "sender_name": "Kim Kontakt",
        "subject": "Faktura 4711",
    }
    return services.case_register(**{**defaults, **kwargs})


def set_due(case: Case, due: datetime.datetime | None) -> None:
    Case.objects.filter(pk=case.pk).update(due_at=due)


@pytest.mark.django_db
class TestQueueCounts:
    def test_every_queue_counted_in_one_query(self, city: Any, case_type: Any, django_assert_num_queries: Any) -> None:
        now = timezone.now()
        mine = register(city, case_type)
        services.case_assign(actor=city.handler, case=mine, assignee=city.handler)
        set_due(mine, now + datetime.timedelta(days=5))
        unassigned_today = register(city, case_type)
        set_due(unassigned_today, now + datetime.timedelta(minutes=1))
        overdue = register(city, case_type)
        set_due(overdue, now - datetime.timedelta(hours=1))
        urgent = register(city, CaseTypeFactory(process=city.process, code="ANSTAND", name="Anstånd", urgent=True))
        set_due(urgent, now + datetime.timedelta(days=5))
        waiting = register(city, case_type)
        services.case_return_for_completion(actor=city.handler, case=waiting, reasons=[ReturnReasonFactory()])
        closed = register(city, case_type)
        services.case_close(actor=city.handler, case=closed)
        register(city, case_type, customer=city.customer_y)  # team B: not in team A's queues

        city.handler.refresh_from_db()
        selectors.queue_counts(city.handler, [city.team_a.pk], now)  # warm the per-user scope cache
        with django_assert_num_queries(1):
            counts = selectors.queue_counts(city.handler, [city.team_a.pk], now)
        assert counts == {
            "mina": 1,
            "otilldelade": 3,  # unassigned_today, overdue, urgent (waiting and closed are not)
            "idag": 1,
            "forsenade": 1,
            "vantar": 1,
            "bradskande": 1,
            "alla": 5,
        }
        listed = list(selectors.queue_cases(city.handler, "otilldelade", [city.team_a.pk], now))
        assert listed == [urgent, overdue, unassigned_today]  # urgent first, then by due time
        assert list(selectors.queue_cases(city.handler, "forsenade", [city.team_a.pk], now)) == [overdue]

    def test_counts_never_include_cases_the_user_may_not_see(self, city: Any, case_type: Any) -> None:
        register(city, case_type, customer=city.customer_y)
        # handler of team A asking for team B's queues sees nothing of team B
        counts = selectors.queue_counts(city.handler, [city.team_b.pk])
        assert counts["alla"] == 0 and counts["otilldelade"] == 0

    def test_unknown_queue_is_refused(self, city: Any) -> None:
        with pytest.raises(ValueError):
            selectors.queue_q("nope", city.handler, [], timezone.now())


@pytest.mark.django_db
class TestScope:
    def test_handler_gets_own_team_and_lent_queues(self, city: Any, case_type: Any) -> None:
        scope = selectors.workspace_scope(city.handler)
        assert scope.teams == [city.team_a] and scope.selected is None
        today = timezone.localdate()
        QueueLoan.objects.create(team=city.team_b, borrower=city.team_a, start=today, end=today)
        city.handler.refresh_from_db()
        scope = selectors.workspace_scope(city.handler)
        assert set(scope.team_ids) == {city.team_a.pk, city.team_b.pk}
        register(city, case_type, customer=city.customer_y)
        assert selectors.queue_counts(city.handler, scope.team_ids)["otilldelade"] == 1

    def test_manager_picks_among_the_unit_teams(self, city: Any) -> None:
        scope = selectors.workspace_scope(city.unit_manager)
        assert scope.choices == [city.team_a] and scope.selected == city.team_a
        # a team outside the manager's unit cannot be picked
        assert selectors.workspace_scope(city.unit_manager, city.team_b.pk).selected == city.team_a

    def test_head_of_area_and_controller_choose_any_team_of_their_scope(self, city: Any) -> None:
        assert set(selectors.workspace_scope(city.head_of_area).choices) == {city.team_a, city.team_b}
        scope = selectors.workspace_scope(city.controller, str(city.team_b.pk))
        assert scope.selected == city.team_b and scope.teams == [city.team_b]

    def test_who_may_handle(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        assert selectors.may_handle(city.handler, case)
        assert selectors.may_handle(city.unit_manager, case)
        assert selectors.may_handle(city.sysadmin, case)
        assert not selectors.may_handle(city.controller, case)  # reads, never handles
        assert not selectors.may_handle(city.handler_b, case)
        assert selectors.may_register_calls(city.handler) and not selectors.may_register_calls(city.controller)

    def test_assignable_users_are_the_team_handlers_and_me(self, city: Any, case_type: Any) -> None:
        colleague = UserFactory(username="kollega")
        RoleAssignmentFactory(user=colleague, role=Role.HANDLER, team=city.team_a)
        case = register(city, case_type)
        assert set(selectors.assignable_users(city.unit_manager, case)) == {city.handler, colleague, city.unit_manager}
        assert city.handler_b not in selectors.assignable_users(city.handler, case)


@pytest.mark.django_db
class TestClock:
    def test_badges_follow_the_lead_time(self, city: Any, case_type: Any) -> None:
        # received Wednesday 1 April 2026 10:00, 16 working hours → due Tuesday 7 April 09:00
        received = datetime.datetime(2026, 4, 1, 10, 0, tzinfo=STHLM)
        case = register(city, case_type, received_at=received)
        assert timezone.localtime(case.due_at) == datetime.datetime(2026, 4, 7, 9, 0, tzinfo=STHLM)

        def status(now: datetime.datetime) -> str:
            (row,) = selectors.with_clocks(selectors.queue_cases(city.handler, "alla", [city.team_a.pk], now), now)
            return row.clock.status

        assert status(datetime.datetime(2026, 4, 1, 12, 0, tzinfo=STHLM)) == "ok"
        # 4 working hours before Tuesday 09:00 is Thursday 13:30 (Good Friday and Easter Monday are closed)
        assert status(datetime.datetime(2026, 4, 2, 13, 0, tzinfo=STHLM)) == "ok"
        assert status(datetime.datetime(2026, 4, 2, 14, 0, tzinfo=STHLM)) == "warning"
        assert status(datetime.datetime(2026, 4, 6, 12, 0, tzinfo=STHLM)) == "warning"
        assert status(datetime.datetime(2026, 4, 7, 10, 0, tzinfo=STHLM)) == "breached"

    def test_paused_and_closed(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        services.case_return_for_completion(actor=city.handler, case=case, reasons=[ReturnReasonFactory()])
        (row,) = selectors.with_clocks([selectors.access_case(city.handler, case.pk)])
        assert row.clock.status == "paused"
        services.case_complete_by_customer(actor=city.contact_x, case=case)
        case.refresh_from_db()
        services.case_close(actor=city.handler, case=case)
        (row,) = selectors.with_clocks([selectors.access_case(city.handler, case.pk)])
        assert row.clock.status == "met"
        assert row.case_type is not None and row.status == CaseStatus.CLOSED

    def test_no_due_time_means_no_clock(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type)
        set_due(case, None)
        (row,) = selectors.with_clocks([selectors.access_case(city.handler, case.pk)])
        assert row.clock is None


@pytest.mark.django_db
def test_case_by_number_only_finds_visible_cases(city: Any, case_type: Any) -> None:
    case = register(city, case_type)
    assert selectors.case_by_number(city.handler, case.number.lower()) == case
    assert selectors.case_by_number(city.handler_b, case.number) is None
    assert selectors.case_by_number(city.handler, "  ") is None
    assert list(selectors.case_search(city.handler, "4711")) == [case]
    assert list(selectors.case_search(city.handler_b, "4711")) == []
