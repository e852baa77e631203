"""The access mechanism itself: visible_to compiles role assignments into SQL."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from ester.agreements.models import Agreement, AgreementService, PriceVersion, Service
from ester.core.access import Action, Role, access_object, can, forget_scope, is_customer_contact, is_staff_user
from ester.organisation.models import Area, Customer, CustomerContact
from ester.organisation.tests import factories as f


def names(qs):
    return sorted(str(c) for c in qs)


@pytest.mark.django_db
class TestCustomerScope:
    def test_handler_sees_customers_their_team_handles(self, city):
        assert list(Customer.objects.visible_to(city.handler)) == [city.customer_x]
        assert list(Customer.objects.visible_to(city.handler_b)) == [city.customer_y]

    def test_unit_manager_sees_customers_of_the_unit(self, city):
        assert list(Customer.objects.visible_to(city.unit_manager)) == [city.customer_x]

    def test_head_of_area_and_global_roles_see_all(self, city):
        for persona in ("head_of_area", "controller", "sysadmin"):
            assert Customer.objects.visible_to(city.users[persona]).count() == 2, persona

    def test_contact_sees_only_own_customer_and_its_rows(self, city):
        assert list(Customer.objects.visible_to(city.contact_x)) == [city.customer_x]
        assert list(Agreement.objects.visible_to(city.contact_x)) == [city.agreement_x]
        assert set(AgreementService.objects.visible_to(city.contact_x).values_list("agreement__customer", flat=True)) == {
            city.customer_x.pk
        }
        assert list(CustomerContact.objects.visible_to(city.contact_x)) == [city.contact_person_x]

    def test_outsider_and_anonymous_see_nothing(self, city):
        from django.contrib.auth.models import AnonymousUser

        for user in (city.outsider, AnonymousUser(), None):
            assert not Customer.objects.visible_to(user).exists()
            assert not Service.objects.visible_to(user).exists()

    def test_change_needs_a_changing_role(self, city):
        assert not Customer.objects.visible_to(city.handler, Action.CHANGE).exists()
        assert not Customer.objects.visible_to(city.contact_x, Action.CHANGE).exists()
        assert not Customer.objects.visible_to(city.controller, Action.CHANGE).exists()
        assert list(Customer.objects.visible_to(city.unit_manager, Action.CHANGE)) == [city.customer_x]

    def test_access_object_answers_404_for_forbidden_and_missing(self, city):
        assert access_object(Customer, city.contact_x, city.customer_x.pk) == city.customer_x
        with pytest.raises(Http404):
            access_object(Customer, city.contact_x, city.customer_y.pk)
        with pytest.raises(Http404):
            access_object(Customer, city.contact_x, 999_999)
        with pytest.raises(Http404):
            access_object(Customer, city.contact_x, "not-a-number")

    def test_expired_and_future_role_assignments_do_not_count(self, city):
        user = f.UserFactory(username="former")
        f.RoleAssignmentFactory(user=user, role=Role.HANDLER, team=city.team_a, valid_to=datetime.date(2012, 1, 1))
        future = f.UserFactory(username="future")
        f.RoleAssignmentFactory(user=future, role=Role.HANDLER, team=city.team_a, valid_from=datetime.date(2099, 1, 1))
        assert not Customer.objects.visible_to(user).exists()
        assert not Customer.objects.visible_to(future).exists()

    def test_ended_handling_assignment_stops_visibility(self, city):
        city.customer_x.handling_assignments.update(valid_to=datetime.date(2012, 12, 31))
        assert not Customer.objects.visible_to(city.handler).exists()

    def test_scope_is_one_sql_filter_not_a_list_of_ids(self, city):
        qs = Customer.objects.visible_to(city.handler)
        sql = str(qs.query).lower()
        assert "organisation_roleassignment" in sql
        assert str(city.customer_x.pk) not in sql.split("where", 1)[1].replace(str(city.handler.pk), "")

    def test_query_count_is_constant(self, city):
        forget_scope(city.handler)
        with CaptureQueriesContext(connection) as small:
            list(Agreement.objects.visible_to(city.handler).select_related("customer"))
        for _ in range(20):
            c = f.CustomerFactory(responsible_unit=city.unit1)
            f.HandlingAssignmentFactory(customer=c, process=city.process, team=city.team_a)
            f.AgreementFactory(customer=c)
        forget_scope(city.handler)
        with CaptureQueriesContext(connection) as large:
            rows = list(Agreement.objects.visible_to(city.handler).select_related("customer"))
        assert len(rows) == 21
        assert len(small) == len(large)


@pytest.mark.django_db
class TestReferenceData:
    def test_staff_read_reference_data_contacts_only_public_parts(self, city):
        assert Area.objects.visible_to(city.handler).count() == 2
        assert not Area.objects.visible_to(city.contact_x).exists()
        assert Service.objects.visible_to(city.contact_x).count() == 2
        assert PriceVersion.objects.visible_to(city.contact_x).count() == 2

    def test_prices_change_only_with_a_role_on_their_area(self, city):
        assert PriceVersion.objects.visible_to(city.head_of_area, Action.CHANGE).count() == 2
        assert not PriceVersion.objects.visible_to(city.unit_manager, Action.CHANGE).exists()
        assert not PriceVersion.objects.visible_to(city.controller, Action.CHANGE).exists()
        assert PriceVersion.objects.visible_to(city.sysadmin, Action.CHANGE).count() == 2
        other = f.UserFactory(username="lp_head")
        f.RoleAssignmentFactory(user=other, role=Role.HEAD_OF_AREA, area=city.other_area)
        assert not PriceVersion.objects.visible_to(other, Action.CHANGE).exists()

    def test_can_and_persona_kinds(self, city):
        assert can(city.unit_manager, city.customer_x, Action.CHANGE)
        assert not can(city.unit_manager, city.customer_y, Action.CHANGE)
        assert is_staff_user(city.handler) and not is_customer_contact(city.handler)
        assert is_customer_contact(city.contact_x) and not is_staff_user(city.contact_x)
        assert not is_staff_user(city.outsider) and not is_customer_contact(city.outsider)


def test_interface_modules_never_touch_objects_directly():
    """Views, API and form modules read through selectors and access_* only."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = []
    pattern = re.compile(r"\.objects\.|\._default_manager\.|\.objects\b")
    for path in root.rglob("*.py"):
        parts = set(path.parts)
        if "tests" in parts or "migrations" in parts:
            continue
        stem = path.stem
        if stem in {"views", "api", "forms"} or path.parent.name in {"views", "api", "forms"}:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line) and not line.lstrip().startswith("#"):
                    offenders.append(f"{path.relative_to(root.parent)}:{number}: {line.strip()}")
    assert not offenders, "Interface modules must use selectors/access_*:\n" + "\n".join(offenders)


@pytest.mark.django_db
def test_unit_manager_changes_own_unit_and_its_teams_only(city):
    from ester.organisation.models import Team, Unit

    assert list(Unit.objects.visible_to(city.unit_manager, Action.CHANGE)) == [city.unit1]
    assert list(Team.objects.visible_to(city.unit_manager, Action.CHANGE)) == [city.team_a]
    assert Unit.objects.visible_to(city.head_of_area, Action.CHANGE).count() == 2
    assert not Unit.objects.visible_to(city.handler, Action.CHANGE).exists()
