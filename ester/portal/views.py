"""The customer portal: a department's contacts see their own agreement, services, prices and contacts."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone

from ester.core.access import is_customer_contact
from ester.organisation.selectors import customer_contacts
from ester.portal import selectors


def contact_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Logged in as a customer contact; everyone else gets 404 (the portal is not theirs)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_customer_contact(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _year(request: HttpRequest, years: list[int]) -> int:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("ar", ""))
    except ValueError:
        year = today.year if today.year in years or not years else years[0]
    return year


@contact_required
def home(request: HttpRequest) -> HttpResponse:
    customers = list(selectors.portal_customers(request.user))
    if len(customers) == 1:
        return redirect("portal:customer", pk=customers[0].pk)
    return render(request, "portal/choose.html", {"customers": customers, "nav": "portal"})


@contact_required
def customer(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.access_portal_customer(request.user, pk)
    years = selectors.portal_agreement_years(request.user, customer)
    year = _year(request, years)
    today = timezone.localdate()
    day = today if today.year == year else datetime.date(year, 12, 31) if year < today.year else datetime.date(year, 1, 1)
    agreement = selectors.portal_agreement(request.user, customer, year)
    context = {
        "nav": "portal",
        "customer": customer,
        "year": year,
        "years": years,
        "day": day,
        "agreement": agreement,
        "services": selectors.portal_services(agreement) if agreement else [],
        "prices": selectors.portal_prices(request.user, agreement, day) if agreement else [],
        "handling": selectors.portal_handling(customer, day),
        "contacts": customer_contacts(customer).filter(active=True),
    }
    return render(request, "portal/customer.html", context)


@contact_required
def document(request: HttpRequest, pk: int) -> FileResponse:
    doc = selectors.portal_document(request.user, pk)
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.original_name, content_type="application/pdf")
