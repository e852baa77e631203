"""Recording and reading the audit trail (who, when, before, after)."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from ester.core.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


#: Never copied into the audit trail.
SECRET_FIELDS = frozenset({"password"})


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The audit-relevant values of ``obj``: concrete fields, FKs shown by their label."""
    out: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.primary_key or field.name in SECRET_FIELDS:
            continue
        if isinstance(field, models.ForeignKey):
            out[field.name] = _plain(getattr(obj, field.name)) if getattr(obj, field.attname) is not None else None
        else:
            out[field.name] = _plain(getattr(obj, field.attname))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    keys = list(dict.fromkeys([*before, *after]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def audit_record(
    *,
    actor: Any,
    obj: models.Model,
    kind: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    owner: models.Model | None = None,
    summary: str = "",
) -> AuditEntry:
    owner = owner or obj
    if kind == AuditEntry.Kind.CREATE:
        changes = {k: [None, v] for k, v in (after or {}).items() if v not in (None, "")}
    elif kind == AuditEntry.Kind.DELETE:
        changes = {k: [v, None] for k, v in (before or {}).items() if v not in (None, "")}
    else:
        changes = diff(before or {}, after or {})
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        subject_type=ContentType.objects.get_for_model(obj),
        subject_id=str(obj.pk),
        subject_repr=str(obj)[:300],
        owner_type=ContentType.objects.get_for_model(owner),
        owner_id=str(owner.pk),
        summary=summary[:300],
        changes=changes,
    )


def audit_for(obj: models.Model) -> models.QuerySet[AuditEntry]:
    """The audit trail shown on ``obj``'s page (the caller has already passed access)."""
    return AuditEntry.objects.filter(owner_type=ContentType.objects.get_for_model(obj), owner_id=str(obj.pk)).select_related(
        "actor"
    )
