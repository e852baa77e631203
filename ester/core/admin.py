"""Django admin is for system configuration only; every change made there is audited too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ester.core.audit import audit_record, snapshot
from ester.core.models import AuditEntry, WorkerHeartbeat


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Records create/update/delete through the admin in the audit trail."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            obj=obj,
            kind=AuditEntry.Kind.UPDATE if change else AuditEntry.Kind.CREATE,
            before=before,
            after=snapshot(obj),
            summary="admin",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(actor=request.user, obj=obj, kind=AuditEntry.Kind.DELETE, before=snapshot(obj), summary="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """For rows that are only ever added by Ester itself (audit, price versions)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "kind", "subject_repr", "summary")
    list_filter = ("kind", "subject_type")
    search_fields = ("subject_repr", "summary")
    date_hierarchy = "at"


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("worker_id", "backend", "host", "pid", "started_at", "seen_at")
