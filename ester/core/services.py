"""Shared helpers for services: Swedish validation errors and audited saves."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from ester.core.audit import audit_record, snapshot
from ester.core.models import AuditEntry


def require(condition: bool, message: str, field: str | None = None) -> None:
    """Raise a ValidationError with a Swedish, actionable ``message`` unless ``condition``."""
    if not condition:
        raise ValidationError({field: message} if field else message)


def require_permission(actor: Any, obj: models.Model, action: str = "change") -> None:
    """Services check authority too (views check first); ``actor=None`` is the system itself."""
    from ester.core.access import can

    if actor is None:
        return
    if not can(actor, obj, action):
        raise PermissionDenied(f"{actor} may not {action} {obj._meta.verbose_name} {obj}")


def audited_create(
    model: type[models.Model], *, actor: Any, owner: models.Model | None = None, summary: str = "", **fields: Any
) -> Any:
    obj = model(**fields)
    obj.full_clean()
    obj.save()
    audit_record(actor=actor, obj=obj, kind=AuditEntry.Kind.CREATE, after=snapshot(obj), owner=owner, summary=summary)
    return obj


def audited_update(
    obj: models.Model, *, actor: Any, fields: dict[str, Any], owner: models.Model | None = None, summary: str = ""
) -> list[str]:
    """Set ``fields`` on ``obj``, validate, save only what changed, and record before/after."""
    before = snapshot(obj)
    changed = [name for name, value in fields.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, fields[name])
    if not changed:
        return []
    obj.full_clean()
    obj.save(update_fields=changed)
    audit_record(
        actor=actor, obj=obj, kind=AuditEntry.Kind.UPDATE, before=before, after=snapshot(obj), owner=owner, summary=summary
    )
    return changed


def audited_delete(obj: models.Model, *, actor: Any, owner: models.Model | None = None, summary: str = "") -> None:
    before = snapshot(obj)
    audit_record(actor=actor, obj=obj, kind=AuditEntry.Kind.DELETE, before=before, owner=owner, summary=summary)
    obj.delete()


def field_names(model: type[models.Model], exclude: Iterable[str] = ()) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if not f.primary_key and f.name not in exclude]
