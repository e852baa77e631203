"""Forms of the intake pages: the message-list filter and the scanned-post upload.

Choices come from selectors scoped to the requesting user; the services check the
rules again and say, in Swedish, what is wrong (shown next to the field).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ester.intake.models import IncomingMessage
from ester.intake.selectors import scan_case_type_choices, scan_customer_choices


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["status"])
        field.choices = [("", _("Alla")), *IncomingMessage.State.choices]

    def state(self) -> str:
        return self.cleaned_data.get("status", "") if self.is_valid() else ""


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; the service checks each of them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class ScanUploadForm(forms.Form):
    """Scanned post: one or many PDFs with the arrival stamp's date, customer and case type."""

    error_css_class = "has-error"
    required_css_class = "required"

    pdfs = MultipleFileField(
        label=_("PDF-filer"),
        required=False,
        help_text=_("En eller flera PDF-filer. Varje fil blir ett eget ärende, med filen oförändrad som dokument."),
    )
    arrival_date = forms.DateField(
        label=_("Ankomststämpel"),
        widget=DateInput(),
        help_text=_("Datumet på ankomststämpeln. Ärendet räknas som inkommet kl. 08.00 den dagen."),
    )
    customer: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Kund"), queryset=None, empty_label=_("Välj kund …"))
    case_type: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Ärendetyp"), queryset=None, empty_label=_("Välj ärendetyp …")
    )
    sender = forms.CharField(
        label=_("Avsändare"),
        required=False,
        max_length=200,
        help_text=_("Tomt: kundens namn (förvaltningen som skickade posten)."),
    )
    subject = forms.CharField(
        label=_("Rubrik"), required=False, max_length=300, help_text=_("Tomt: ”Skannad post:” och filens namn.")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"arrival_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        date_field = cast(forms.DateField, self.fields["arrival_date"])
        date_field.error_messages["required"] = _("Ange datumet på ankomststämpeln.")
        date_field.error_messages["invalid"] = _("Skriv datumet som ÅÅÅÅ-MM-DD.")
        customer = cast(forms.ModelChoiceField, self.fields["customer"])
        customer.queryset = scan_customer_choices(user)
        customer.error_messages["required"] = _("Välj vilken kund posten kommer från.")
        customer.error_messages["invalid_choice"] = _("Välj en kund i listan.")
        case_type = cast(forms.ModelChoiceField, self.fields["case_type"])
        case_type.queryset = scan_case_type_choices(user)
        case_type.label_from_instance = lambda obj: f"{obj.process} – {obj.name}"  # type: ignore[method-assign]
        case_type.error_messages["required"] = _("Välj ärendetyp.")
        case_type.error_messages["invalid_choice"] = _("Välj en ärendetyp i listan.")
