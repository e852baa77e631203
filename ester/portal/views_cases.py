"""The portal's cases: a contact submits underlag, follows the department's cases and answers
requests for completion. Staff and other customers' contacts get 404 (``contact_required``
and the scoped selectors)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ester.cases import selectors_portal
from ester.cases.choices import CaseStatus
from ester.cases.documents import allowed_types_text
from ester.cases.models import Case
from ester.cases.portal_services import case_answer_completion, case_submit, portal_field_specs
from ester.core.ui import paginate
from ester.core.ui import request_actor as _actor
from ester.portal.forms_cases import CompletionForm, SubmitForm
from ester.portal.selectors import access_portal_customer
from ester.portal.views import contact_required

if TYPE_CHECKING:
    pass

STATUS_FILTERS = [
    ("", gettext_lazy("Alla")),
    ("oppna", gettext_lazy("Öppna")),
    (CaseStatus.WAITING.value, gettext_lazy("Väntar på er")),
    (CaseStatus.CLOSED.value, gettext_lazy("Avslutade")),
]


@contact_required
@require_safe
def case_list(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    customer = access_portal_customer(user, pk)
    status = request.GET.get("status", "")
    page = paginate(request, selectors_portal.portal_case_list(user, customer, status=status))
    context = {
        "nav": "portal",
        "customer": customer,
        "page": page,
        "status": status,
        "status_filters": [(value, str(label)) for value, label in STATUS_FILTERS],
        "waiting_count": selectors_portal.portal_waiting_count(user, customer),
    }
    return render(request, "portal/cases_list.html", context)


@contact_required
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose a case type, then fill in its form; on success the case number is shown at once."""
    user = request.user
    customer = access_portal_customer(user, pk)
    case_types = selectors_portal.portal_case_types(user, customer)
    chosen = request.POST.get("arendetyp") if request.method == "POST" else request.GET.get("typ")
    context: dict[str, Any] = {"nav": "portal", "customer": customer, "case_types": case_types}
    if not chosen:
        if request.method == "POST":
            context["choose_error"] = _("Välj vilken sorts underlag du skickar.")
        return render(request, "portal/cases_new.html", context, status=400 if request.method == "POST" else 200)
    case_type = selectors_portal.access_portal_case_type(user, customer, chosen)
    form = SubmitForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        case_type=case_type,
    )
    context.update(case_type=case_type, form=form, allowed_types=allowed_types_text())
    if request.method == "POST" and form.is_valid():
        try:
            case = case_submit(
                actor=_actor(request),
                customer=customer,
                case_type=case_type,
                fields=form.portal_values(),
                subject=form.cleaned_data["subject"],
                description=form.cleaned_data["description"],
                uploads=form.cleaned_data["uploads"],
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Tack! Ärendet har nummer %(number)s.") % {"number": case.number})
            return redirect("portal:case-detail", pk=case.pk)
    return render(request, "portal/cases_new.html", context, status=400 if form.is_bound else 200)


def _field_rows(case: Case) -> list[tuple[str, Any]]:
    """The case type's portal fields with their labels, then any other values the case carries."""
    values = dict(case.fields or {})
    rows = [(spec["label"], values.pop(spec["name"])) for spec in portal_field_specs(case.case_type) if spec["name"] in values]
    return rows + [(str(name), value) for name, value in values.items()]


def _detail(request: HttpRequest, case: Case, form: CompletionForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    waiting = case.status == CaseStatus.WAITING
    context = {
        "nav": "portal",
        "case": case,
        "customer": case.customer,
        "timeline": selectors_portal.portal_timeline(user, case),
        "documents": selectors_portal.portal_documents(user, case),
        "return_request": selectors_portal.portal_open_return_request(user, case) if waiting else None,
        "waiting": waiting,
        "form": form or (CompletionForm() if waiting else None),
        "field_rows": _field_rows(case),
    }
    return render(request, "portal/cases_detail.html", context, status=status)


@contact_required
@require_safe
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors_portal.access_portal_case(request.user, pk))


@contact_required
@require_POST
def case_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Skicka komplettering: text and files; the case is resumed."""
    case = selectors_portal.access_portal_case(request.user, pk)
    form = CompletionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            case_answer_completion(
                actor=_actor(request), case=case, text=form.cleaned_data["text"], uploads=form.cleaned_data["uploads"]
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Tack! Kompletteringen av ärende %(number)s är mottagen.") % {"number": case.number})
            return redirect("portal:case-detail", pk=case.pk)
    case.refresh_from_db()
    return _detail(request, case, form, status=400)


@contact_required
@require_safe
def case_document(request: HttpRequest, pk: int) -> FileResponse:
    document = selectors_portal.access_portal_document(request.user, pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=document.original_name, content_type=document.content_type)
