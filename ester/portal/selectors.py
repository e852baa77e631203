"""What a customer contact sees in the portal: only their own department."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from ester.agreements.models import Agreement, AgreementService
from ester.agreements.selectors import agreement_services, price_list_by_year, price_rows
from ester.core.access import Action, Role, access_object
from ester.organisation.models import Customer, HandlingAssignment


def portal_customers(user: Any) -> QuerySet[Customer]:
    """The departments the user is a customer contact for (usually one)."""
    return (
        Customer.objects.visible_to(user)
        .filter(
            pk__in=user.role_assignments.filter(role=Role.CUSTOMER_CONTACT, customer__isnull=False)
            .valid_on(timezone.localdate())
            .values("customer_id")
        )
        .order_by("name")
    )


def access_portal_customer(user: Any, pk: Any) -> Customer:
    return access_object(portal_customers(user), user, pk, Action.VIEW)


def portal_agreement(user: Any, customer: Customer, year: int) -> Agreement | None:
    return Agreement.objects.visible_to(user).filter(customer=customer, year=year).prefetch_related("documents").first()


def portal_agreement_years(user: Any, customer: Customer) -> list[int]:
    return list(Agreement.objects.visible_to(user).filter(customer=customer).order_by("-year").values_list("year", flat=True))


def portal_services(agreement: Agreement) -> QuerySet[AgreementService]:
    return agreement_services(agreement)


def portal_handling(customer: Customer, day: datetime.date) -> QuerySet[HandlingAssignment]:
    return (
        HandlingAssignment.objects.filter(customer=customer)
        .valid_on(day)
        .select_related("process", "team__unit")
        .order_by("process__name")
    )


def portal_prices(user: Any, agreement: Agreement, day: datetime.date) -> list[Any]:
    """Prices of the services in the agreement, in force on ``day`` (with all versions of the year)."""
    price_list = price_list_by_year(user, agreement.year)
    if price_list is None:
        return []
    services = agreement.services.values("service_id")
    return price_rows(price_list, day=day, services=services)


def portal_document(user: Any, pk: Any) -> Any:
    from ester.agreements.selectors import access_agreement_document

    return access_agreement_document(user, pk)
