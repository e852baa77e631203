"""Forms of the agreement and price pages.

Forms only parse input; the rules live in ``services.py``.  Choice lists come
from selectors scoped to the requesting user, so a form can never offer (or
accept) a customer, service or price variant the user may not act on.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ester.agreements.choices import AgreementStatus, ServiceKind
from ester.agreements.selectors import addon_services, variants_changeable_by
from ester.core.access import Action
from ester.organisation.selectors import customer_list, process_list

if TYPE_CHECKING:
    from ester.agreements.models import Service, ServiceVariant
    from ester.organisation.models import Customer, Process


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class EsterForm(forms.Form):
    """Django marks invalid fields with ``aria-invalid`` and links help and error texts itself."""

    error_css_class = "has-error"
    required_css_class = "required"


# --- agreements -------------------------------------------------------------------


class AgreementFilterForm(forms.Form):
    ar = forms.TypedChoiceField(label=_("År"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Alla")), *AgreementStatus.choices])
    q = forms.CharField(
        label=_("Kund"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "data-search": "", "placeholder": _("Sök kund")}),
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["ar"]).choices = [("", _("Alla år"))] + [(y, str(y)) for y in years]


class AgreementCreateForm(EsterForm):
    customer: forms.ModelChoiceField[Customer] = forms.ModelChoiceField(
        label=_("Kund"), queryset=None, empty_label=_("Välj kund")
    )
    year = forms.IntegerField(label=_("Avtalsår"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customer = cast("forms.ModelChoiceField[Customer]", self.fields["customer"])
        customer.queryset = customer_list(user, action=Action.CHANGE, active_on=timezone.localdate())
        customer.help_text = _("Kunder vars avtal du får ändra.")


class AgreementUpdateForm(EsterForm):
    status = forms.ChoiceField(label=_("Status"), choices=AgreementStatus.choices)
    signed_on = forms.DateField(label=_("Undertecknat"), required=False, widget=DateInput())
    opening_hours = forms.CharField(
        label=_("Öppettider"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Öppettider och telefontider enligt avtalet."),
    )
    notes = forms.CharField(label=_("Övrigt"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class AddonChoiceField(forms.ModelChoiceField):
    """Add-on services, each labelled with its process."""

    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.process.name}: {obj.name}"


class AddonForm(EsterForm):
    service = AddonChoiceField(label=_("Tilläggstjänst"), queryset=None, empty_label=_("Välj tjänst"))
    start = forms.DateField(label=_("Från"), widget=DateInput())
    end = forms.DateField(label=_("Till"), required=False, widget=DateInput(), help_text=_("Tomt = till årets slut."))
    note = forms.CharField(label=_("Kommentar"), required=False, max_length=300)

    def __init__(self, *args: Any, user: Any, agreement: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(AddonChoiceField, self.fields["service"]).queryset = addon_services(user).select_related("process")
        self.fields["start"].widget.attrs.update(min=agreement.first_day.isoformat(), max=agreement.last_day.isoformat())
        self.fields["end"].widget.attrs.update(min=agreement.first_day.isoformat(), max=agreement.last_day.isoformat())


class AddonEndForm(EsterForm):
    end = forms.DateField(label=_("Sista dag"), widget=DateInput())


class LeadTimeForm(EsterForm):
    process: forms.ModelChoiceField[Process] = forms.ModelChoiceField(
        label=_("Process"), queryset=None, empty_label=_("Välj process")
    )
    work_kind = forms.CharField(label=_("Typ av arbete"), max_length=150)
    first_response_hours = forms.IntegerField(label=_("Första svar (arbetstimmar)"), required=False, min_value=0)
    resolution_hours = forms.IntegerField(
        label=_("Klart inom (arbetstimmar)"), min_value=0, help_text=_("8 arbetstimmar = 1 arbetsdag.")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Process]", self.fields["process"]).queryset = process_list(user)


class InterfaceTextForm(EsterForm):
    process: forms.ModelChoiceField[Process] = forms.ModelChoiceField(
        label=_("Process"), queryset=None, empty_label=_("Välj process")
    )
    text = forms.CharField(
        label=_("Gränssnitt"), widget=forms.Textarea(attrs={"rows": 4}), help_text=_("Vem gör vad i processen.")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Process]", self.fields["process"]).queryset = process_list(user)


class DeviationForm(EsterForm):
    process: forms.ModelChoiceField[Process] = forms.ModelChoiceField(
        label=_("Process"), queryset=None, empty_label=_("Välj process")
    )
    description = forms.CharField(label=_("Avvikelse från standardrutinen"), widget=forms.Textarea(attrs={"rows": 3}))
    approved_on = forms.DateField(label=_("Godkänd"), widget=DateInput())
    approved_by = forms.CharField(label=_("Godkänd av"), max_length=150)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Process]", self.fields["process"]).queryset = process_list(user)


class DocumentUploadForm(EsterForm):
    file = forms.FileField(label=_("Undertecknat avtal (PDF)"), widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}))


# --- price lists ------------------------------------------------------------------


class PriceListCreateForm(EsterForm):
    year = forms.IntegerField(label=_("År"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("Namn"), required=False, max_length=150, help_text=_("Tomt = ”Prislista <år>”."))
    decision_ref = forms.CharField(
        label=_("Beslut"), required=False, max_length=200, help_text=_("T.ex. nämndbeslut med diarienummer.")
    )


class PriceListCopyForm(EsterForm):
    decision_ref = forms.CharField(
        label=_("Beslut"), required=False, max_length=200, help_text=_("T.ex. nämndbeslut med diarienummer.")
    )


class PriceVersionForm(EsterForm):
    variant: forms.ModelChoiceField[ServiceVariant] = forms.ModelChoiceField(
        label=_("Tjänstevariant"), queryset=None, empty_label=_("Välj variant")
    )
    unit_price = forms.CharField(
        label=_("Pris (kr)"),
        max_length=20,
        help_text=_("T.ex. 55 eller 12,50."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    valid_from = forms.DateField(label=_("Gäller från"), widget=DateInput())
    decision_ref = forms.CharField(label=_("Beslut"), required=False, max_length=200)
    note = forms.CharField(label=_("Kommentar"), required=False, max_length=300)

    def __init__(self, *args: Any, user: Any, price_list: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[ServiceVariant]", self.fields["variant"]).queryset = variants_changeable_by(user)
        self.fields["valid_from"].widget.attrs.update(min=price_list.first_day.isoformat(), max=price_list.last_day.isoformat())


class PriceDayForm(forms.Form):
    dag = forms.DateField(label=_("Priser som gäller"), required=False, widget=DateInput())


# --- services ---------------------------------------------------------------------


class ServiceFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Sök"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "data-search": "", "placeholder": _("Tjänst eller kod")}),
    )
    process: forms.ModelChoiceField[Process] = forms.ModelChoiceField(
        label=_("Process"), queryset=None, required=False, empty_label=_("Alla processer")
    )
    kind = forms.ChoiceField(label=_("Typ"), required=False, choices=[("", _("Alla")), *ServiceKind.choices])

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Process]", self.fields["process"]).queryset = process_list(user)


def clip_to_year(day: datetime.date, year: int) -> datetime.date:
    """``day`` when it falls in ``year``, else the nearest end of that year."""
    if day.year < year:
        return datetime.date(year, 1, 1)
    if day.year > year:
        return datetime.date(year, 12, 31)
    return day
