"""The managers' case pages: overview (load, lead-time compliance), absences, queue loans
and "rätt från början" — who may see and change what, the validation, and the numbers.

Access decision: handlers may *view* the overview and the statistics of their own
team(s); only those who may change a team (unit manager: own unit's teams; head of
area; system administrator) manage absences and loans.  Customer contacts and
outsiders get 404 everywhere.
"""

from __future__ import annotations

import datetime
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ester.cases import selectors_manage, services, services_manage
from ester.cases.choices import CaseChannel
from ester.cases.models import Absence, Case, QueueLoan
from ester.cases.selectors_manage import Period
from ester.cases.tests.factories import CaseTypeFactory, ReturnReasonFactory
from ester.core.access import Role
from ester.core.models import AuditEntry
from ester.organisation.tests.factories import RoleAssignmentFactory, TeamFactory, UserFactory

STHLM = ZoneInfo("Europe/Stockholm")
OVERVIEW = reverse("cases_manage:overview")
ABSENCES = reverse("cases_manage:absences")
ABSENCE_REMOVE = reverse("cases_manage:absence-remove")
LOANS = reverse("cases_manage:loans")
LOAN_END = reverse("cases_manage:loan-end")
RFT = reverse("cases_manage:right-first-time")
RFT_EXPORT = reverse("cases_manage:right-first-time-export")


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
        "subject": "Faktura att betala",
    }
    return services.case_register(**{**defaults, **kwargs})


def today() -> datetime.date:
    return timezone.localdate()


# --- who sees what ------------------------------------------------------------------

VIEWERS = ("handler", "handler_b", "unit_manager", "head_of_area", "controller", "sysadmin")
MANAGERS = ("unit_manager", "head_of_area", "sysadmin")
NOBODY = ("contact_x", "contact_y", "outsider")


@pytest.mark.django_db
class TestPersonas:
    @pytest.mark.parametrize("persona", VIEWERS + NOBODY)
    def test_overview_and_statistics_for_staff_only(self, persona: str, city: Any, client: Any) -> None:
        client.force_login(city.users[persona])
        expected = 200 if persona in VIEWERS else 404
        for url in (OVERVIEW, RFT, RFT_EXPORT):
            assert client.get(url).status_code == expected, url

    @pytest.mark.parametrize("persona", VIEWERS + NOBODY)
    def test_absences_and_loans_for_managers_only(self, persona: str, city: Any, client: Any) -> None:
        client.force_login(city.users[persona])
        expected = 200 if persona in MANAGERS else 404
        assert client.get(ABSENCES).status_code == expected
        assert client.get(LOANS).status_code == expected
        if persona not in MANAGERS:
            for url in (ABSENCES, ABSENCE_REMOVE, LOANS, LOAN_END):
                assert client.post(url, {}).status_code == 404, url

    def test_anonymous_is_sent_to_login(self, client: Any) -> None:
        response = client.get(OVERVIEW)
        assert response.status_code == 302 and "login" in response["Location"]

    def test_each_sees_the_teams_of_their_scope(self, city: Any, client: Any) -> None:
        def teams(persona: str) -> set[str]:
            figures = selectors_manage.team_figures(
                city.users[persona], selectors_manage.overview_teams(city.users[persona], today(), city.area)
            )
            return {f.team.name for f in figures}

        assert teams("handler") == {"Team A"}
        assert teams("handler_b") == {"Team B"}
        assert teams("unit_manager") == {"Team A"}
        assert teams("head_of_area") == {"Team A", "Team B"}
        assert teams("controller") == {"Team A", "Team B"}
        client.force_login(city.unit_manager)
        body = client.get(OVERVIEW).content.decode()
        assert "Team A" in body and "Team B" not in body
        assert 'name="omrade"' not in body  # one area: nothing to pick

    def test_global_roles_pick_an_area(self, city: Any, client: Any) -> None:
        TeamFactory(unit__area=city.other_area, name="Lönteamet")
        client.force_login(city.controller)
        body = client.get(OVERVIEW).content.decode()
        assert 'name="omrade"' in body and "Lönteamet" not in body
        body = client.get(OVERVIEW, {"omrade": city.other_area.pk}).content.decode()
        assert "Lönteamet" in body and "Team A" not in body
        # an area outside the unit manager's scope is not offered and not shown
        client.force_login(city.unit_manager)
        body = client.get(OVERVIEW, {"omrade": city.other_area.pk}).content.decode()
        assert "Lönteamet" not in body and "Team A" in body

    def test_link_to_the_manager_pages_only_for_managers(self, city: Any, client: Any) -> None:
        client.force_login(city.handler)
        body = client.get(OVERVIEW).content.decode()
        assert RFT in body and LOANS not in body and ABSENCES not in body
        client.force_login(city.unit_manager)
        for url in (OVERVIEW, RFT, LOANS, ABSENCES):
            body = client.get(url).content.decode()
            assert LOANS in body and ABSENCES in body and RFT in body, url
        # the lending team is preselected when the manager has only one
        assert client.get(LOANS).context["form"].initial["team"] == city.team_a.pk


# --- queue loans --------------------------------------------------------------------


@pytest.mark.django_db
class TestQueueLoans:
    def loan_data(self, city: Any, **kwargs: Any) -> dict[str, Any]:
        data = {"team": city.team_a.pk, "borrower": city.team_b.pk, "start": today(), "end": today() + datetime.timedelta(days=6)}
        return {**data, **kwargs}

    def test_lend_a_queue_and_the_borrowers_see_and_take(self, city: Any, case_type: Any, client: Any) -> None:
        case = register(city, case_type)
        assert not Case.objects.visible_to(city.handler_b).exists()
        client.force_login(city.unit_manager)
        response = client.post(LOANS, self.loan_data(city), follow=True)
        assert response.status_code == 200
        assert "utlånad till Team B" in response.content.decode()
        loan = QueueLoan.objects.get()
        assert (loan.team, loan.borrower, loan.created_by) == (city.team_a, city.team_b, city.unit_manager)
        assert AuditEntry.objects.filter(subject_id=str(loan.pk), kind=AuditEntry.Kind.CREATE).exists()
        assert list(Case.objects.visible_to(city.handler_b)) == [case]
        assert services.case_take_next(actor=city.handler_b, teams=[city.team_a]) == case

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"end": "yesterday"}, "Lånet kan inte sluta före det börjar."),
            ({"borrower": "team_a"}, "Ett team kan inte låna sin egen kö."),
            ({"start": "yesterday", "end": "today"}, "Ett lån kan inte börja bakåt i tiden."),
            ({"team": "team_b"}, "Välj ett giltigt alternativ"),
        ],
    )
    def test_validation_in_swedish(self, city: Any, client: Any, change: dict[str, str], message: str) -> None:
        values = {"yesterday": today() - datetime.timedelta(days=1), "today": today(), "team_a": city.team_a.pk}
        values["team_b"] = city.team_b.pk
        client.force_login(city.unit_manager)
        response = client.post(LOANS, self.loan_data(city, **{k: values[v] for k, v in change.items()}))
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not QueueLoan.objects.exists()

    def test_no_overlapping_loan_of_the_same_pair(self, city: Any) -> None:
        start = today() + datetime.timedelta(days=2)
        services_manage.queue_loan_create(
            actor=city.unit_manager, team=city.team_a, borrower=city.team_b, start=start, end=start + datetime.timedelta(days=5)
        )
        with pytest.raises(ValidationError, match="redan utlånad till Team B"):
            services_manage.queue_loan_create(
                actor=city.unit_manager, team=city.team_a, borrower=city.team_b, start=today(), end=start
            )
        # after the first loan, and to another team: fine
        later = start + datetime.timedelta(days=6)
        services_manage.queue_loan_create(actor=city.unit_manager, team=city.team_a, borrower=city.team_b, start=later, end=later)
        team_c = TeamFactory(unit=city.unit2, name="Team C")
        services_manage.queue_loan_create(actor=city.unit_manager, team=city.team_a, borrower=team_c, start=start, end=start)
        assert QueueLoan.objects.count() == 3

    def test_only_the_lenders_manager_lends(self, city: Any) -> None:
        with pytest.raises(PermissionDenied):
            services_manage.queue_loan_create(
                actor=city.unit_manager, team=city.team_b, borrower=city.team_a, start=today(), end=today()
            )
        loan = services_manage.queue_loan_create(
            actor=city.head_of_area, team=city.team_b, borrower=city.team_a, start=today(), end=today()
        )
        assert loan.pk

    def test_end_early_stops_access_at_once(self, city: Any, case_type: Any, client: Any) -> None:
        register(city, case_type)
        running = QueueLoan.objects.create(
            team=city.team_a,
            borrower=city.team_b,
            start=today() - datetime.timedelta(days=3),
            end=today() + datetime.timedelta(days=3),
            created_by=city.unit_manager,
        )
        assert Case.objects.visible_to(city.handler_b).exists()
        client.force_login(city.unit_manager)
        response = client.post(LOAN_END, {"lan": running.pk}, follow=True)
        assert "ser inte längre ärendena" in response.content.decode()
        running.refresh_from_db()
        assert running.end == today() - datetime.timedelta(days=1)
        assert not Case.objects.visible_to(city.handler_b).exists()
        # ending it again is refused with a message
        response = client.post(LOAN_END, {"lan": running.pk}, follow=True)
        assert "Lånet har redan upphört." in response.content.decode()

    def test_a_loan_not_yet_begun_is_cancelled(self, city: Any, client: Any) -> None:
        coming = QueueLoan.objects.create(
            team=city.team_a, borrower=city.team_b, start=today(), end=today(), created_by=city.unit_manager
        )
        client.force_login(city.unit_manager)
        response = client.post(LOAN_END, {"lan": coming.pk}, follow=True)
        assert "avbröts" in response.content.decode()
        assert not QueueLoan.objects.exists()
        assert AuditEntry.objects.filter(subject_id=str(coming.pk), kind=AuditEntry.Kind.DELETE).exists()

    def test_loans_of_other_units_answer_404(self, city: Any, client: Any) -> None:
        foreign = QueueLoan.objects.create(team=city.team_b, borrower=TeamFactory(unit=city.unit2), start=today(), end=today())
        client.force_login(city.unit_manager)
        assert client.post(LOAN_END, {"lan": foreign.pk}).status_code == 404
        assert client.post(LOAN_END, {"lan": "x"}).status_code == 404
        assert client.post(LOAN_END, {}).status_code == 404
        assert client.get(LOANS).context["loans"] == []
        assert QueueLoan.objects.filter(pk=foreign.pk).exists()

    def test_the_list_shows_loans_to_and_from_the_managers_teams(self, city: Any, client: Any) -> None:
        QueueLoan.objects.create(team=city.team_b, borrower=city.team_a, start=today(), end=today())
        client.force_login(city.unit_manager)
        body = client.get(LOANS).content.decode()
        assert "Team B" in body and "Gäller" in body
        assert 'name="lan"' not in body  # borrowed, not lent: the unit manager may not end it


# --- absences -----------------------------------------------------------------------


@pytest.mark.django_db
class TestAbsences:
    def test_register_and_balanced_assignment_skips_the_absent(self, city: Any, case_type: Any, client: Any) -> None:
        colleague = UserFactory(username="kollega", first_name="Kim", last_name="Kollega")
        RoleAssignmentFactory(user=colleague, role=Role.HANDLER, team=city.team_a)
        services.case_assign(actor=None, case=register(city, case_type), assignee=city.handler)
        # the colleague has the lighter load and would get the next case …
        client.force_login(city.unit_manager)
        response = client.post(
            ABSENCES,
            {"user": colleague.pk, "start": today(), "end": today() + datetime.timedelta(days=2), "note": "Kurs"},
            follow=True,
        )
        assert "Kim Kollega är registrerad som frånvarande" in response.content.decode()
        absence = Absence.objects.get()
        assert (absence.user, absence.note) == (colleague, "Kurs")
        assert AuditEntry.objects.filter(subject_id=str(absence.pk), kind=AuditEntry.Kind.CREATE).exists()
        # … but is away today, so the busier handler gets it
        assert services.case_assign_balanced(actor=None, case=register(city, case_type)) == city.handler
        body = client.get(OVERVIEW).content.decode()
        assert "Frånvarande t.o.m." in body
        # removed: back in the rotation
        client.post(ABSENCE_REMOVE, {"franvaro": absence.pk})
        assert not Absence.objects.exists()
        assert services.case_assign_balanced(actor=None, case=register(city, case_type)) == colleague

    def test_validation(self, city: Any, client: Any) -> None:
        client.force_login(city.unit_manager)
        body = client.post(
            ABSENCES, {"user": city.handler.pk, "start": today(), "end": today() - datetime.timedelta(days=1)}
        ).content
        assert "Frånvaron kan inte sluta före den börjar." in body.decode()
        services_manage.absence_register(actor=city.unit_manager, user=city.handler, start=today(), end=today())
        with pytest.raises(ValidationError, match="redan registrerad som frånvarande"):
            services_manage.absence_register(
                actor=city.unit_manager, user=city.handler, start=today() - datetime.timedelta(days=1), end=today()
            )
        assert Absence.objects.count() == 1

    def test_only_members_of_the_managers_teams(self, city: Any, client: Any) -> None:
        client.force_login(city.unit_manager)
        body = client.post(ABSENCES, {"user": city.handler_b.pk, "start": today(), "end": today()}).content.decode()
        assert "Välj ett giltigt alternativ" in body
        with pytest.raises(PermissionDenied):
            services_manage.absence_register(actor=city.unit_manager, user=city.handler_b, start=today(), end=today())
        foreign = Absence.objects.create(user=city.handler_b, start=today(), end=today(), note="hemlig-notering")
        assert "hemlig-notering" not in client.get(ABSENCES).content.decode()
        assert client.post(ABSENCE_REMOVE, {"franvaro": foreign.pk}).status_code == 404
        assert Absence.objects.filter(pk=foreign.pk).exists()
        client.force_login(city.head_of_area)
        assert "hemlig-notering" in client.get(ABSENCES).content.decode()
        assert client.post(ABSENCE_REMOVE, {"franvaro": foreign.pk}).status_code == 302
        assert not Absence.objects.filter(pk=foreign.pk).exists()


# --- the overview's figures ---------------------------------------------------------


@pytest.mark.django_db
class TestOverviewFigures:
    def test_counts_and_compliance(self, city: Any, case_type: Any, client: Any) -> None:
        now = datetime.datetime(2030, 6, 12, 10, 0, tzinfo=STHLM)  # a Wednesday
        urgent_type = CaseTypeFactory(process=city.process, code="ANSTAND", name="Anstånd", urgent=True)
        unassigned = register(city, urgent_type)
        overdue = register(city, case_type)
        due_today = register(city, case_type)
        waiting = register(city, case_type)
        for case in (overdue, due_today, waiting):
            services.case_assign(actor=None, case=case, assignee=city.handler)
        services.case_return_for_completion(actor=city.handler, case=waiting, reasons=[ReturnReasonFactory()])
        Case.objects.filter(pk__in=[unassigned.pk, overdue.pk]).update(due_at=now - datetime.timedelta(hours=1))
        Case.objects.filter(pk=due_today.pk).update(due_at=now + datetime.timedelta(hours=3))
        closed = [register(city, case_type) for _ in range(4)]
        for case in closed:
            services.case_close(actor=city.handler, case=case)

        def close_at(case: Case, resolved: datetime.datetime, due: datetime.datetime) -> None:
            Case.objects.filter(pk=case.pk).update(resolved_at=resolved, due_at=due)

        close_at(closed[0], now - datetime.timedelta(hours=1), now)  # today, in time
        close_at(closed[1], now - datetime.timedelta(hours=1), now - datetime.timedelta(hours=2))  # today, late
        close_at(closed[2], now - datetime.timedelta(days=10), now - datetime.timedelta(days=9))  # 10 days ago, in time
        close_at(closed[3], now - datetime.timedelta(days=40), now - datetime.timedelta(days=50))  # too old to count
        register(city, case_type, customer=city.customer_y)  # team B

        [a] = selectors_manage.team_figures(
            city.unit_manager, selectors_manage.overview_teams(city.unit_manager, today(), city.area), now
        )
        assert a.team == city.team_a
        assert (a.open, a.unassigned, a.overdue, a.due_today, a.waiting, a.urgent) == (4, 1, 2, 1, 1, 1)
        assert (a.met_today, a.missed_today, a.percent_today) == (1, 1, 50)
        assert (a.met_period, a.missed_period, a.percent_period) == (2, 1, 67)
        [handler] = a.handlers
        assert (handler.user, handler.load, handler.absent_until) == (city.handler, 3, None)

    def test_chart_is_accessible_and_matches_the_table(self, city: Any, case_type: Any, client: Any) -> None:
        case = register(city, case_type)
        services.case_close(actor=city.handler, case=case)
        client.force_login(city.head_of_area)
        body = client.get(OVERVIEW).content.decode()
        assert 'role="img"' in body and "<title id=" in body and 'aria-labelledby="cm-chart-title cm-chart-desc"' in body
        assert "Team A: 1 i tid, 0 för sent." in body and "Team B: 0 i tid, 0 för sent." in body
        assert "100 %" in body

    def test_query_count_does_not_grow_with_the_data(self, city: Any, case_type: Any, client: Any) -> None:
        client.force_login(city.head_of_area)
        register(city, case_type)
        client.get(OVERVIEW)
        with CaptureQueriesContext(connection) as small:
            assert client.get(OVERVIEW).status_code == 200
        team_c = TeamFactory(unit=city.unit1, name="Team C")
        for n in range(4):
            RoleAssignmentFactory(
                user=UserFactory(username=f"extra{n}"), role=Role.HANDLER, team=team_c if n % 2 else city.team_a
            )
        for _ in range(5):
            services.case_assign_balanced(actor=None, case=register(city, case_type))
            register(city, case_type, customer=city.customer_y)
        Absence.objects.create(user=city.handler, start=today(), end=today())
        with CaptureQueriesContext(connection) as large:
            assert client.get(OVERVIEW).status_code == 200
        assert len(large) == len(small), [q["sql"] for q in large]


# --- rätt från början ---------------------------------------------------------------


@pytest.fixture
def returns(city: Any, case_type: Any) -> dict[str, Any]:
    """March 2026: X has 3 cases (2 returned: attest + kontering, attest), Y has 2 (1 returned: kontering);
    a voided case of X and a case of X from February are not counted."""
    attest = ReturnReasonFactory(code="ATTEST", text="Attest saknas")
    kontering = ReturnReasonFactory(code="KONT", text="Kontering saknas")
    received = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=STHLM)
    x = [register(city, case_type, received_at=received) for _ in range(3)]
    y = [register(city, case_type, customer=city.customer_y, received_at=received) for _ in range(2)]
    services.case_return_for_completion(actor=city.handler, case=x[0], reasons=[attest, kontering])
    services.case_complete_by_customer(actor=None, case=x[0])
    services.case_return_for_completion(actor=city.handler, case=x[0], reasons=[attest])  # twice: counted once
    services.case_return_for_completion(actor=city.handler, case=x[1], reasons=[attest])
    services.case_return_for_completion(actor=city.handler_b, case=y[0], reasons=[kontering])
    voided = register(city, case_type, received_at=received)
    services.case_return_for_completion(actor=city.handler, case=voided, reasons=[kontering])
    services.case_void(actor=city.handler, case=voided, reason="Dubblett")
    register(city, case_type, received_at=datetime.datetime(2026, 2, 27, 9, 0, tzinfo=STHLM))
    return {"period": Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))}


@pytest.mark.django_db
class TestRightFirstTime:
    def test_numbers_per_customer_and_process(self, city: Any, returns: dict[str, Any]) -> None:
        report = selectors_manage.right_first_time(city.head_of_area, city.area, returns["period"])
        by_name = {row.name: row for row in report.customers}
        x, y = by_name[city.customer_x.name], by_name[city.customer_y.name]
        assert (x.cases, x.returned, x.right_first_time, x.percent) == (3, 2, 1, 33)
        assert x.reasons == [("Attest saknas", 2), ("Kontering saknas", 1)]
        assert (y.cases, y.returned, y.percent, y.reasons) == (2, 1, 50, [("Kontering saknas", 1)])
        [process] = report.processes
        assert (process.name, process.cases, process.returned, process.percent) == ("Leverantörsreskontra", 5, 3, 40)
        assert process.reasons == [("Attest saknas", 2), ("Kontering saknas", 2)]
        assert (report.total.cases, report.total.returned) == (5, 3)

    def test_scoped_to_what_the_reader_may_see(self, city: Any, returns: dict[str, Any]) -> None:
        for persona in ("unit_manager", "handler"):
            report = selectors_manage.right_first_time(city.users[persona], city.area, returns["period"])
            assert [row.name for row in report.customers] == [city.customer_x.name]
            assert report.total.cases == 3

    def test_page_defaults_to_the_current_month(self, city: Any, case_type: Any, client: Any) -> None:
        register(city, case_type)
        client.force_login(city.unit_manager)
        response = client.get(RFT)
        month = Period.month_of(today())
        assert response.context["report"].period == month
        body = response.content.decode()
        assert city.customer_x.name in body and "100 %" in body
        assert client.get(RFT, {"fran": "2026-03-31", "till": "2026-03-01"}).status_code == 200

    def test_page_and_excel_for_a_chosen_period(self, city: Any, returns: dict[str, Any], client: Any) -> None:
        client.force_login(city.head_of_area)
        query = {"fran": "2026-03-01", "till": "2026-03-31"}
        body = client.get(RFT, query).content.decode()
        assert "Attest saknas" in body and "33 %" in body
        response = client.get(RFT_EXPORT, query)
        assert response.status_code == 200
        assert "ratt-fran-borjan-2026-03-01-2026-03-31.xlsx" in response["Content-Disposition"]
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["Per kund", "Per process", "Returorsaker"]
        rows = list(book["Per kund"].iter_rows(min_row=4, values_only=True))
        assert rows[0][0] == city.customer_y.name  # sorted by name: Bromma before Rinkeby-Kista
        assert rows[1][:5] == (city.customer_x.name, 3, 2, 1, pytest.approx(1 / 3))
        assert rows[-1][:4] == ("Totalt", 5, 3, 2)
        detail = list(book["Returorsaker"].iter_rows(min_row=4, values_only=True))
        assert (city.customer_x.name, "Leverantörsreskontra", "Attest saknas", 2) in detail

    def test_query_count_does_not_grow_with_the_data(self, city: Any, returns: dict[str, Any], case_type: Any) -> None:
        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                selectors_manage.right_first_time(city.head_of_area, city.area, returns["period"])
            return len(queries)

        count()  # the reader's scope is cached on the user after the first call
        before = count()
        other = CaseTypeFactory(process__area=city.area, code="OTHER", name="Annan")
        from ester.organisation.tests.factories import HandlingAssignmentFactory

        HandlingAssignmentFactory(customer=city.customer_x, process=other.process, team=city.team_a)
        for _ in range(3):
            case = register(city, other, received_at=datetime.datetime(2026, 3, 11, 9, 0, tzinfo=STHLM))
            services.case_return_for_completion(actor=city.handler, case=case, reasons=[ReturnReasonFactory()])
        assert count() == before
