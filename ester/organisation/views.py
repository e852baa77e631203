"""The organisation's staff interface: the customer register, a customer's page,
its forms, and the organisation overview.  Thin: parse, access/select, call a
service, render."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ester.agreements.selectors import agreement_list
from ester.core.access import Action, can
from ester.core.audit import audit_for
from ester.core.decorators import staff_required
from ester.core.excel import excel_response
from ester.core.forms import add_service_errors
from ester.core.ui import paginate, render_page_or_partial
from ester.core.ui import request_actor as _actor
from ester.organisation import selectors, services
from ester.organisation.exports import customer_register_sheets
from ester.organisation.forms import (
    CustomerContactForm,
    CustomerFilterForm,
    CustomerForm,
    HandlingChangeForm,
    OverviewDateForm,
)

if TYPE_CHECKING:
    pass

AUDIT_ROWS = 100


def _detail_url(customer: Any, anchor: str = "") -> str:
    url = reverse("organisation:customer-detail", args=[customer.pk])
    return f"{url}#{anchor}" if anchor else url


# --- the customer register ---------------------------------------------------------


@staff_required
@require_safe
def customer_list(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET, user=request.user)
    customers = selectors.customer_list(request.user, **form.filters())
    context = {
        "nav": "customers",
        "form": form,
        "page_obj": paginate(request, customers),
        "can_create": selectors.can_create_customers(request.user),
        "today": timezone.localdate(),
    }
    return render_page_or_partial(request, "organisation/customer_list.html", context)


@staff_required
@require_safe
def customer_export(request: HttpRequest) -> HttpResponse:
    """The filtered register as an Excel workbook (every visible customer, no pages)."""
    form = CustomerFilterForm(request.GET, user=request.user)
    today = timezone.localdate()
    customers = selectors.with_register_details(selectors.customer_list(request.user, **form.filters()), today)
    return excel_response(f"kunder-{today.isoformat()}.xlsx", customer_register_sheets(customers, today))


@staff_required
@require_safe
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.access_customer(request.user, pk)
    context = {
        "nav": "customers",
        "customer": customer,
        "contacts": selectors.customer_contacts(customer),
        "handling": selectors.customer_handling(customer),
        "agreements": agreement_list(request.user, customer=customer.pk),
        "audit_entries": audit_for(customer)[:AUDIT_ROWS],
        "can_change": can(request.user, customer, Action.CHANGE),
        "today": timezone.localdate(),
    }
    return render(request, "organisation/customer_detail.html", context)


# --- writes ------------------------------------------------------------------------


def _form_page(request: HttpRequest, form: Any, *, title: str, customer: Any = None, **extra: Any) -> HttpResponse:
    context = {"nav": "customers", "form": form, "title": title, "customer": customer, **extra}
    return render(request, "organisation/form.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    if not selectors.can_create_customers(request.user):
        raise Http404
    form = CustomerForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        try:
            customer = services.customer_create(actor=_actor(request), **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Kunden %(name)s är registrerad.") % {"name": customer.name})
            return redirect(_detail_url(customer))
    return _form_page(request, form, title=_("Ny kund"), cancel_url=reverse("organisation:customer-list"))


@staff_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.access_customer(request.user, pk, Action.CHANGE)
    form = CustomerForm(request.POST if request.method == "POST" else None, user=request.user, customer=customer)
    if form.is_bound and form.is_valid():
        try:
            changed = services.customer_update(actor=_actor(request), customer=customer, **form.cleaned_data)
        except ValidationError as exc:
            customer.refresh_from_db()
            add_service_errors(form, exc)
        else:
            if changed:
                messages.success(request, _("Ändringarna av %(name)s är sparade.") % {"name": customer.name})
            else:
                messages.info(request, _("Inget ändrades."))
            return redirect(_detail_url(customer))
    return _form_page(
        request, form, title=_("Ändra %(name)s") % {"name": customer.name}, customer=customer, cancel_url=_detail_url(customer)
    )


@staff_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.access_customer(request.user, pk, Action.CHANGE)
    form = CustomerContactForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            contact = services.customer_contact_create(actor=_actor(request), customer=customer, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Kontakten %(name)s är tillagd.") % {"name": contact.name})
            return redirect(_detail_url(customer, "kontakter"))
    return _form_page(request, form, title=_("Ny kontakt"), customer=customer, cancel_url=_detail_url(customer, "kontakter"))


@staff_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.access_customer_contact(request.user, pk, Action.CHANGE)
    customer = contact.customer
    form = CustomerContactForm(request.POST if request.method == "POST" else None, contact=contact)
    if form.is_bound and form.is_valid():
        try:
            changed = services.customer_contact_update(actor=_actor(request), contact=contact, **form.cleaned_data)
        except ValidationError as exc:
            contact.refresh_from_db()
            add_service_errors(form, exc)
        else:
            if changed:
                messages.success(request, _("Kontakten %(name)s är sparad.") % {"name": contact.name})
            else:
                messages.info(request, _("Inget ändrades."))
            return redirect(_detail_url(customer, "kontakter"))
    return _form_page(
        request,
        form,
        title=_("Ändra kontakten %(name)s") % {"name": contact.name},
        customer=customer,
        cancel_url=_detail_url(customer, "kontakter"),
    )


@staff_required
@require_POST
def contact_portal(request: HttpRequest, pk: int) -> HttpResponse:
    """Give, renew or revoke a contact's login to the customer portal."""
    contact = selectors.access_customer_contact(request.user, pk, Action.CHANGE)
    customer = contact.customer
    action = request.POST.get("action", "")
    try:
        if action == "revoke":
            services.contact_portal_access_revoke(actor=_actor(request), contact=contact)
            messages.success(request, _("Inloggningen för %(name)s är återkallad.") % {"name": contact.name})
            return redirect(_detail_url(customer, "kontakter"))
        if action == "grant":
            user, path = services.contact_portal_access_grant(actor=_actor(request), contact=contact)
        elif action == "link":
            user, path = services.contact_portal_link_renew(actor=_actor(request), contact=contact)
        else:
            return HttpResponseBadRequest(_("Okänd åtgärd. Använd knapparna på kundsidan."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_detail_url(customer, "kontakter"))
    context = {
        "nav": "customers",
        "customer": customer,
        "contact": contact,
        "login": user,
        "link": request.build_absolute_uri(path),
    }
    return render(request, "organisation/contact_portal_link.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def handling_change(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.access_customer(request.user, pk, Action.CHANGE)
    form = HandlingChangeForm(request.POST if request.method == "POST" else None, user=request.user)
    if form.is_bound and form.is_valid():
        try:
            assignment = services.handling_assignment_set(actor=_actor(request), customer=customer, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(team)s handlägger %(process)s för kunden från och med %(day)s.")
                % {"team": assignment.team, "process": assignment.process, "day": assignment.valid_from.isoformat()},
            )
            return redirect(_detail_url(customer, "handlaggning"))
    return _form_page(
        request,
        form,
        title=_("Byt handläggande team"),
        customer=customer,
        cancel_url=_detail_url(customer, "handlaggning"),
        handling=selectors.customer_handling(customer),
        today=timezone.localdate(),
    )


# --- the organisation ----------------------------------------------------------------


@staff_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    form = OverviewDateForm(request.GET or None)
    day = form.day()
    context = {
        "nav": "organisation",
        "form": form,
        "day": day,
        "is_today": day == timezone.localdate(),
        "areas": selectors.organisation_tree(request.user, day),
        "processes": selectors.processes_on(request.user, day),
    }
    return render(request, "organisation/overview.html", context)
