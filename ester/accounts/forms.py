from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Fel användarnamn eller lösenord. Kontrollera stavningen och att Caps Lock är avstängt. "
            "Efter flera misslyckade försök spärras inloggningen en stund."
        ),
        "inactive": _("Kontot är inaktiverat. Kontakta systemadministratören."),
    }

    username = forms.CharField(
        label=_("Användarnamn"), widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Lösenord"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
