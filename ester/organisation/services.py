"""Writes to the organisation: customers, their contacts, who handles them, role assignments."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ester.accounts.models import User
from ester.core.access import Role, forget_scope
from ester.core.services import audited_create, audited_update, require, require_permission
from ester.organisation.models import Customer, CustomerContact, HandlingAssignment, Process, RoleAssignment, Team, Unit
from ester.organisation.validators import normalise_org_number

CUSTOMER_FIELDS = (
    "name",
    "short_name",
    "kind",
    "org_number",
    "responsible_unit",
    "responsible_manager",
    "our_contact",
    "mailbox",
    "notes",
    "valid_from",
    "valid_to",
)


def _check_validity(valid_from: datetime.date, valid_to: datetime.date | None) -> None:
    require(
        valid_to is None or valid_to >= valid_from,
        _("”Giltig till” måste vara samma dag som eller efter ”giltig från”."),
        "valid_to",
    )


@transaction.atomic
def customer_create(
    *, actor: User, name: str, kind: str, org_number: str, responsible_unit: Unit, valid_from: datetime.date, **fields: Any
) -> Customer:
    require_permission(actor, responsible_unit)
    org_number = normalise_org_number(org_number)
    _check_validity(valid_from, fields.get("valid_to"))
    return audited_create(
        Customer,
        actor=actor,
        name=name.strip(),
        kind=kind,
        org_number=org_number,
        responsible_unit=responsible_unit,
        valid_from=valid_from,
        **{k: v for k, v in fields.items() if k in CUSTOMER_FIELDS},
    )


@transaction.atomic
def customer_update(*, actor: User, customer: Customer, **fields: Any) -> list[str]:
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    require(not unknown, f"Okända fält: {', '.join(sorted(unknown))}")
    require_permission(actor, customer)
    if fields.get("responsible_unit") not in (None, customer.responsible_unit):
        require_permission(actor, fields["responsible_unit"])
    if "org_number" in fields:
        fields["org_number"] = normalise_org_number(fields["org_number"])
    _check_validity(fields.get("valid_from", customer.valid_from), fields.get("valid_to", customer.valid_to))
    return audited_update(customer, actor=actor, fields=fields)


@transaction.atomic
def handling_assignment_set(
    *, actor: User, customer: Customer, process: Process, team: Team, valid_from: datetime.date
) -> HandlingAssignment:
    """Route the customer's work in ``process`` to ``team`` from ``valid_from``.

    The assignment in force that day is ended the day before, so the history
    of who handled what stays true.
    """
    require_permission(actor, customer)
    current = (
        HandlingAssignment.objects.filter(customer=customer, process=process).valid_on(valid_from).order_by("-valid_from").first()
    )
    if current is not None:
        require(
            current.team_id != team.pk,
            _("%(team)s handlägger redan %(process)s för kunden.") % {"team": team, "process": process},
        )
        require(
            current.valid_from < valid_from,
            _("Ett byte måste gälla från en dag efter %(day)s, då nuvarande team började.") % {"day": current.valid_from},
            "valid_from",
        )
        audited_update(current, actor=actor, fields={"valid_to": valid_from - datetime.timedelta(days=1)}, owner=customer)
    later = HandlingAssignment.objects.filter(customer=customer, process=process, valid_from__gt=valid_from).exists()
    require(not later, _("Det finns redan ett senare planerat byte för %(process)s; ändra det först.") % {"process": process})
    return audited_create(
        HandlingAssignment, actor=actor, owner=customer, customer=customer, process=process, team=team, valid_from=valid_from
    )


@transaction.atomic
def customer_contact_create(
    *, actor: User, customer: Customer, name: str, role: str, email: str = "", phone: str = ""
) -> CustomerContact:
    require_permission(actor, customer)
    require(bool(name.strip()), _("Ange kontaktens namn."), "name")
    return audited_create(
        CustomerContact, actor=actor, owner=customer, customer=customer, name=name.strip(), role=role, email=email, phone=phone
    )


@transaction.atomic
def customer_contact_update(*, actor: User, contact: CustomerContact, **fields: Any) -> list[str]:
    allowed = {"name", "role", "email", "phone", "active"}
    require_permission(actor, contact.customer)
    return audited_update(contact, actor=actor, owner=contact.customer, fields={k: v for k, v in fields.items() if k in allowed})


@transaction.atomic
def role_assign(
    *,
    actor: User | None,
    user: User,
    role: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    area: Any = None,
    unit: Any = None,
    team: Any = None,
    customer: Customer | None = None,
) -> RoleAssignment:
    scopes = [s for s in (area, unit, team, customer) if s is not None]
    require(len(scopes) <= 1, _("En roll gäller ett område, en enhet, ett team eller en kund – inte flera."))
    require(role != Role.CUSTOMER_CONTACT or customer is not None, _("En kundkontakt måste kopplas till sin kund."))
    require(role == Role.CUSTOMER_CONTACT or customer is None, _("Bara kundkontakter kan ha en kund som omfattning."))
    _check_validity(valid_from, valid_to)
    assignment = audited_create(
        RoleAssignment,
        actor=actor,
        owner=user,
        user=user,
        role=role,
        area=area,
        unit=unit,
        team=team,
        customer=customer,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    forget_scope(user)
    return assignment
