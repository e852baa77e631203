"""Reads of the organisation, always starting from what the user may see."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ester.core.access import Action, access_object
from ester.organisation.models import Area, Customer, CustomerContact, HandlingAssignment, Process, RoleAssignment, Team, Unit


def customer_list(
    user: Any,
    *,
    q: str = "",
    kind: str = "",
    unit: int | str | None = None,
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
    return access_object(Customer.objects.select_related("responsible_unit__area", "responsible_manager", "our_contact"), user, pk, action)


def access_customer_contact(user: Any, pk: Any, action: str = Action.VIEW) -> CustomerContact:
    return access_object(CustomerContact.objects.select_related("customer"), user, pk, action)


def customer_contacts(customer: Customer) -> QuerySet[CustomerContact]:
    return customer.contacts.order_by("-active", "name")


def customer_handling(customer: Customer, day: datetime.date | None = None) -> QuerySet[HandlingAssignment]:
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
        .annotate(unit_count=Count("units", filter=Q(units__valid_from__lte=day) & (Q(units__valid_to__isnull=True) | Q(units__valid_to__gte=day))))
        .order_by("name")
    )


def access_area(user: Any, pk: Any, action: str = Action.VIEW) -> Area:
    return access_object(Area, user, pk, action)


def role_assignments_of(user: Any) -> QuerySet[RoleAssignment]:
    """The requesting user's own role assignments (for the profile page)."""
    return RoleAssignment.objects.filter(user_id=user.pk).select_related("area", "unit", "team", "customer")


def responsible_managers(user: Any) -> QuerySet[Any]:
    """Staff users who may be picked as responsible unit manager or contact person."""
    from ester.accounts.models import User

    return User.objects.filter(is_active=True, role_assignments__role__in=["enhetschef", "verksamhetschef", "handlaggare", "controller"]).distinct().order_by("last_name", "first_name")
