"""Writes to the organisation: validated in Swedish, audited, history kept true."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from ester.core.audit import audit_for
from ester.core.models import AuditEntry
from ester.organisation import services
from ester.organisation.choices import ContactRole, CustomerKind
from ester.organisation.models import Customer, HandlingAssignment
from ester.organisation.tests import factories as f
from ester.organisation.validators import normalise_org_number

pytestmark = pytest.mark.django_db


class TestOrgNumber:
    @pytest.mark.parametrize("raw", ["2120000142", "212000-0142", " 212000 0142 "])
    def test_normalised(self, raw: str) -> None:
        assert normalise_org_number(raw) == "212000-0142"

    @pytest.mark.parametrize(
        ("raw", "fragment"),
        [
            ("2120000143", "kontrollsiffran stämmer inte"),
            ("212000-014", "ska ha tio siffror"),
            ("abc", "ska ha tio siffror"),
            ("", "Ange organisationsnummer"),
        ],
    )
    def test_refused_in_swedish(self, raw: str, fragment: str) -> None:
        with pytest.raises(ValidationError) as exc:
            normalise_org_number(raw)
        assert fragment in exc.value.messages[0]


class TestCustomer:
    def create(self, city: Any, **fields: Any) -> Customer:
        values = {
            "actor": city.unit_manager,
            "name": "  Skarpnäcks stadsdelsförvaltning ",
            "kind": CustomerKind.DISTRICT,
            "org_number": "2120000142",
            "responsible_unit": city.unit1,
            "valid_from": datetime.date(2012, 1, 1),
        }
        values.update(fields)
        return services.customer_create(**values)

    def test_create_normalises_and_audits(self, city: Any) -> None:
        customer = self.create(city, mailbox="skarpnack@sf.example")
        assert customer.name == "Skarpnäcks stadsdelsförvaltning"
        assert customer.org_number == "212000-0142"
        entry = audit_for(customer).get()
        assert entry.kind == AuditEntry.Kind.CREATE and entry.actor == city.unit_manager
        assert entry.changes["org_number"] == [None, "212000-0142"]

    def test_create_with_bad_org_number_saves_nothing(self, city: Any) -> None:
        before = (Customer.objects.count(), AuditEntry.objects.count())
        with pytest.raises(ValidationError):
            self.create(city, org_number="2120000143")
        assert (Customer.objects.count(), AuditEntry.objects.count()) == before

    def test_create_with_end_before_start_is_refused(self, city: Any) -> None:
        with pytest.raises(ValidationError) as exc:
            self.create(city, valid_to=datetime.date(2011, 1, 1))
        assert "valid_to" in exc.value.message_dict

    def test_update_writes_an_audit_row_with_before_and_after(self, city: Any) -> None:
        x = city.customer_x
        old_mailbox = x.mailbox
        changed = services.customer_update(
            actor=city.head_of_area, customer=x, mailbox="ny@sf.example", responsible_unit=city.unit2
        )
        assert sorted(changed) == ["mailbox", "responsible_unit"]
        entry = audit_for(x).get()
        assert entry.kind == AuditEntry.Kind.UPDATE
        assert entry.actor == city.head_of_area
        assert entry.changes["mailbox"] == [old_mailbox, "ny@sf.example"]
        assert entry.changes["responsible_unit"] == ["Enhet 1", "Enhet 2"]
        x.refresh_from_db()
        assert x.mailbox == "ny@sf.example" and x.responsible_unit == city.unit2

    def test_services_check_authority_too(self, city: Any) -> None:
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):  # unit 2 is not the unit manager's
            services.customer_update(actor=city.unit_manager, customer=city.customer_x, responsible_unit=city.unit2)
        with pytest.raises(PermissionDenied):
            services.customer_update(actor=city.handler, customer=city.customer_x, mailbox="x@sf.example")
        with pytest.raises(PermissionDenied):
            services.customer_contact_create(actor=city.unit_manager, customer=city.customer_y, name="Y", role="chef")
        assert not audit_for(city.customer_x).exists()

    def test_update_without_changes_writes_nothing(self, city: Any) -> None:
        x = city.customer_x
        assert (
            services.customer_update(actor=city.unit_manager, customer=x, name=x.name, org_number=x.org_number.replace("-", ""))
            == []
        )
        assert not audit_for(x).exists()

    def test_update_refuses_unknown_fields(self, city: Any) -> None:
        with pytest.raises(ValidationError):
            services.customer_update(actor=city.unit_manager, customer=city.customer_x, pk=99)

    def test_update_with_bad_org_number_changes_nothing(self, city: Any) -> None:
        x = city.customer_x
        original = x.org_number
        with pytest.raises(ValidationError):
            services.customer_update(actor=city.unit_manager, customer=x, org_number="5560000000")
        x.refresh_from_db()
        assert x.org_number == original and not audit_for(x).exists()


class TestHandlingAssignment:
    def test_change_ends_the_previous_one_the_day_before(self, city: Any) -> None:
        new = services.handling_assignment_set(
            actor=city.unit_manager,
            customer=city.customer_x,
            process=city.process,
            team=city.team_b,
            valid_from=datetime.date(2013, 3, 1),
        )
        old = HandlingAssignment.objects.get(customer=city.customer_x, team=city.team_a)
        assert old.valid_to == datetime.date(2013, 2, 28)
        assert (new.team, new.valid_from, new.valid_to) == (city.team_b, datetime.date(2013, 3, 1), None)
        kinds = sorted(audit_for(city.customer_x).values_list("kind", flat=True))
        assert kinds == [AuditEntry.Kind.CREATE, AuditEntry.Kind.UPDATE]

    def test_history_answers_who_handled_when(self, city: Any) -> None:
        from ester.organisation.selectors import handling_team

        services.handling_assignment_set(
            actor=None, customer=city.customer_x, process=city.process, team=city.team_b, valid_from=datetime.date(2013, 3, 1)
        )
        assert handling_team(city.customer_x, city.process, datetime.date(2013, 2, 28)) == city.team_a
        assert handling_team(city.customer_x, city.process, datetime.date(2013, 3, 1)) == city.team_b

    def test_first_assignment_for_a_process(self, city: Any) -> None:
        other = f.ProcessFactory(area=city.area, code="KUND", name="Kundreskontra")
        created = services.handling_assignment_set(
            actor=None, customer=city.customer_x, process=other, team=city.team_a, valid_from=datetime.date(2012, 1, 1)
        )
        assert created.valid_to is None

    def test_same_team_is_refused(self, city: Any) -> None:
        with pytest.raises(ValidationError) as exc:
            services.handling_assignment_set(
                actor=None, customer=city.customer_x, process=city.process, team=city.team_a, valid_from=datetime.date(2013, 1, 1)
            )
        assert "handlägger redan" in exc.value.messages[0]

    def test_change_on_the_start_day_of_the_current_is_refused(self, city: Any) -> None:
        with pytest.raises(ValidationError) as exc:
            services.handling_assignment_set(
                actor=None, customer=city.customer_x, process=city.process, team=city.team_b, valid_from=datetime.date(2011, 1, 1)
            )
        assert "valid_from" in exc.value.message_dict
        assert HandlingAssignment.objects.get(customer=city.customer_x).valid_to is None


class TestContacts:
    def test_create_and_update_are_audited_on_the_customer(self, city: Any) -> None:
        contact = services.customer_contact_create(
            actor=city.unit_manager, customer=city.customer_x, name=" Ada Assistent ", role=ContactRole.ASSISTANT
        )
        assert contact.name == "Ada Assistent"
        changed = services.customer_contact_update(
            actor=city.unit_manager, contact=contact, active=False, customer=city.customer_y
        )
        assert changed == ["active"]
        contact.refresh_from_db()
        assert contact.customer == city.customer_x and not contact.active
        assert audit_for(city.customer_x).filter(subject_id=str(contact.pk)).count() == 2

    def test_contact_needs_a_name(self, city: Any) -> None:
        with pytest.raises(ValidationError) as exc:
            services.customer_contact_create(actor=None, customer=city.customer_x, name="  ", role=ContactRole.CONTACT)
        assert exc.value.message_dict["name"] == ["Ange kontaktens namn."]
