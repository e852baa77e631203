from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ester.core.admin import AuditedAdmin, ReadOnlyAdmin
from ester.core.audit import audit_record, snapshot
from ester.core.models import AuditEntry
from ester.intake import models


class MailboxRuleInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.MailboxRule
    extra = 0
    fields = ("order", "field", "pattern", "regex", "case_type", "active")
    ordering = ("order", "id")


@admin.register(models.Mailbox)
class MailboxAdmin(AuditedAdmin):
    """Functional mailboxes and their routing rules (the secret itself is never stored: only where to find it)."""

    list_display = ("address", "name", "customer", "active", "last_poll_at", "messages_waiting", "last_error")
    list_filter = ("active", "imap_security", "auth_method")
    search_fields = ("address", "name", "customer__name")
    list_select_related = ("customer",)
    inlines = [MailboxRuleInline]
    readonly_fields = ("last_poll_at", "last_success_at", "last_error", "messages_waiting", "uidvalidity", "last_uid")
    fieldsets = (
        (None, {"fields": ("address", "name", "customer", "default_process", "default_case_type", "active")}),
        (
            "IMAP",
            {
                "fields": (
                    "imap_host",
                    "imap_port",
                    "imap_security",
                    "imap_user",
                    "auth_method",
                    "secret_env",
                    "secret_file",
                    "folder",
                    "processed_folder",
                    "poll_interval_seconds",
                )
            },
        ),
        ("Status", {"fields": ("last_poll_at", "last_success_at", "last_error", "messages_waiting", "uidvalidity", "last_uid")}),
    )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """The rules are configuration too: every added, changed or removed rule is audited on its mailbox."""
        before = {obj.pk: snapshot(obj) for obj in formset.get_queryset()} if formset.is_bound else {}
        for deleted in getattr(formset, "deleted_forms", []):  # audited while the row still has its key
            if deleted.instance.pk is not None:
                audit_record(
                    actor=request.user,
                    obj=deleted.instance,
                    kind=AuditEntry.Kind.DELETE,
                    before=before.get(deleted.instance.pk),
                    owner=form.instance,
                    summary="admin",
                )
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(
                actor=request.user,
                obj=obj,
                kind=AuditEntry.Kind.CREATE,
                after=snapshot(obj),
                owner=form.instance,
                summary="admin",
            )
        for obj, _fields in formset.changed_objects:
            audit_record(
                actor=request.user,
                obj=obj,
                kind=AuditEntry.Kind.UPDATE,
                before=before.get(obj.pk),
                after=snapshot(obj),
                owner=form.instance,
                summary="admin",
            )


@admin.register(models.IncomingMessage)
class IncomingMessageAdmin(ReadOnlyAdmin):
    """The processed-message log: written only by the intake pipeline."""

    list_display = ("received_at", "mailbox", "source", "from_address", "subject", "state", "case", "attempts")
    list_filter = ("state", "source", "mailbox")
    search_fields = ("message_id", "sha256", "from_address", "subject", "case__number")
    list_select_related = ("mailbox", "case")
    date_hierarchy = "received_at"


@admin.register(models.BouncedAddress)
class BouncedAddressAdmin(ReadOnlyAdmin):
    """Addresses mail could not be delivered to (permanent bounces), written by intake."""

    list_display = ("address", "last_status", "count", "last_bounced_at", "last_case")
    search_fields = ("address",)
    list_select_related = ("last_case",)


class ScannedItemInline(admin.TabularInline):
    model = models.ScannedItem
    extra = 0
    can_delete = False
    fields = ("original_name", "arrival_date", "customer", "case_type", "case", "sha256", "row")
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(models.ScanBatch)
class ScanBatchAdmin(ReadOnlyAdmin):
    """Scanned post: uploads and scanning bureau batches, written only by ``ester.intake.scanning``."""

    list_display = ("created_at", "source", "name", "created_by", "summary")
    list_filter = ("source",)
    search_fields = ("name", "csv_sha256", "items__sha256", "items__case__number")
    list_select_related = ("created_by",)
    inlines = [ScannedItemInline]
