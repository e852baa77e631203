"""Reads of services, prices and agreements, always scoped to the requesting user."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from ester.agreements.choices import ServiceKind
from ester.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementService,
    Deviation,
    InterfaceText,
    LeadTime,
    PriceList,
    PriceVersion,
    Service,
    ServiceVariant,
)
from ester.core.access import Action, access_object
from ester.organisation.models import Customer


def service_list(user: Any, *, q: str = "", process: Any = None, kind: str = "", active_only: bool = True) -> QuerySet[Service]:
    qs = Service.objects.visible_to(user).select_related("process__area").prefetch_related("variants")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(process__name__icontains=q))
    if process:
        qs = qs.filter(process_id=process)
    if kind:
        qs = qs.filter(kind=kind)
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("process__area__name", "process__name", "kind", "name")


def addon_services(user: Any) -> QuerySet[Service]:
    return service_list(user, kind=ServiceKind.ADDON)


def variants_changeable_by(user: Any) -> QuerySet[ServiceVariant]:
    return (
        ServiceVariant.objects.visible_to(user, Action.CHANGE)
        .select_related("service__process")
        .order_by("service__process__name", "service__name", "order")
    )


def price_list_list(user: Any) -> QuerySet[PriceList]:
    return PriceList.objects.visible_to(user).order_by("-year")


def access_price_list(user: Any, pk: Any, action: str = Action.VIEW) -> PriceList:
    return access_object(PriceList, user, pk, action)


def price_list_by_year(user: Any, year: int) -> PriceList | None:
    return PriceList.objects.visible_to(user).filter(year=year).first()


@dataclass
class PriceRow:
    """One variant's prices in a price list: every version, and which is in force on ``day``."""

    variant: ServiceVariant
    versions: list[PriceVersion]
    current: PriceVersion | None

    @property
    def changed_mid_year(self) -> bool:
        return len(self.versions) > 1


def price_on(versions: list[PriceVersion], day: datetime.date) -> PriceVersion | None:
    """The version in force on ``day`` among ``versions`` of one variant (sorted by valid_from)."""
    current = None
    for version in versions:
        if version.valid_from <= day:
            current = version
    return current


def price_rows(price_list: PriceList, *, day: datetime.date | None = None, services: Any = None) -> list[PriceRow]:
    """The price table of a price list (two queries, whatever its size)."""
    day = day or datetime.date.today()
    if day.year != price_list.year:
        day = price_list.last_day if day.year > price_list.year else price_list.first_day
    versions = PriceVersion.objects.filter(price_list=price_list).select_related("created_by").order_by("valid_from", "id")
    variants = ServiceVariant.objects.filter(prices__price_list=price_list).distinct()
    if services is not None:
        variants = variants.filter(service__in=services)
    variants = (
        variants.select_related("service__process__area")
        .prefetch_related(Prefetch("prices", queryset=versions, to_attr="versions_in_list"))
        .order_by("service__process__area__name", "service__process__name", "service__name", "order", "name")
    )
    return [PriceRow(v, list(v.versions_in_list), price_on(v.versions_in_list, day)) for v in variants]


def unit_price(variant: ServiceVariant, day: datetime.date) -> Decimal | None:
    """The price of ``variant`` on ``day`` (used by billing)."""
    version = (
        PriceVersion.objects.filter(variant=variant, price_list__year=day.year, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )
    return version.unit_price if version else None


def agreement_list(
    user: Any, *, year: int | None = None, customer: Any = None, status: str = "", q: str = "", action: str = Action.VIEW
) -> QuerySet[Agreement]:
    qs = Agreement.objects.visible_to(user, action).select_related("customer__responsible_unit")
    if year:
        qs = qs.filter(year=year)
    if customer:
        qs = qs.filter(customer_id=customer)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(customer__name__icontains=q)
    return qs.order_by("-year", "customer__name")


def agreement_years(user: Any) -> list[int]:
    return sorted(set(Agreement.objects.visible_to(user).values_list("year", flat=True)), reverse=True)


def access_agreement(user: Any, pk: Any, action: str = Action.VIEW) -> Agreement:
    return access_object(Agreement.objects.select_related("customer__responsible_unit", "copied_from"), user, pk, action)


def access_agreement_service(user: Any, pk: Any, action: str = Action.VIEW) -> AgreementService:
    return access_object(AgreementService.objects.select_related("agreement__customer", "service"), user, pk, action)


def access_agreement_document(user: Any, pk: Any, action: str = Action.VIEW) -> AgreementDocument:
    return access_object(AgreementDocument.objects.select_related("agreement__customer"), user, pk, action)


def agreement_services(agreement: Agreement, *, day: datetime.date | None = None) -> QuerySet[AgreementService]:
    qs = agreement.services.select_related("service__process__area").prefetch_related("service__variants")
    if day is not None:
        qs = qs.filter(start__lte=day, end__gte=day)
    return qs.order_by("service__process__area__name", "service__process__name", "-service__kind", "service__name", "start")


def agreement_for(customer: Customer, year: int) -> Agreement | None:
    return Agreement.objects.filter(customer=customer, year=year).first()


# --- staff interface ---
# Reads for the agreement and price pages (ester/agreements/views.py).


def agreement_table(user: Any, *, year: int | None = None, status: str = "", q: str = "") -> QuerySet[Agreement]:
    """The agreement list with the number of agreed add-on periods per agreement (one query)."""
    return agreement_list(user, year=year, status=status, q=q).annotate(
        addon_count=Count("services", filter=Q(services__service__kind=ServiceKind.ADDON))
    )


def default_agreement_year(user: Any, today: datetime.date | None = None) -> int | None:
    """The current year when the user sees agreements for it, else the latest year they see."""
    years = agreement_years(user)
    today = today or datetime.date.today()
    if today.year in years:
        return today.year
    return years[0] if years else None


def may_change_agreements_of_year(user: Any, year: int) -> bool:
    return Agreement.objects.visible_to(user, Action.CHANGE).filter(year=year).exists()


def agreement_lead_times(agreement: Agreement) -> QuerySet[LeadTime]:
    return agreement.lead_times.select_related("process").order_by("process__name", "work_kind")


def agreement_interfaces(agreement: Agreement) -> QuerySet[InterfaceText]:
    return agreement.interfaces.select_related("process").order_by("process__name")


def agreement_deviations(agreement: Agreement) -> QuerySet[Deviation]:
    return agreement.deviations.select_related("process").order_by("process__name", "approved_on", "id")


def agreement_documents(agreement: Agreement) -> QuerySet[AgreementDocument]:
    return agreement.documents.select_related("uploaded_by").order_by("-uploaded_at", "-id")


def may_manage_price_lists(user: Any) -> bool:
    """Global roles that may change, and heads of area, start and copy price lists."""
    from ester.organisation.models import Area

    return Area.objects.visible_to(user, Action.CHANGE).exists()


# --- API ---
# Reads for the JSON API (ester/agreements/api.py); scoping is the UI's.


def price_list_detail_list(user: Any) -> QuerySet[PriceList]:
    """Visible price lists with every price version (variant and service joined), for the API."""
    versions = PriceVersion.objects.select_related("variant__service").order_by(
        "variant__service__name", "variant__order", "variant__code", "valid_from", "id"
    )
    return price_list_list(user).prefetch_related(Prefetch("versions", queryset=versions, to_attr="api_versions"))


def agreement_detail_list(user: Any) -> QuerySet[Agreement]:
    """Visible agreements with services, lead times, interface texts, deviations and documents."""
    return agreement_list(user).prefetch_related(
        Prefetch(
            "services",
            queryset=AgreementService.objects.select_related("service__process").order_by(
                "service__process__name", "-service__kind", "service__name", "start"
            ),
            to_attr="api_services",
        ),
        Prefetch(
            "lead_times",
            queryset=LeadTime.objects.select_related("process").order_by("process__name", "work_kind"),
            to_attr="api_lead_times",
        ),
        Prefetch(
            "interfaces",
            queryset=InterfaceText.objects.select_related("process").order_by("process__name"),
            to_attr="api_interfaces",
        ),
        Prefetch(
            "deviations",
            queryset=Deviation.objects.select_related("process").order_by("process__name", "approved_on", "id"),
            to_attr="api_deviations",
        ),
        Prefetch("documents", queryset=AgreementDocument.objects.order_by("-uploaded_at", "id"), to_attr="api_documents"),
    )
