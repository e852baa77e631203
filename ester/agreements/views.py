"""Staff pages for service agreements, price lists and the service catalogue.

Thin views: parse the request, fetch through ``access_*`` and selectors, write
through services, render.  Every page is staff-only (``staff_required``); a
row the user may not see answers 404 whether it exists or not, and every
change re-fetches its object with ``Action.CHANGE``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ester.agreements import selectors, services
from ester.agreements.choices import AgreementStatus, ServiceKind
from ester.agreements.forms import (
    AddonEndForm,
    AddonForm,
    AgreementCreateForm,
    AgreementFilterForm,
    AgreementUpdateForm,
    DeviationForm,
    DocumentUploadForm,
    InterfaceTextForm,
    LeadTimeForm,
    PriceDayForm,
    PriceListCopyForm,
    PriceListCreateForm,
    PriceVersionForm,
    ServiceFilterForm,
    clip_to_year,
)
from ester.agreements.models import Agreement, PriceList
from ester.core.access import Action, can
from ester.core.audit import audit_for
from ester.core.decorators import staff_required
from ester.core.excel import MONEY_FORMAT, Sheet, excel_response
from ester.core.forms import submit as _submit
from ester.core.ui import paginate, render_page_or_partial
from ester.core.ui import request_actor as _actor
from ester.organisation.selectors import customer_list

if TYPE_CHECKING:
    pass

WORKDAY_HOURS = 8
STATUS_BADGES: dict[str, str] = {
    AgreementStatus.DRAFT: "badge-warn",
    AgreementStatus.SIGNED: "badge-ok",
    AgreementStatus.ENDED: "badge-muted",
}


def _data(request: HttpRequest) -> Any:
    """The POST data of a form submission (bound even when empty), else None."""
    return request.POST if request.method == "POST" else None


# --- agreements -------------------------------------------------------------------


@staff_required
@require_safe
def agreement_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    years = selectors.agreement_years(user)
    default_year = selectors.default_agreement_year(user, timezone.localdate())
    data = request.GET.copy()
    if "ar" not in data and default_year:
        data["ar"] = str(default_year)
    form = AgreementFilterForm(data, years=years)
    form.is_valid()
    year = form.cleaned_data.get("ar") if "ar" not in form.errors else default_year
    table = selectors.agreement_table(
        user, year=year, status=form.cleaned_data.get("status", ""), q=form.cleaned_data.get("q", "")
    )
    page = paginate(request, table)
    for agreement in page:
        agreement.badge = STATUS_BADGES.get(agreement.status, "badge-muted")
    context = {
        "nav": "agreements",
        "form": form,
        "year": year,
        "page_obj": page,
        "agreements": page.object_list,
        "may_copy": selectors.may_change_agreements_of_year(user, year) if year else False,
        "may_create": customer_list(user, action=Action.CHANGE).exists(),
    }
    return render_page_or_partial(request, "agreements/agreement_list.html", context)


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def agreement_create(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    if not customer_list(user, action=Action.CHANGE).exists():
        raise Http404
    initial = {"year": timezone.localdate().year, "customer": request.GET.get("kund")}
    form = AgreementCreateForm(_data(request), user=user, initial=initial)
    if request.method == "POST":
        ok, agreement = _submit(form, lambda d: services.agreement_create(actor=user, customer=d["customer"], year=d["year"]))
        if ok:
            messages.success(
                request,
                _("Serviceavtalet för %(year)s skapades som utkast med de obligatoriska tjänsterna.") % {"year": agreement.year},
            )
            return redirect("agreements:agreement-detail", pk=agreement.pk)
    return render(request, "agreements/agreement_create.html", {"nav": "agreements", "form": form})


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def agreements_copy(request: HttpRequest) -> HttpResponse:
    """Copy every agreement of a year that the user may change into the next year, as drafts."""
    user = _actor(request)
    try:
        from_year = int(request.POST.get("from_year") or request.GET.get("ar") or 0)
    except ValueError:
        raise Http404 from None
    if not from_year or not selectors.may_change_agreements_of_year(user, from_year):
        raise Http404
    context: dict[str, Any] = {"nav": "agreements", "from_year": from_year, "to_year": from_year + 1}
    if request.method == "POST":
        try:
            result = services.agreements_copy_to_year(actor=user, from_year=from_year, to_year=from_year + 1)
        except ValidationError as error:
            context["errors"] = error.messages
        else:
            messages.success(
                request,
                _("%(created)s avtal skapades för %(year)s, %(skipped)s hoppades över.")
                % {"created": len(result.created), "skipped": len(result.skipped), "year": from_year + 1},
            )
            context["result"] = result
            return render(request, "agreements/agreements_copy.html", context)
    context["sources"] = selectors.agreement_list(user, year=from_year, action=Action.CHANGE)
    return render(request, "agreements/agreements_copy.html", context)


def _detail_context(request: HttpRequest, agreement: Agreement, **bound: Any) -> dict[str, Any]:
    user = request.user
    can_change = can(user, agreement, Action.CHANGE)
    # Per process: mandatory services first, then the add-ons in the order they were agreed.
    # Rows decorated for the template (is_addon, end_form, first_days, ...).
    items: list[Any] = list(selectors.agreement_services(agreement))
    processes = list(dict.fromkeys(item.service.process_id for item in items))
    items.sort(
        key=lambda i: (processes.index(i.service.process_id), i.service.kind != ServiceKind.MANDATORY, i.service.name, i.start)
    )
    for item in items:
        item.is_addon = item.service.kind == ServiceKind.ADDON
        item.part_of_year = item.start != agreement.first_day or item.end != agreement.last_day
        item.ended_early = item.end < agreement.last_day
        if can_change and item.is_addon:
            if bound.get("end_item") == item.pk:
                item.end_form = bound["end_form"]
            else:
                item.end_form = AddonEndForm(prefix=f"end-{item.pk}", initial={"end": item.end})
    lead_times: list[Any] = list(selectors.agreement_lead_times(agreement))
    for lead in lead_times:
        lead.first_days = lead.first_response_hours / WORKDAY_HOURS if lead.first_response_hours is not None else None
        lead.resolution_days = lead.resolution_hours / WORKDAY_HOURS
    context = {
        "nav": "agreements",
        "agreement": agreement,
        "status_badge": STATUS_BADGES.get(agreement.status, "badge-muted"),
        "can_change": can_change,
        "items": items,
        "addon_total": sum(1 for item in items if item.is_addon),
        "lead_times": lead_times,
        "interfaces": selectors.agreement_interfaces(agreement),
        "deviations": selectors.agreement_deviations(agreement),
        "documents": selectors.agreement_documents(agreement),
        "price_list": selectors.price_list_by_year(user, agreement.year),
        "audit_entries": audit_for(agreement)[:100],
        "workday_hours": WORKDAY_HOURS,
    }
    if can_change:
        context.update(
            addon_form=bound.get("addon_form") or AddonForm(prefix="addon", user=user, agreement=agreement),
            lead_form=bound.get("lead_form") or LeadTimeForm(prefix="lead", user=user),
            interface_form=bound.get("interface_form") or InterfaceTextForm(prefix="interface", user=user),
            deviation_form=bound.get("deviation_form") or DeviationForm(prefix="deviation", user=user),
            document_form=bound.get("document_form") or DocumentUploadForm(prefix="document"),
        )
    return context


def _detail(request: HttpRequest, agreement: Agreement, **bound: Any) -> HttpResponse:
    return render(request, "agreements/agreement_detail.html", _detail_context(request, agreement, **bound))


def _back(agreement: Agreement, anchor: str) -> HttpResponse:
    return redirect(reverse("agreements:agreement-detail", kwargs={"pk": agreement.pk}) + f"#{anchor}")


@staff_required
@require_safe
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.access_agreement(request.user, pk))


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def agreement_update(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.access_agreement(request.user, pk, Action.CHANGE)
    initial = {name: getattr(agreement, name) for name in ("status", "signed_on", "opening_hours", "notes")}
    form = AgreementUpdateForm(_data(request), initial=initial)
    if request.method == "POST":
        ok, changed = _submit(form, lambda d: services.agreement_update(actor=_actor(request), agreement=agreement, **d))
        if ok:
            messages.success(request, _("Avtalet sparades.") if changed else _("Inget ändrades."))
            return redirect("agreements:agreement-detail", pk=agreement.pk)
    return render(request, "agreements/agreement_update.html", {"nav": "agreements", "agreement": agreement, "form": form})


@staff_required
@require_POST
def agreement_addon_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.access_agreement(request.user, pk, Action.CHANGE)
    form = AddonForm(request.POST, prefix="addon", user=request.user, agreement=agreement)
    ok, item = _submit(form, lambda d: services.agreement_service_add(actor=_actor(request), agreement=agreement, **d))
    if not ok:
        return _detail(request, agreement, addon_form=form)
    messages.success(
        request,
        _("Tilläggstjänsten %(service)s är avtalad %(start)s–%(end)s.")
        % {"service": item.service, "start": item.start, "end": item.end},
    )
    return _back(agreement, "tjanster")


@staff_required
@require_POST
def agreement_addon_end(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    agreement = selectors.access_agreement(request.user, pk, Action.CHANGE)
    agreement_service = selectors.access_agreement_service(request.user, item, Action.CHANGE)
    if agreement_service.agreement_id != agreement.pk:
        raise Http404
    form = AddonEndForm(request.POST, prefix=f"end-{agreement_service.pk}")
    ok, _item = _submit(
        form, lambda d: services.agreement_service_end(actor=_actor(request), item=agreement_service, end=d["end"])
    )
    if not ok:
        return _detail(request, agreement, end_item=agreement_service.pk, end_form=form)
    messages.success(
        request, _("%(service)s avslutas %(end)s.") % {"service": agreement_service.service, "end": agreement_service.end}
    )
    return _back(agreement, "tjanster")


def _agreement_part_post(
    request: HttpRequest,
    pk: int,
    form_class: Callable[..., forms.Form],
    prefix: str,
    service: Callable[..., Any],
    message: str,
    anchor: str,
) -> HttpResponse:
    """One of the agreement page's small forms (lead time, interface, deviation): validate,
    hand to the service, and either re-render the page with the form's errors or go back."""
    agreement = selectors.access_agreement(request.user, pk, Action.CHANGE)
    form = form_class(request.POST, prefix=prefix, user=request.user)
    ok, _row = _submit(form, lambda d: service(actor=_actor(request), agreement=agreement, **d))
    if not ok:
        return _detail(request, agreement, **{f"{prefix}_form": form})
    messages.success(request, message)
    return _back(agreement, anchor)


@staff_required
@require_POST
def agreement_lead_time_set(request: HttpRequest, pk: int) -> HttpResponse:
    return _agreement_part_post(request, pk, LeadTimeForm, "lead", services.lead_time_set, _("Ledtiden sparades."), "ledtider")


@staff_required
@require_POST
def agreement_interface_set(request: HttpRequest, pk: int) -> HttpResponse:
    return _agreement_part_post(
        request, pk, InterfaceTextForm, "interface", services.interface_text_set, _("Gränssnittet sparades."), "granssnitt"
    )


@staff_required
@require_POST
def agreement_deviation_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _agreement_part_post(
        request, pk, DeviationForm, "deviation", services.deviation_add, _("Avvikelsen registrerades."), "avvikelser"
    )


@staff_required
@require_POST
def agreement_document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.access_agreement(request.user, pk, Action.CHANGE)
    form = DocumentUploadForm(request.POST, request.FILES, prefix="document")
    ok, document = _submit(
        form, lambda d: services.agreement_document_upload(actor=_actor(request), agreement=agreement, upload=d["file"])
    )
    if not ok:
        return _detail(request, agreement, document_form=form)
    messages.success(request, _("”%(name)s” laddades upp.") % {"name": document.original_name})
    return _back(agreement, "dokument")


@staff_required
@require_safe
def agreement_document_download(request: HttpRequest, pk: int, doc: int) -> FileResponse:
    document = selectors.access_agreement_document(request.user, doc)
    if document.agreement_id != pk:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=document.original_name, content_type=document.content_type)


# --- price lists ------------------------------------------------------------------


@staff_required
@require_safe
def pricelist_list(request: HttpRequest) -> HttpResponse:
    context = {
        "nav": "prices",
        "price_lists": selectors.price_list_list(request.user),
        "may_manage": selectors.may_manage_price_lists(request.user),
    }
    return render(request, "agreements/pricelist_list.html", context)


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def pricelist_create(request: HttpRequest) -> HttpResponse:
    if not selectors.may_manage_price_lists(request.user):
        raise Http404
    form = PriceListCreateForm(_data(request), initial={"year": timezone.localdate().year + 1})
    if request.method == "POST":
        ok, price_list = _submit(form, lambda d: services.price_list_create(actor=_actor(request), **d))
        if ok:
            messages.success(request, _("%(name)s skapades.") % {"name": price_list})
            return redirect("agreements:pricelist-detail", pk=price_list.pk)
    return render(request, "agreements/pricelist_create.html", {"nav": "prices", "form": form})


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def pricelist_copy(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.may_manage_price_lists(request.user):
        raise Http404
    price_list = selectors.access_price_list(request.user, pk)
    form = PriceListCopyForm(_data(request), initial={"decision_ref": ""})
    if request.method == "POST":
        ok, target = _submit(
            form,
            lambda d: services.price_list_copy_to_year(
                actor=_actor(request), from_year=price_list.year, to_year=price_list.year + 1, decision_ref=d["decision_ref"]
            ),
        )
        if ok:
            messages.success(
                request,
                _("%(name)s skapades med priserna som gällde 31 december %(year)s.") % {"name": target, "year": price_list.year},
            )
            return redirect("agreements:pricelist-detail", pk=target.pk)
    context = {"nav": "prices", "price_list": price_list, "to_year": price_list.year + 1, "form": form}
    return render(request, "agreements/pricelist_copy.html", context)


def _price_day(request: HttpRequest, price_list: PriceList) -> tuple[PriceDayForm, datetime.date]:
    form = PriceDayForm(request.GET or None)
    day = form.cleaned_data.get("dag") if form.is_valid() else None
    day = clip_to_year(day or timezone.localdate(), price_list.year)
    if not form.is_bound or not form.is_valid() or form.cleaned_data.get("dag") != day:
        form = PriceDayForm(initial={"dag": day})
    return form, day


@staff_required
@require_safe
def pricelist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    price_list = selectors.access_price_list(user, pk)
    day_form, day = _price_day(request, price_list)
    agreement = None
    services_filter = None
    if request.GET.get("avtal"):
        agreement = selectors.access_agreement(user, request.GET["avtal"])
        services_filter = [item.service_id for item in selectors.agreement_services(agreement)]
    rows = selectors.price_rows(price_list, day=day, services=services_filter)
    context = {
        "nav": "prices",
        "price_list": price_list,
        "day": day,
        "day_form": day_form,
        "rows": rows,
        "agreement": agreement,
        "may_add_version": selectors.variants_changeable_by(user).exists(),
        "may_manage": selectors.may_manage_price_lists(user),
    }
    return render(request, "agreements/pricelist_detail.html", context)


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def pricelist_version_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _actor(request)
    price_list = selectors.access_price_list(user, pk)
    if not selectors.variants_changeable_by(user).exists():
        raise Http404
    initial = {"variant": request.GET.get("variant"), "valid_from": clip_to_year(timezone.localdate(), price_list.year)}
    form = PriceVersionForm(_data(request), user=user, price_list=price_list, initial=initial)
    if request.method == "POST":
        ok, version = _submit(form, lambda d: services.price_version_add(actor=user, price_list=price_list, **d))
        if ok:
            messages.success(
                request,
                _("Nytt pris för %(variant)s: %(price)s kr från %(day)s.")
                % {"variant": version.variant, "price": formats.number_format(version.unit_price, 2), "day": version.valid_from},
            )
            return redirect("agreements:pricelist-detail", pk=price_list.pk)
    return render(request, "agreements/pricelist_version_form.html", {"nav": "prices", "price_list": price_list, "form": form})


@staff_required
@require_safe
def pricelist_export(request: HttpRequest, pk: int) -> HttpResponse:
    price_list = selectors.access_price_list(request.user, pk)
    rows = selectors.price_rows(price_list, day=price_list.last_day)
    yes, no = _("Ja"), _("Nej")

    def names(variant: Any) -> list[Any]:
        service = variant.service
        return [
            service.process.area.name,
            service.process.name,
            service.name,
            variant.name,
            variant.get_unit_of_measure_display(),
        ]

    prices = []
    versions = []
    for row in rows:
        first = selectors.price_on(row.versions, price_list.first_day)
        prices.append(
            [
                *names(row.variant),
                first.unit_price if first else None,
                row.current.unit_price if row.current else None,
                yes if row.changed_mid_year else no,
            ]
        )
        for index, version in enumerate(row.versions):
            following = row.versions[index + 1] if index + 1 < len(row.versions) else None
            valid_to = following.valid_from - datetime.timedelta(days=1) if following else price_list.last_day
            versions.append(
                [
                    *names(row.variant),
                    version.valid_from,
                    valid_to,
                    version.unit_price,
                    version.decision_ref,
                    version.note,
                    str(version.created_by or ""),
                    timezone.localtime(version.created_at).replace(tzinfo=None),
                ]
            )
    heading = f"{price_list} ({price_list.decision_ref})" if price_list.decision_ref else str(price_list)
    sheets = [
        Sheet(
            title=_("Priser"),
            heading=heading,
            headers=[
                _("Område"),
                _("Process"),
                _("Tjänst"),
                _("Variant"),
                _("Enhet"),
                _("Pris från 1 jan"),
                _("Pris i kraft 31 dec"),
                _("Ändrat under året"),
            ],
            rows=prices,
            formats={5: MONEY_FORMAT, 6: MONEY_FORMAT},
        ),
        Sheet(
            title=_("Versioner"),
            heading=heading,
            headers=[
                _("Område"),
                _("Process"),
                _("Tjänst"),
                _("Variant"),
                _("Enhet"),
                _("Gäller från"),
                _("Gäller till"),
                _("Pris"),
                _("Beslut"),
                _("Kommentar"),
                _("Registrerad av"),
                _("Registrerad"),
            ],
            rows=versions,
            formats={7: MONEY_FORMAT, 11: "yyyy-mm-dd hh:mm"},
        ),
    ]
    return excel_response(f"prislista-{price_list.year}.xlsx", sheets)


# --- services ---------------------------------------------------------------------


@staff_required
@require_safe
def service_list(request: HttpRequest) -> HttpResponse:
    form = ServiceFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    process = filters.get("process")
    page = paginate(
        request,
        selectors.service_list(
            request.user, q=filters.get("q", ""), process=process.pk if process else None, kind=filters.get("kind", "")
        ),
    )
    context = {"nav": "services", "form": form, "page_obj": page, "services": page.object_list}
    return render_page_or_partial(request, "agreements/service_list.html", context)
