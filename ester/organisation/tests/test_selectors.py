"""Reads of the organisation: scoped to the user, and cheap."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ester.core.access import Role
from ester.organisation import selectors
from ester.organisation.choices import CustomerKind
from ester.organisation.models import RoleAssignment
from ester.organisation.tests import factories as f

pytestmark = pytest.mark.django_db


class TestCustomerList:
    @pytest.mark.parametrize(
        ("persona", "expected"),
        [
            ("handler", ["x"]),
            ("handler_b", ["y"]),
            ("unit_manager", ["x"]),
            ("head_of_area", ["y", "x"]),
            ("controller", ["y", "x"]),
            ("sysadmin", ["y", "x"]),
            ("contact_x", ["x"]),
            ("contact_y", ["y"]),
            ("outsider", []),
        ],
    )
    def test_only_what_the_user_may_see(self, city: Any, persona: str, expected: list[str]) -> None:
        customers = {"x": city.customer_x, "y": city.customer_y}
        assert list(selectors.customer_list(city.users[persona])) == [customers[k] for k in expected]

    def test_change_scope(self, city: Any) -> None:
        assert list(selectors.customer_list(city.handler, action="change")) == []
        assert list(selectors.customer_list(city.unit_manager, action="change")) == [city.customer_x]

    def test_filters(self, city: Any) -> None:
        ended = f.CustomerFactory(
            name="Avslutad förvaltning",
            kind=CustomerKind.COMPANY,
            responsible_unit=city.unit1,
            valid_to=datetime.date(2012, 12, 31),
        )
        user = city.sysadmin
        assert list(selectors.customer_list(user, q="kista")) == [city.customer_x]
        assert list(selectors.customer_list(user, q=city.customer_y.org_number)) == [city.customer_y]
        assert list(selectors.customer_list(user, q=city.customer_y.mailbox)) == [city.customer_y]
        assert list(selectors.customer_list(user, kind=CustomerKind.COMPANY)) == [ended]
        assert list(selectors.customer_list(user, unit=city.unit2.pk)) == [city.customer_y]
        assert ended not in selectors.customer_list(user, active_on=timezone.localdate())
        assert ended in selectors.customer_list(user, active_on=datetime.date(2012, 6, 1))


class TestUnitsAndCreation:
    def test_unit_manager_gets_their_unit(self, city: Any) -> None:
        assert list(selectors.customer_units_changeable_by(city.unit_manager)) == [city.unit1]

    def test_head_of_area_gets_the_units_of_the_area(self, city: Any) -> None:
        f.UnitFactory(area=city.other_area, name="Löneenhet")
        assert list(selectors.customer_units_changeable_by(city.head_of_area)) == [city.unit1, city.unit2]

    def test_global_role_gets_every_unit_in_force(self, city: Any) -> None:
        payroll = f.UnitFactory(area=city.other_area, name="Löneenhet")
        ended = f.UnitFactory(area=city.area, name="Nedlagd enhet", valid_to=datetime.date(2016, 12, 31))
        units = list(selectors.customer_units_changeable_by(city.sysadmin))
        assert units == [city.unit1, city.unit2, payroll]
        assert ended not in units

    @pytest.mark.parametrize("persona", ["handler", "handler_b", "controller", "contact_x", "contact_y", "outsider"])
    def test_viewers_get_no_units(self, city: Any, persona: str) -> None:
        assert list(selectors.customer_units_changeable_by(city.users[persona])) == []

    def test_the_current_unit_is_always_offered(self, city: Any) -> None:
        assert list(selectors.customer_units_changeable_by(city.unit_manager, include=city.unit2)) == [city.unit1, city.unit2]

    def test_anonymous_gets_nothing(self, city: Any) -> None:
        from django.contrib.auth.models import AnonymousUser

        assert not selectors.customer_units_changeable_by(AnonymousUser()).exists()
        assert selectors.can_create_customers(AnonymousUser()) is False

    @pytest.mark.parametrize(
        ("persona", "allowed"),
        [
            ("unit_manager", True),
            ("head_of_area", True),
            ("sysadmin", True),
            ("handler", False),
            ("handler_b", False),
            ("controller", False),
            ("contact_x", False),
            ("outsider", False),
        ],
    )
    def test_can_create_customers(self, city: Any, persona: str, allowed: bool) -> None:
        assert selectors.can_create_customers(city.users[persona]) is allowed

    def test_an_ended_role_does_not_count(self, city: Any) -> None:
        RoleAssignment.objects.filter(user=city.unit_manager).update(valid_to=timezone.localdate() - datetime.timedelta(days=1))
        assert selectors.can_create_customers(city.unit_manager) is False
        assert list(selectors.customer_units_changeable_by(city.unit_manager)) == []

    def test_superuser_may_create(self, city: Any) -> None:
        root = f.UserFactory(username="root", is_superuser=True)
        assert selectors.can_create_customers(root) is True


class TestRegisterDetails:
    def test_contact_count_and_current_handling(self, city: Any) -> None:
        from ester.organisation.services import handling_assignment_set

        f.CustomerContactFactory(customer=city.customer_x)
        handling_assignment_set(
            actor=None, customer=city.customer_x, process=city.process, team=city.team_b, valid_from=datetime.date(2013, 1, 1)
        )
        rows = {c.pk: c for c in selectors.with_register_details(selectors.customer_list(city.sysadmin))}
        x = rows[city.customer_x.pk]
        assert x.contact_count == 2
        assert [a.team for a in x.current_handling] == [city.team_b]
        older = {
            c.pk: c for c in selectors.with_register_details(selectors.customer_list(city.sysadmin), datetime.date(2012, 6, 1))
        }
        assert [a.team for a in older[city.customer_x.pk].current_handling] == [city.team_a]

    def test_queries_do_not_grow(self, city: Any) -> None:
        def count() -> int:
            with CaptureQueriesContext(connection) as ctx:
                for c in selectors.with_register_details(selectors.customer_list(city.sysadmin)):
                    _ = (
                        c.responsible_unit.area.name,
                        c.contact_count,
                        [(a.process.name, a.team.unit.name) for a in c.current_handling],
                    )
            return len(ctx.captured_queries)

        count()  # the user's scope is looked up once, then cached on the user
        small = count()
        assert small == 2
        for _ in range(20):
            customer = f.CustomerFactory(responsible_unit=city.unit1)
            f.HandlingAssignmentFactory(customer=customer, process=city.process, team=city.team_a)
            f.CustomerContactFactory(customer=customer)
        assert count() == small


class TestOrganisationTree:
    def test_history_four_units_then_six(self, city: Any) -> None:
        for unit in (city.unit1, city.unit2):
            unit.valid_to = datetime.date(2011, 12, 31)
            unit.save(update_fields=["valid_to"])
        for n in range(4):
            f.UnitFactory(
                area=city.area, name=f"Gammal {n}", valid_from=datetime.date(2012, 1, 1), valid_to=datetime.date(2016, 12, 31)
            )
        for n in range(6):
            f.UnitFactory(area=city.area, name=f"Ny {n}", valid_from=datetime.date(2017, 1, 1))

        def units(day: datetime.date) -> list[str]:
            area = next(a for a in selectors.organisation_tree(city.controller, day) if a.pk == city.area.pk)
            return [u.name for u in area.units_on_day]

        assert len(units(datetime.date(2012, 6, 1))) == 4
        assert len(units(datetime.date(2017, 6, 1))) == 6
        assert units(datetime.date(2011, 6, 1)) == ["Enhet 1", "Enhet 2"]

    def test_teams_on_the_day(self, city: Any) -> None:
        f.TeamFactory(unit=city.unit1, name="Framtida team", valid_from=datetime.date(2030, 1, 1))
        area = next(a for a in selectors.organisation_tree(city.handler, timezone.localdate()) if a.pk == city.area.pk)
        unit1 = next(u for u in area.units_on_day if u.pk == city.unit1.pk)
        assert [t.name for t in unit1.teams_on_day] == ["Team A"]

    def test_areas_not_yet_in_force_are_left_out(self, city: Any) -> None:
        f.AreaFactory(code="IT", name="IT-service", valid_from=datetime.date(2014, 1, 1))
        names = [a.name for a in selectors.organisation_tree(city.controller, datetime.date(2012, 1, 1))]
        assert "IT-service" not in names and "Ekonomiadministration" in names

    def test_contacts_and_outsiders_see_no_organisation(self, city: Any) -> None:
        assert list(selectors.organisation_tree(city.outsider, timezone.localdate())) == []

    def test_processes_on(self, city: Any) -> None:
        ended = f.ProcessFactory(area=city.area, code="KASSA", name="Kassa-Bank", valid_to=datetime.date(2015, 12, 31))
        assert ended in selectors.processes_on(city.handler, datetime.date(2012, 1, 1))
        assert ended not in selectors.processes_on(city.handler, datetime.date(2016, 1, 1))


class TestStaffUserChoices:
    def test_staff_only_plus_the_already_picked(self, city: Any) -> None:
        choices = set(selectors.staff_user_choices(city.sysadmin))
        assert city.unit_manager in choices and city.handler in choices
        assert city.contact_x not in choices and city.outsider not in choices
        assert city.outsider in set(selectors.staff_user_choices(city.sysadmin, include=(city.outsider, None)))

    def test_role_on_customer_makes_nobody_a_manager(self, city: Any) -> None:
        f.RoleAssignmentFactory(user=city.outsider, role=Role.CUSTOMER_CONTACT, customer=city.customer_x)
        assert city.outsider not in set(selectors.staff_user_choices(city.sysadmin))
