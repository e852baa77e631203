"""Reads of the organisation, always starting from what the user may see."""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from ester.core.access import STAFF_ROLES, Action, Role, access_object
from ester.organisation.models import (
    Area,
    Customer,
    CustomerContact,
    HandlingAssignment,
    OpeningHours,
    Process,
    RoleAssignment,
    Team,
    Unit,
)


def customer_list(
    user: Any,
    *,
    q: str = "",
    kind: str = "",
    unit: int | None = None,
    active_on: datetime.date | None = None,
    action: str = Action.VIEW,
) -> QuerySet[Customer]:
    qs = Customer.objects.visible_to(user, action).select_related("responsible_unit", "responsible_manager", "our_contact")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(org_number__icontains=q) | Q(mailbox__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if unit:
        qs = qs.filter(responsible_unit_id=unit)
    if active_on is not None:
        qs = qs.valid_on(active_on)
    return qs.order_by("name")


def access_customer(user: Any, pk: Any, action: str = Action.VIEW) -> Customer:
    return access_object(
        Customer.objects.select_related("responsible_unit__area", "responsible_manager", "our_contact"), user, pk, action
    )


def access_customer_contact(user: Any, pk: Any, action: str = Action.VIEW) -> CustomerContact:
    return access_object(CustomerContact.objects.select_related("customer"), user, pk, action)


def customer_contacts(customer: Customer) -> QuerySet[CustomerContact]:
    """The customer's contacts; ``has_portal_access``: a customer-contact role for this customer in force today."""
    portal = RoleAssignment.objects.filter(
        user_id=OuterRef("user_id"), role=Role.CUSTOMER_CONTACT, customer_id=customer.pk
    ).valid_on(timezone.localdate())
    return customer.contacts.annotate(has_portal_access=Exists(portal)).order_by("-active", "name")


def portal_assignments(contact: CustomerContact) -> QuerySet[RoleAssignment]:
    """The contact's customer-contact roles for their own customer, in force today."""
    if contact.user_id is None:
        return RoleAssignment.objects.none()
    return RoleAssignment.objects.filter(
        user_id=contact.user_id, role=Role.CUSTOMER_CONTACT, customer_id=contact.customer_id
    ).valid_on(timezone.localdate())


def contact_has_portal_access(contact: CustomerContact) -> bool:
    return portal_assignments(contact).exists()


def customer_handling(customer: Customer) -> QuerySet[HandlingAssignment]:
    """Who handles which process for the customer, newest first (history included)."""
    return customer.handling_assignments.select_related("process", "team__unit").order_by("process__name", "-valid_from")


def handling_team(customer: Customer, process: Process, day: datetime.date | None = None) -> Team | None:
    day = day or timezone.localdate()
    assignment = (
        HandlingAssignment.objects.filter(customer=customer, process=process).valid_on(day).select_related("team").first()
    )
    return assignment.team if assignment else None


def area_list(user: Any) -> QuerySet[Area]:
    return Area.objects.visible_to(user).prefetch_related("units__teams").order_by("name")


def unit_list(user: Any, *, active_on: datetime.date | None = None) -> QuerySet[Unit]:
    qs = Unit.objects.visible_to(user).select_related("area", "manager")
    if active_on is not None:
        qs = qs.valid_on(active_on)
    return qs.order_by("area__name", "name")


def team_list(user: Any, *, active_on: datetime.date | None = None) -> QuerySet[Team]:
    qs = Team.objects.visible_to(user).select_related("unit__area")
    if active_on is not None:
        qs = qs.valid_on(active_on)
    return qs.order_by("unit__area__name", "unit__name", "name")


def process_list(user: Any) -> QuerySet[Process]:
    return Process.objects.visible_to(user).select_related("area", "owner").order_by("area__name", "name")


def organisation_overview(user: Any, day: datetime.date) -> QuerySet[Area]:
    return (
        Area.objects.visible_to(user)
        .valid_on(day)
        .annotate(
            unit_count=Count(
                "units", filter=Q(units__valid_from__lte=day) & (Q(units__valid_to__isnull=True) | Q(units__valid_to__gte=day))
            )
        )
        .order_by("name")
    )


def access_area(user: Any, pk: Any, action: str = Action.VIEW) -> Area:
    return access_object(Area, user, pk, action)


def role_assignments_of(user: Any) -> QuerySet[RoleAssignment]:
    """The requesting user's own role assignments (for the profile page)."""
    return RoleAssignment.objects.filter(user_id=user.pk).select_related("area", "unit", "team", "customer")


def responsible_managers(user: Any) -> QuerySet[Any]:
    """Staff users (a staff role in force today) who may be picked as responsible
    unit manager or contact person.  Staff names are not secret among staff, so
    the list does not depend on the requesting user's scope."""
    from ester.accounts.models import User

    staff_now = RoleAssignment.objects.filter(role__in=STAFF_ROLES).valid_on(timezone.localdate()).values("user_id")
    return User.objects.filter(is_active=True, pk__in=staff_now).order_by("last_name", "first_name")


# --- the staff interface: customer register, forms, overview -----------------------


def customer_units_changeable_by(user: Any, *, include: Unit | None = None) -> QuerySet[Unit]:
    """Units the user may make responsible for a customer (the choices of the customer form).

    A unit manager gets their unit(s), a head of area the units in the area,
    a global role every unit.  Only units valid today are offered; ``include``
    (the customer's current unit) is always offered so an unchanged form stays valid.
    """
    units = Unit.objects.visible_to(user, Action.CHANGE).valid_on(timezone.localdate())
    if include is not None:
        units = units | Unit.objects.filter(pk=include.pk)
    return units.select_related("area").order_by("area__name", "name")


def can_create_customers(user: Any) -> bool:
    """Whether the user may register customers: a CHANGE role on a unit, an area or everything."""
    return customer_units_changeable_by(user).exists()


def with_register_details(customers: QuerySet[Customer], day: datetime.date | None = None) -> QuerySet[Customer]:
    """``customers`` with their number of contacts (``contact_count``) and the
    assignments in force on ``day`` (``current_handling``) — for the Excel export."""
    day = day or timezone.localdate()
    current = HandlingAssignment.objects.valid_on(day).select_related("process", "team__unit").order_by("process__name")
    return (
        customers.select_related("responsible_unit__area")
        .annotate(contact_count=Count("contacts", distinct=True))
        .prefetch_related(Prefetch("handling_assignments", queryset=current, to_attr="current_handling"))
    )


def processes_on(user: Any, day: datetime.date) -> QuerySet[Process]:
    """Processes in force on ``day`` with their owners."""
    return process_list(user).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day)


def organisation_tree(user: Any, day: datetime.date) -> QuerySet[Area]:
    """Areas → units → teams as they were on ``day``, with managers and opening hours.

    Prefetched into ``units_on_day`` (each with ``teams_on_day``) and
    ``hours``; five queries whatever the size of the organisation.
    """
    teams = Team.objects.valid_on(day).order_by("name")
    units = (
        Unit.objects.valid_on(day)
        .select_related("manager")
        .order_by("name")
        .prefetch_related(Prefetch("teams", queryset=teams, to_attr="teams_on_day"))
    )
    return (
        Area.objects.visible_to(user)
        .valid_on(day)
        .select_related("head")
        .prefetch_related(
            Prefetch("units", queryset=units, to_attr="units_on_day"),
            Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens"), to_attr="hours"),
        )
        .order_by("name")
    )


# --- API ---
# Reads for the JSON API (ester/organisation/api.py); scoping is the UI's.


def customer_detail_list(user: Any) -> QuerySet[Customer]:
    """Visible customers with their contacts and handling teams, for the API's detail view.

    Customer contacts see only the active contacts of their own department
    (as in the portal); staff see all contacts with their ``active`` flag.
    """
    from django.db.models import Prefetch

    from ester.core.access import is_customer_contact

    contacts = CustomerContact.objects.order_by("-active", "name")
    if is_customer_contact(user):
        contacts = contacts.filter(active=True)
    handling = HandlingAssignment.objects.select_related("process", "team__unit").order_by("process__name", "-valid_from")
    return customer_list(user).prefetch_related(
        Prefetch("contacts", queryset=contacts, to_attr="api_contacts"),
        Prefetch("handling_assignments", queryset=handling, to_attr="api_handling"),
    )


def process_by_code(user: Any, code: str) -> Process | None:
    """A process the user may see, by its code (``None`` when there is none)."""
    return process_list(user).filter(code=code).first()


def staff_user_choices(user: Any, *, include: Any = ()) -> QuerySet[Any]:
    """Users who may be picked as responsible unit manager or our contact person,
    plus those already picked (``include``) so an unchanged form stays valid."""
    from ester.accounts.models import User

    picked = [u.pk for u in include if u is not None]
    candidates = responsible_managers(user).values("pk")
    return User.objects.filter(Q(pk__in=candidates) | Q(pk__in=picked)).order_by("last_name", "first_name", "username")


# --- business calendar ----------------------------------------------------------


def business_calendar(area: Area) -> Any:
    """The lead-time calendar of an area: Swedish holidays, its opening hours and closed days.

    Areas without registered opening hours use the standard office day
    (Monday–Friday 08:00–16:30).
    """
    rows = tuple(sorted((h.weekday, h.opens, h.closes) for h in area.opening_hours.all()))
    closed = frozenset(area.closed_days.values_list("day", flat=True))
    return _shared_calendar(rows, closed)


@functools.lru_cache(maxsize=128)
def _shared_calendar(rows: tuple[Any, ...], closed: frozenset[datetime.date]) -> Any:
    """One calendar per configuration for the whole process: a calendar never changes, and
    the one shared keeps what it has worked out (each day's opening intervals, each year's
    sums), so a request does not start from nothing. A changed configuration is another key."""
    from ester.core.businesscalendar import OpeningHours, SwedishBusinessCalendar

    hours = OpeningHours.from_rows(list(rows)) if rows else OpeningHours.standard()
    return SwedishBusinessCalendar(opening_hours=hours, extra_closed_days=closed)
