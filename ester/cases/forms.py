"""Forms of the handler workspace: a case's actions and the phone call.

Text fields are not required here: the services say what is missing, in
Swedish, and :func:`ester.core.forms.add_service_errors` puts their
message next to the field — one rule, one message.  Choices come from
selectors scoped to the requesting user and the case.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ester.accounts.models import User
from ester.cases.choices import Priority
from ester.cases.models import Case
from ester.cases.selectors import (
    assignable_users,
    hand_over_team_choices,
    phone_case_type_choices,
    phone_customer_choices,
    return_reason_choices,
)
from ester.core.forms import add_service_errors
from ester.organisation.models import Team

__all__ = [
    "AssignForm",
    "CloseForm",
    "HandOverForm",
    "NoteForm",
    "PhoneForm",
    "PhoneNoteForm",
    "ReopenForm",
    "ReplyForm",
    "ReturnForm",
    "VoidForm",
    "add_service_errors",
]

TO_QUEUE = "ko"


def _textarea(rows: int = 4, composer: str = "") -> forms.Textarea:
    """A textarea; ``composer`` marks the fields the ``r`` and ``n`` shortcuts go to (cases.js)."""
    attrs = {"rows": str(rows)}
    if composer:
        attrs["data-composer"] = composer
    return forms.Textarea(attrs=attrs)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Intern anteckning"),
        required=False,
        max_length=10_000,
        strip=False,
        help_text=_("Syns bara för handläggare, aldrig för kunden."),
        widget=_textarea(composer="note"),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Svar till kunden"),
        required=False,
        max_length=20_000,
        strip=False,
        widget=_textarea(6, composer="reply"),
    )


class ReturnForm(forms.Form):
    reasons: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Vad saknas?"), required=False, queryset=None, widget=forms.CheckboxSelectMultiple
    )
    free_text = forms.CharField(
        label=_("Övrigt som saknas"),
        required=False,
        max_length=2_000,
        help_text=_("Skrivs in i brevet till kunden."),
        widget=_textarea(3),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["reasons"]).queryset = return_reason_choices(case)


class AssignForm(forms.Form):
    """Give the case to a handler of its team, or back to the team's queue."""

    assignee = forms.ChoiceField(label=_("Handläggare"), choices=())

    def __init__(self, *args: Any, user: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.users = {str(u.pk): u for u in assignable_users(user, case)}
        choices: list[tuple[str, Any]] = [("", _("Välj handläggare …"))]
        if case.assignee_id is not None:
            choices.append((TO_QUEUE, _("Ingen – tillbaka till teamets kö")))
        choices += [(pk, str(u) + (f" ({_('jag')})" if u.pk == user.pk else "")) for pk, u in self.users.items()]
        field = cast(forms.ChoiceField, self.fields["assignee"])
        field.choices = choices
        field.error_messages["required"] = _("Välj vem ärendet ska tilldelas.")

    def chosen_user(self) -> User | None:
        value = self.cleaned_data["assignee"]
        return None if value == TO_QUEUE else self.users[value]


class HandOverForm(forms.Form):
    """Hand the case to another team that handles its process (teams of the case's area first)."""

    team = forms.ChoiceField(label=_("Till team"), choices=())
    reason = forms.CharField(
        label=_("Varför lämnas ärendet över?"),
        required=False,
        max_length=2_000,
        help_text=_("Syns för det mottagande teamet, aldrig för kunden."),
        widget=_textarea(3),
    )

    def __init__(self, *args: Any, user: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {str(t.pk): t for t in hand_over_team_choices(user, case)}
        groups: dict[str, list[tuple[str, str]]] = {}
        for pk, team in self.teams.items():
            groups.setdefault(team.unit.area.name, []).append((pk, f"{team.name} ({team.unit.name})"))
        field = cast(forms.ChoiceField, self.fields["team"])
        field.choices = [("", _("Välj team …")), *groups.items()]
        field.error_messages["required"] = _("Välj vilket team ärendet ska lämnas över till.")
        field.error_messages["invalid_choice"] = _("Välj ett av teamen i listan.")

    @property
    def has_choices(self) -> bool:
        return bool(self.teams)

    def chosen_team(self) -> Team:
        return self.teams[self.cleaned_data["team"]]


class CloseForm(forms.Form):
    text = forms.CharField(label=_("Avslutande kommentar"), required=False, max_length=5_000, widget=_textarea(3))
    first_contact_resolved = forms.BooleanField(label=_("Löst vid första kontakten"), required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Varför öppnas ärendet igen?"), required=False, max_length=1_000, widget=_textarea(2))


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(label=_("Prioritet"), choices=Priority.choices, coerce=int)
    urgent = forms.BooleanField(
        label=_("Brådskande"), required=False, help_text=_("Brådskande ärenden hamnar överst i alla köer.")
    )


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Varför makuleras ärendet?"),
        required=False,
        max_length=300,
        help_text=_("Ärendet finns kvar med orsaken; inget raderas."),
        widget=_textarea(2),
    )


class PhoneForm(forms.Form):
    """A call registered as a new case, in a few keystrokes (field names are the service's)."""

    customer: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Kund"), queryset=None, empty_label=_("Välj kund …"))
    case_type: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Ärendetyp"), queryset=None, empty_label=_("Välj ärendetyp …")
    )
    sender_name = forms.CharField(label=_("Vem ringer?"), required=False, max_length=200)
    sender_phone = forms.CharField(label=_("Telefonnummer"), required=False, max_length=40)
    subject = forms.CharField(
        label=_("Rubrik"), required=False, max_length=300, help_text=_("Tomt: ”Telefonsamtal” och ärendetypen.")
    )
    description = forms.CharField(label=_("Vad gällde samtalet?"), required=False, max_length=10_000, widget=_textarea(4))
    first_contact_resolved = forms.BooleanField(
        label=_("Löst vid första kontakten"),
        required=False,
        help_text=_("Ärendet avslutas direkt och räknas som löst vid första kontakten."),
    )
    assign_to_me = forms.BooleanField(label=_("Tilldela mig ärendet"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customer = cast(forms.ModelChoiceField, self.fields["customer"])
        customer.queryset = phone_customer_choices(user)
        customer.error_messages["required"] = _("Välj vilken kund samtalet gäller.")
        customer.widget.attrs["autofocus"] = True
        case_type = cast(forms.ModelChoiceField, self.fields["case_type"])
        case_type.queryset = phone_case_type_choices(user)
        case_type.label_from_instance = lambda obj: f"{obj.process} – {obj.name}"  # type: ignore[method-assign]
        case_type.error_messages["required"] = _("Välj ärendetyp.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("subject") or "").strip() and data.get("case_type") is not None:
            data["subject"] = str(_("Telefonsamtal: %(type)s") % {"type": data["case_type"].name})
        return data


class PhoneNoteForm(forms.Form):
    """A call logged on an existing case as an internal note."""

    arende = forms.CharField(widget=forms.HiddenInput)
    sender_name = forms.CharField(
        label=_("Vem ringer?"), required=False, max_length=200, widget=forms.TextInput(attrs={"autofocus": True})
    )
    sender_phone = forms.CharField(label=_("Telefonnummer"), required=False, max_length=40)
    text = forms.CharField(label=_("Vad gällde samtalet?"), required=False, max_length=10_000, widget=_textarea(4))

    def note_text(self) -> str:
        """The note on the timeline: who called, from which number, and what about."""
        data = self.cleaned_data
        note = (data.get("text") or "").strip()
        if not note:
            return ""  # the service refuses an empty note with its own message
        who = ", ".join(
            part for part in ((data.get("sender_name") or "").strip(), (data.get("sender_phone") or "").strip()) if part
        )
        head = _("Telefonsamtal med %(who)s") % {"who": who} if who else _("Telefonsamtal")
        return f"{head}: {note}"
