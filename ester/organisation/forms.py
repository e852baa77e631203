"""Forms of the organisation's staff interface.

Plain forms whose choices come from selectors scoped to the requesting user;
the services do the writing and raise Swedish ValidationErrors, which
:func:`add_service_errors` puts next to the right field.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ester.organisation.choices import ContactRole, CustomerKind
from ester.organisation.models import Customer, CustomerContact
from ester.organisation.selectors import customer_units_changeable_by, processes_on, staff_user_choices, team_list, unit_list
from ester.organisation.validators import normalise_org_number

DATE_WIDGET_FORMAT = "%Y-%m-%d"


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format=DATE_WIDGET_FORMAT)


class UnitChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.area} – {obj.name}"


class CustomerFilterForm(forms.Form):
    """The filters of the customer register (GET)."""

    q = forms.CharField(
        label=_("Sök"),
        required=False,
        max_length=100,
        help_text=_("Namn, organisationsnummer eller funktionsbrevlåda."),
        widget=forms.TextInput(attrs={"type": "search", "data-search": "", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("Typ"), required=False, choices=[("", _("Alla typer")), *CustomerKind.choices])
    unit = UnitChoiceField(label=_("Ansvarig enhet"), required=False, queryset=None, empty_label=_("Alla enheter"))
    active = forms.BooleanField(label=_("Endast aktiva"), required=False)
    #: Marks a submitted filter form, so an unticked "endast aktiva" means "all" (not the default).
    f = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any = None, *, user: Any, **kwargs: Any) -> None:
        submitted = data is not None and "f" in data
        super().__init__(data if submitted else None, initial={"active": True, "f": "1"}, **kwargs)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = unit_list(user)

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for ``customer_list`` (invalid filters are ignored)."""
        if not self.is_bound:
            return {"active_on": timezone.localdate()}
        self.is_valid()  # fills cleaned_data with the fields that are valid
        data = self.cleaned_data
        return {
            "q": (data.get("q") or "").strip(),
            "kind": data.get("kind") or "",
            "unit": data["unit"].pk if data.get("unit") else None,
            "active_on": timezone.localdate() if data.get("active") else None,
        }


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Namn"), max_length=150)
    short_name = forms.CharField(label=_("Kortnamn"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("Typ"), choices=CustomerKind.choices)
    org_number = forms.CharField(
        label=_("Organisationsnummer"),
        error_messages={"required": _("Ange organisationsnummer i formatet NNNNNN-NNNN.")},
        max_length=20,
        help_text=_("Tio siffror, t.ex. 212000-0142."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    responsible_unit = UnitChoiceField(label=_("Ansvarig enhet"), queryset=None, empty_label=_("Välj enhet"))
    responsible_manager: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Kundansvarig enhetschef"), queryset=None, required=False, empty_label=_("Ingen vald")
    )
    our_contact: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Vår kontaktperson"), queryset=None, required=False, empty_label=_("Ingen vald")
    )
    mailbox = forms.EmailField(
        label=_("Funktionsbrevlåda"),
        required=False,
        help_text=_("Adressen dit kunden skickar underlag."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    notes = forms.CharField(label=_("Anteckningar"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    valid_from = forms.DateField(label=_("Giltig från"), widget=date_input())
    valid_to = forms.DateField(
        label=_("Giltig till"), required=False, help_text=_("Lämna tomt om kunden är aktiv tills vidare."), widget=date_input()
    )

    def __init__(self, *args: Any, user: Any, customer: Customer | None = None, **kwargs: Any) -> None:
        if customer is not None:
            kwargs.setdefault("initial", {name: getattr(customer, name) for name in self.base_fields})
        else:
            kwargs.setdefault("initial", {"valid_from": timezone.localdate()})
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["responsible_unit"]).queryset = customer_units_changeable_by(
            user, include=customer.responsible_unit if customer else None
        )
        people = staff_user_choices(user, include=(customer.responsible_manager, customer.our_contact) if customer else ())
        for name in ("responsible_manager", "our_contact"):
            cast(forms.ModelChoiceField, self.fields[name]).queryset = people

    def clean_org_number(self) -> str:
        return normalise_org_number(self.cleaned_data["org_number"])

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        valid_from, valid_to = data.get("valid_from"), data.get("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            self.add_error("valid_to", _("”Giltig till” måste vara samma dag som eller efter ”giltig från”."))
        return data


class CustomerContactForm(forms.Form):
    name = forms.CharField(label=_("Namn"), max_length=150)
    role = forms.ChoiceField(label=_("Roll"), choices=ContactRole.choices)
    email = forms.EmailField(label=_("E-post"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(
        label=_("Telefon"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})
    )
    active = forms.BooleanField(
        label=_("Aktiv"), required=False, initial=True, help_text=_("Avmarkera när personen inte längre är kontakt.")
    )

    def __init__(self, *args: Any, contact: CustomerContact | None = None, **kwargs: Any) -> None:
        if contact is not None:
            kwargs.setdefault("initial", {name: getattr(contact, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        if contact is None:
            del self.fields["active"]  # a new contact is active


class HandlingChangeForm(forms.Form):
    """Route a customer's work in one process to another team from a date."""

    process: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Process"), queryset=None, empty_label=_("Välj process")
    )
    team: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Nytt team"), queryset=None, empty_label=_("Välj team"))
    valid_from = forms.DateField(
        label=_("Från och med"), widget=date_input(), help_text=_("Nuvarande team handlägger till och med dagen före.")
    )

    def __init__(self, *args: Any, user: Any, day: datetime.date | None = None, **kwargs: Any) -> None:
        day = day or timezone.localdate()
        kwargs.setdefault("initial", {"valid_from": day})
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["process"]).queryset = processes_on(user, day)
        team = cast(forms.ModelChoiceField, self.fields["team"])
        team.queryset = team_list(user, active_on=day)
        team.label_from_instance = lambda obj: f"{obj.unit} – {obj.name}"  # type: ignore[method-assign]


class OverviewDateForm(forms.Form):
    datum = forms.DateField(label=_("Visa organisationen per datum"), required=False, widget=date_input())

    def day(self) -> datetime.date:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("datum"):
            return self.cleaned_data["datum"]
        return timezone.localdate()
