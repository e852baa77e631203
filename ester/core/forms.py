"""What every interface module needs to hand a form to a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's Swedish ValidationError on ``form``: on the field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def submit(form: forms.Form, call: Callable[[dict[str, Any]], Any]) -> tuple[bool, Any]:
    """Validate ``form`` and hand its data to a service; service errors land on the form."""
    if not form.is_valid():
        return False, None
    try:
        return True, call(form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return False, None
