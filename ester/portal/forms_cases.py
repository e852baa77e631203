"""Forms of the portal's cases: submit underlag (fields per case type) and answer a completion request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ester.cases.documents import ACCEPT, allowed_types_text
from ester.cases.models import CaseType
from ester.cases.portal_services import portal_field_key, portal_field_specs
from ester.core.forms import add_service_errors


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks each (size, type, content)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:  # type: ignore[override]
        if isinstance(data, list | tuple):
            return [f for f in data if f]
        return [data] if data else []


def _files_help() -> str:
    return str(_("Du kan välja flera filer. Tillåtna filtyper: %(types)s.")) % {"types": allowed_types_text()}


class PortalForm(forms.Form):
    error_css_class = "has-error"
    required_css_class = "required"

    def add_service_error(self, error: ValidationError) -> None:
        """A service's Swedish errors on the fields they name, else above the form."""
        add_service_errors(self, error)


_WIDGETS: dict[str, Any] = {
    "textarea": lambda: forms.Textarea(attrs={"rows": 3}),
    "date": lambda: forms.DateInput(attrs={"type": "date"}),
    "number": lambda: forms.TextInput(attrs={"inputmode": "decimal"}),
    "email": lambda: forms.EmailInput(),
    "text": lambda: forms.TextInput(),
}


class SubmitForm(PortalForm):
    """The case type's own fields, then subject, description and attachments.

    Fields are not required at the form level: the service names every missing
    required field (so the rule is in one place); the inputs still say they are required."""

    subject = forms.CharField(label=_("Rubrik"), max_length=300, required=False, help_text=_("Kort: vad underlaget gäller."))
    description = forms.CharField(label=_("Beskrivning"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    uploads = MultipleFileField(label=_("Bilagor"))

    def __init__(self, *args: Any, case_type: CaseType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case_type = case_type
        own: dict[str, forms.Field] = {}
        for spec in portal_field_specs(case_type):
            widget = _WIDGETS[spec["type"]]()
            if spec["required"]:
                widget.attrs.update({"required": True, "aria-required": "true"})
            field = forms.CharField(label=spec["label"], required=False, max_length=2000, widget=widget)
            if spec["required"]:
                field.help_text = _("Obligatorisk.")
            own[portal_field_key(spec["name"])] = field
        self.fields = {**own, **self.fields}
        self.fields["subject"].widget.attrs.update({"required": True, "aria-required": "true"})
        self.fields["subject"].help_text = _("Obligatorisk. Kort: vad underlaget gäller.")
        self.fields["uploads"].help_text = _files_help()

    def portal_values(self) -> dict[str, Any]:
        return {
            spec["name"]: self.cleaned_data.get(portal_field_key(spec["name"]), "") for spec in portal_field_specs(self.case_type)
        }


class CompletionForm(PortalForm):
    text = forms.CharField(
        label=_("Vad kompletterar ni med?"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    uploads = MultipleFileField(label=_("Bilagor"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["uploads"].help_text = _files_help()
