"""Writes to the organisation: customers, their contacts, who handles them, role assignments."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from ester.accounts.models import User
from ester.core.access import STAFF_ROLES, Role, forget_scope
from ester.core.audit import audit_record, snapshot
from ester.core.models import AuditEntry
from ester.core.services import audited_create, audited_update, require, require_permission
from ester.organisation import selectors
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


# --- portal access for customer contacts ----------------------------------------------


def password_set_path(user: User) -> str:
    """A one-time link for the user to choose a password (Django's reset token: it stops
    working once a password is set, and after ``PASSWORD_RESET_TIMEOUT``)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("accounts:password-set", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})


@transaction.atomic
def contact_portal_access_grant(*, actor: User, contact: CustomerContact) -> tuple[User, str]:
    """Give a customer contact a login to the customer portal of their own department.

    The login is the contact's e-mail address; an existing account with that
    address (a contact of another department, say) is reused — but never a
    staff account. Returns the user and a one-time link for choosing a password,
    which the unit manager passes on to the contact.
    """
    customer = contact.customer
    require_permission(actor, customer)
    require(contact.active, _("Kontakten är inaktiv. Aktivera den innan den får en inloggning."))
    email = (contact.email or "").strip().lower()
    require(
        bool(email), _("%(name)s saknar e-postadress. Lägg till den först – den blir inloggningsnamnet.") % {"name": contact.name}
    )
    require(
        not selectors.contact_has_portal_access(contact),
        _("%(name)s har redan inloggning till kundportalen.") % {"name": contact.name},
    )
    user = contact.user or User.objects.filter(email__iexact=email).first()
    if user is not None:
        staff = RoleAssignment.objects.filter(user=user, role__in=STAFF_ROLES).valid_on(timezone.localdate()).exists()
        require(
            not staff and not user.is_superuser,
            _("Adressen %(email)s tillhör en medarbetare på förvaltningen och kan inte bli kundinloggning.") % {"email": email},
        )
    else:
        require(
            not User.objects.filter(username__iexact=email).exists(),
            _("Användarnamnet %(email)s är upptaget. Kontakta systemadministratören.") % {"email": email},
        )
        first, _sep, last = contact.name.strip().partition(" ")
        user = User(username=email, email=email, first_name=first[:150], last_name=last[:150])
        user.set_unusable_password()
        user.save()
        audit_record(
            actor=actor,
            obj=user,
            kind=AuditEntry.Kind.CREATE,
            after=snapshot(user),
            owner=customer,
            summary=_("Portalinloggning"),
        )
    role_assign(actor=actor, user=user, role=Role.CUSTOMER_CONTACT, customer=customer, valid_from=timezone.localdate())
    if contact.user_id != user.pk:
        audited_update(contact, actor=actor, owner=customer, fields={"user": user}, summary=_("Inloggning till kundportalen"))
    return user, password_set_path(user)


def contact_portal_link_renew(*, actor: User, contact: CustomerContact) -> tuple[User, str]:
    """A new one-time password link for a contact who already has portal access."""
    require_permission(actor, contact.customer)
    require(
        contact.user is not None and selectors.contact_has_portal_access(contact),
        _("%(name)s har ingen inloggning till kundportalen. Ge inloggning först.") % {"name": contact.name},
    )
    assert contact.user is not None
    return contact.user, password_set_path(contact.user)


@transaction.atomic
def contact_portal_access_revoke(*, actor: User, contact: CustomerContact) -> None:
    """End the contact's portal access today (the role assignment is ended, not deleted)."""
    require_permission(actor, contact.customer)
    require(
        selectors.contact_has_portal_access(contact), _("%(name)s har ingen inloggning att återkalla.") % {"name": contact.name}
    )
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for assignment in selectors.portal_assignments(contact):
        fields: dict[str, Any] = {"valid_to": yesterday}
        if assignment.valid_from > yesterday:  # granted today: record it as a closed, empty period
            fields["valid_from"] = yesterday
        audited_update(assignment, actor=actor, owner=contact.customer, fields=fields, summary=_("Inloggning återkallad"))
    forget_scope(contact.user)
