"""What a customer contact does in the portal: submit underlag, answer a request for completion.

Both are all-or-nothing. Every form field and every file is checked before
anything is written — so a bad file refuses the whole submission with no case,
no case number used up and no file stored — and the case, its documents and
their timeline events are then written in one transaction.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from ester.accounts.models import User
from ester.cases.choices import CaseChannel, CaseStatus
from ester.cases.documents import files_kept_only_on_success, require_may_add, store_document, validate_upload
from ester.cases.models import Case, CaseType
from ester.cases.services import case_complete_by_customer, case_register, handling_team_on
from ester.core.access import Action, can
from ester.organisation.models import Customer, CustomerContact

#: Field types a case type's ``portal_fields`` may name (``text`` when left out).
PORTAL_FIELD_TYPES = ("text", "textarea", "date", "number", "email")


def portal_field_key(name: str) -> str:
    """The form (and error) key of a portal field, apart from the fixed fields of the form."""
    return f"falt_{name}"


def portal_field_specs(case_type: CaseType) -> list[dict[str, Any]]:
    """The case type's portal fields, tidied: name, label, required, type."""
    specs = []
    for raw in case_type.portal_fields or []:
        if not isinstance(raw, Mapping) or not str(raw.get("name", "")).strip():
            continue
        name = str(raw["name"]).strip()
        kind = str(raw.get("type") or "text")
        specs.append(
            {
                "name": name,
                "label": str(raw.get("label") or name),
                "required": bool(raw.get("required")),
                "type": kind if kind in PORTAL_FIELD_TYPES else "text",
            }
        )
    return specs


def _clean_value(spec: dict[str, Any], value: str) -> str:
    """A field's value as text (stored as typed); raises ValueError with a Swedish message."""
    label = spec["label"]
    if spec["type"] == "date":
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValueError(_("%(label)s: ange ett datum som ÅÅÅÅ-MM-DD.") % {"label": label}) from None
    if spec["type"] == "number":
        try:
            number = decimal.Decimal(value.replace(" ", "").replace("\u00a0", "").replace(",", "."))
        except decimal.InvalidOperation:
            raise ValueError(_("%(label)s: ange ett tal.") % {"label": label}) from None
        if not number.is_finite():
            raise ValueError(_("%(label)s: ange ett tal.") % {"label": label})
        return str(number)
    if spec["type"] == "email":
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError(_("%(label)s: ange en giltig e-postadress.") % {"label": label}) from None
    return value


def clean_portal_fields(case_type: CaseType, fields: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(values by field name, errors by form key): every missing required field is named."""
    values: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for spec in portal_field_specs(case_type):
        value = str(fields.get(spec["name"]) or "").strip()
        if not value:
            if spec["required"]:
                errors[portal_field_key(spec["name"])] = [_("Fyll i %(label)s – uppgiften krävs.") % {"label": spec["label"]}]
            continue
        try:
            values[spec["name"]] = _clean_value(spec, value)
        except ValueError as error:
            errors[portal_field_key(spec["name"])] = [str(error)]
    return values, errors


def _sender(actor: User, customer: Customer) -> tuple[str, str]:
    """The contact's name and e-mail as registered at the customer, else from the login."""
    contact = CustomerContact.objects.filter(customer=customer, user=actor).order_by("-active", "pk").first()
    name = (contact.name if contact else "") or actor.get_full_name() or actor.get_username()
    email = (contact.email if contact else "") or actor.email or ""
    return name, email


def may_submit(case_type: CaseType, customer: Customer) -> bool:
    """Case types a contact may submit: in the portal, active, of a process a team handles for the customer."""
    return case_type.portal_enabled and case_type.active and handling_team_on(customer, case_type.process) is not None


def _checked_uploads(uploads: Iterable[Any], errors: dict[str, list[str]]) -> list[Any]:
    checked = []
    for upload in uploads:
        try:
            checked.append(validate_upload(upload))
        except ValidationError as error:
            errors.setdefault("uploads", []).extend(error.messages)
    return checked


def case_submit(
    *,
    actor: User,
    customer: Customer,
    case_type: CaseType,
    fields: Mapping[str, Any],
    subject: str,
    description: str = "",
    uploads: Iterable[Any] = (),
) -> Case:
    """A contact submits underlag: a case in the portal channel, with its files.

    Everything is checked first (the case type, required fields, every file),
    and all problems are reported together; only then is the case registered
    (which takes its number) and are the files stored, in one transaction.
    """
    if not can(actor, customer, Action.VIEW):
        raise ValidationError(_("Du kan inte skicka underlag för den här förvaltningen."))
    errors: dict[str, list[str]] = {}
    if not may_submit(case_type, customer):
        errors["case_type"] = [_("Ärendetypen %(type)s kan inte skickas in via portalen.") % {"type": case_type}]
    values, field_errors = clean_portal_fields(case_type, fields)
    errors.update(field_errors)
    if not subject.strip():
        errors["subject"] = [_("Fyll i Rubrik – skriv kort vad underlaget gäller.")]
    elif len(subject.strip()) > 300:
        errors["subject"] = [_("Rubriken får vara högst 300 tecken.")]
    checked = _checked_uploads(uploads, errors)
    if errors:
        raise ValidationError(errors)
    sender_name, sender_email = _sender(actor, customer)
    with files_kept_only_on_success() as written, transaction.atomic():
        case = case_register(
            actor=actor,
            customer=customer,
            case_type=case_type,
            channel=CaseChannel.PORTAL,
            sender_name=sender_name,
            sender_email=sender_email,
            subject=subject,
            description=description.strip(),
            fields=values,
        )
        for item in checked:
            store_document(actor=actor, case=case, checked=item, written=written)
    return case


def case_answer_completion(*, actor: User, case: Case, text: str, uploads: Iterable[Any] = ()) -> Case:
    """The contact answers a request for completion: the files are stored, the request is
    completed and the case's clock runs again — all in one transaction."""
    require_may_add(actor, case, internal=False)
    if case.status != CaseStatus.WAITING:
        raise ValidationError(
            _(
                "Ärendet %(number)s väntar inte på komplettering (status: %(status)s). "
                "Har ni mer att skicka, skicka det som ett nytt underlag."
            )
            % {"number": case.number, "status": case.get_status_display().lower()}
        )
    errors: dict[str, list[str]] = {}
    uploads = list(uploads)
    if not text.strip() and not uploads:
        errors["text"] = [_("Skriv vad ni kompletterar med eller bifoga minst en fil.")]
    checked = _checked_uploads(uploads, errors)
    if errors:
        raise ValidationError(errors)
    with files_kept_only_on_success() as written, transaction.atomic():
        status = Case.objects.select_for_update().filter(pk=case.pk).values_list("status", flat=True).first()
        if status != CaseStatus.WAITING:  # completed by someone else a moment ago
            raise ValidationError(_("Ärendet %(number)s har redan kompletterats.") % {"number": case.number})
        for item in checked:
            store_document(actor=actor, case=case, checked=item, written=written)
        return case_complete_by_customer(actor=actor, case=case, text=text)
