"""The managers' case pages (``/arenden/ledning/``): overview of team load and lead-time
compliance, absences, queue loans and "rätt från början".

Who may do what (see ``selectors_manage`` for the scoping):

* The overview and the "rätt från början" statistics are open to all staff and
  show what the reader may see: handlers their own team(s) — the load of their
  colleagues is no secret inside a team and helps them help each other — unit
  managers their unit's teams, heads of area the area's, global roles a chosen
  area.  Customer contacts and users without a role get 404.
* Absences and queue loans are changed only by those who may change a team
  (unit managers: their own unit's teams).  Everyone else — handlers and
  read-only global roles such as the controller included — gets 404 on those
  pages, and a row outside the manager's teams answers 404 whether it exists or not.

The row to remove or end is named in the POST body (``franvaro``/``lan``), not
in the path: these rows belong to teams, not to customers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ester.cases import selectors_manage as selectors
from ester.cases import services_manage as services
from ester.cases.selectors_manage import Period, RightFirstTime, TeamFigures
from ester.core.decorators import staff_required
from ester.core.excel import Sheet, excel_response
from ester.core.forms import submit as _submit
from ester.core.ui import request_actor as _actor
from ester.organisation.models import Area

if TYPE_CHECKING:
    from ester.organisation.models import Team

PERCENT_FORMAT = "0%"


# --- forms --------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ManageForm(forms.Form):
    error_css_class = "has-error"
    required_css_class = "required"


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.unit.name})"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.username


class AreaForm(forms.Form):
    omrade: forms.ModelChoiceField[Area] = forms.ModelChoiceField(
        label=gettext_lazy("Verksamhetsområde"), queryset=None, required=False, empty_label=None
    )

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["omrade"]).queryset = areas


class PeriodForm(AreaForm):
    fran = forms.DateField(label=gettext_lazy("Inkomna från"), required=False, widget=DateInput())
    till = forms.DateField(label=gettext_lazy("till och med"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("fran"), data.get("till")
        if start and end and start > end:
            raise ValidationError(_("Perioden kan inte sluta före den börjar."))
        return data


class AbsenceForm(ManageForm):
    user = UserChoiceField(label=gettext_lazy("Medarbetare"), queryset=None, empty_label=gettext_lazy("Välj medarbetare"))
    start = forms.DateField(label=gettext_lazy("Från"), widget=DateInput())
    end = forms.DateField(label=gettext_lazy("Till och med"), widget=DateInput())
    note = forms.CharField(label=gettext_lazy("Anteckning"), required=False, max_length=200)

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(UserChoiceField, self.fields["user"]).queryset = members


class QueueLoanForm(ManageForm):
    team = TeamChoiceField(label=gettext_lazy("Låna ut kön för"), queryset=None, empty_label=gettext_lazy("Välj team"))
    borrower = TeamChoiceField(label=gettext_lazy("Till teamet"), queryset=None, empty_label=gettext_lazy("Välj team"))
    start = forms.DateField(label=gettext_lazy("Från"), widget=DateInput())
    end = forms.DateField(label=gettext_lazy("Till och med"), widget=DateInput())

    def __init__(self, *args: Any, teams: Any, borrowers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(TeamChoiceField, self.fields["team"]).queryset = teams
        cast(TeamChoiceField, self.fields["borrower"]).queryset = borrowers


# --- helpers ------------------------------------------------------------------------


def _area(form: AreaForm, areas: Any) -> Area | None:
    """The chosen area among those the user may read (the first one by default)."""
    chosen = form.cleaned_data.get("omrade") if form.is_bound and form.is_valid() else None
    return chosen or areas.first()


@dataclass
class Bar:
    """One team's bar: in time (green) then too late (red), in whole SVG units."""

    label: str
    met: int
    missed: int
    y: int
    x: int
    met_width: int
    missed_width: int

    @property
    def missed_x(self) -> int:
        return self.x + self.met_width

    @property
    def value_x(self) -> int:
        return self.x + self.met_width + self.missed_width + 6

    @property
    def text_y(self) -> int:
        return self.y + 15


@dataclass
class Chart:
    width: int
    height: int
    label_x: int
    bars: list[Bar]


def compliance_chart(figures: list[TeamFigures]) -> Chart:
    """Geometry of a horizontal stacked bar chart: closed in time / too late per team."""
    label_width, bar_width, row = 170, 380, 28
    largest = max((f.closed_period for f in figures), default=0) or 1
    bars = [
        Bar(
            label=figure.team.name,
            met=figure.met_period,
            missed=figure.missed_period,
            y=10 + index * row,
            x=label_width,
            met_width=round(bar_width * figure.met_period / largest),
            missed_width=round(bar_width * figure.missed_period / largest),
        )
        for index, figure in enumerate(figures)
    ]
    return Chart(width=label_width + bar_width + 90, height=20 + row * len(bars), label_x=label_width - 8, bars=bars)


def _require_manager(request: HttpRequest) -> None:
    if not selectors.may_manage(request.user):
        raise Http404


# --- overview -----------------------------------------------------------------------


@staff_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    today = timezone.localdate(now)
    areas = selectors.overview_areas(user, today)
    form = AreaForm(request.GET or None, areas=areas)
    area = _area(form, areas)
    figures = selectors.team_figures(user, selectors.overview_teams(user, today, area), now) if area else []
    context = {
        "nav": "cases-manage",
        "form": form,
        "area": area,
        "show_area_picker": areas.count() > 1,
        "figures": figures,
        "chart": compliance_chart(figures),
        "today": today,
        "period_days": selectors.COMPLIANCE_DAYS,
        "may_manage": selectors.may_manage(user),
    }
    return render(request, "cases/manage_overview.html", context)


# --- absences -----------------------------------------------------------------------


def _absence_page(request: HttpRequest, form: AbsenceForm | None = None) -> HttpResponse:
    today = timezone.localdate()
    members = selectors.team_members(selectors.manageable_teams(request.user, today), today)
    context = {
        "nav": "cases-manage",
        "absences": selectors.absence_list(request.user, today),
        "today": today,
        "form": form or AbsenceForm(members=members, initial={"start": today, "end": today}),
    }
    return render(request, "cases/manage_absences.html", context)


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def absences(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    if request.method != "POST":
        return _absence_page(request)
    actor = _actor(request)
    today = timezone.localdate()
    members = selectors.team_members(selectors.manageable_teams(actor, today), today)
    form = AbsenceForm(request.POST, members=members)
    ok, absence = _submit(form, lambda d: services.absence_register(actor=actor, **d))
    if not ok:
        return _absence_page(request, form)
    messages.success(
        request,
        _("%(user)s är registrerad som frånvarande %(start)s–%(end)s.")
        % {"user": absence.user, "start": f"{absence.start:%Y-%m-%d}", "end": f"{absence.end:%Y-%m-%d}"},
    )
    return redirect("cases_manage:absences")


@staff_required
@require_POST
def absence_remove(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    absence = selectors.access_absence(request.user, request.POST.get("franvaro"))
    try:
        services.absence_remove(actor=_actor(request), absence=absence)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, _("Frånvaron för %(user)s togs bort.") % {"user": absence.user})
    return redirect("cases_manage:absences")


# --- queue loans --------------------------------------------------------------------


def _loan_page(request: HttpRequest, form: QueueLoanForm | None = None) -> HttpResponse:
    today = timezone.localdate()
    loans: list[Any] = list(selectors.queue_loan_list(request.user, today))
    for loan in loans:
        loan.state = "active" if loan.start <= today <= loan.end else ("coming" if loan.start > today else "ended")
    if form is None:
        teams = selectors.manageable_teams(request.user, today)
        only = list(teams[:2])
        initial: dict[str, Any] = {"start": today, "end": today + datetime.timedelta(days=6)}
        if len(only) == 1:
            initial["team"] = only[0].pk
        form = QueueLoanForm(teams=teams, borrowers=selectors.borrower_choices(today), initial=initial)
    context = {"nav": "cases-manage", "loans": loans, "today": today, "form": form}
    return render(request, "cases/manage_loans.html", context)


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def loans(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    if request.method != "POST":
        return _loan_page(request)
    actor = _actor(request)
    today = timezone.localdate()
    form = QueueLoanForm(
        request.POST, teams=selectors.manageable_teams(actor, today), borrowers=selectors.borrower_choices(today)
    )
    ok, loan = _submit(form, lambda d: services.queue_loan_create(actor=actor, **d))
    if not ok:
        return _loan_page(request, form)
    messages.success(
        request,
        _("%(team)s kö är utlånad till %(borrower)s %(start)s–%(end)s. Teamets handläggare ser och tar ärendena under perioden.")
        % {"team": loan.team, "borrower": loan.borrower, "start": f"{loan.start:%Y-%m-%d}", "end": f"{loan.end:%Y-%m-%d}"},
    )
    return redirect("cases_manage:loans")


@staff_required
@require_POST
def loan_end(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    loan = selectors.access_queue_loan(request.user, request.POST.get("lan"))
    team: Team = loan.team
    borrower: Team = loan.borrower
    try:
        ended = services.queue_loan_end(actor=_actor(request), loan=loan)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        if ended is None:
            messages.success(request, _("Lånet av %(team)s kö till %(borrower)s avbröts.") % {"team": team, "borrower": borrower})
        else:
            messages.success(
                request,
                _("Lånet av %(team)s kö till %(borrower)s är avslutat. %(borrower)s ser inte längre ärendena.")
                % {"team": team, "borrower": borrower},
            )
    return redirect("cases_manage:loans")


# --- rätt från början ---------------------------------------------------------------


def _right_first_time(request: HttpRequest) -> tuple[PeriodForm, Any, RightFirstTime | None]:
    today = timezone.localdate()
    areas = selectors.overview_areas(request.user, today)
    month = Period.month_of(today)
    form = PeriodForm(request.GET or None, areas=areas, initial={"fran": month.start, "till": month.end})
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    area = _area(form, areas)
    period = Period(data.get("fran") or month.start, data.get("till") or month.end)
    report = selectors.right_first_time(request.user, area, period) if area else None
    return form, areas, report


@staff_required
@require_safe
def right_first_time(request: HttpRequest) -> HttpResponse:
    form, areas, report = _right_first_time(request)
    context = {
        "nav": "cases-manage",
        "form": form,
        "report": report,
        "show_area_picker": areas.count() > 1,
        "export_query": request.GET.urlencode(),
        "may_manage": selectors.may_manage(request.user),
    }
    return render(request, "cases/manage_right_first_time.html", context)


@staff_required
@require_safe
def right_first_time_export(request: HttpRequest) -> HttpResponse:
    _form, _areas, report = _right_first_time(request)
    if report is None:
        raise Http404
    heading = _("Rätt från början, %(area)s, inkomna %(period)s") % {"area": report.area, "period": report.period}
    headers = [
        _("Ärenden"),
        _("Returnerade för komplettering"),
        _("Rätt från början"),
        _("Andel rätt från början"),
        _("Vanligaste returorsaker"),
    ]

    def rows(items: Any) -> list[list[Any]]:
        return [
            [
                item.name,
                item.cases,
                item.returned,
                item.right_first_time,
                item.share,
                "; ".join(f"{t} ({n})" for t, n in item.reasons),
            ]
            for item in items
        ]

    total = report.total
    detail = selectors.right_first_time_reason_rows(request.user, report.area, report.period)
    sheets = [
        Sheet(
            title=_("Per kund"),
            heading=heading,
            headers=[_("Kund"), *headers],
            rows=[*rows(report.customers), [_("Totalt"), total.cases, total.returned, total.right_first_time, total.share, ""]],
            formats={4: PERCENT_FORMAT},
        ),
        Sheet(
            title=_("Per process"),
            heading=heading,
            headers=[_("Process"), *headers],
            rows=rows(report.processes),
            formats={4: PERCENT_FORMAT},
        ),
        Sheet(
            title=_("Returorsaker"),
            heading=heading,
            headers=[_("Kund"), _("Process"), _("Returorsak"), _("Ärenden")],
            rows=[
                [
                    r["returnrequest__case__customer__name"],
                    r["returnrequest__case__process__name"],
                    r["returnreason__text"],
                    r["n"],
                ]
                for r in detail
            ],
        ),
    ]
    filename = f"ratt-fran-borjan-{report.period.start:%Y-%m-%d}-{report.period.end:%Y-%m-%d}.xlsx"
    return excel_response(filename, sheets)
