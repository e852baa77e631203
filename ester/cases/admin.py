from django.contrib import admin

from ester.cases import models
from ester.core.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(models.CaseType)
class CaseTypeAdmin(AuditedAdmin):
    list_display = (
        "code",
        "name",
        "process",
        "urgent",
        "billable",
        "first_response_hours",
        "resolution_hours",
        "retention_class",
        "filing",
        "active",
    )
    list_filter = ("process__area", "process", "urgent", "active")
    search_fields = ("code", "name")


@admin.register(models.ReturnReason)
class ReturnReasonAdmin(AuditedAdmin):
    list_display = ("code", "text", "process", "active", "order")
    list_filter = ("process", "active")


@admin.register(models.LetterTemplate)
class LetterTemplateAdmin(AuditedAdmin):
    list_display = ("kind", "process", "language", "subject")
    list_filter = ("kind", "language")


@admin.register(models.Absence)
class AbsenceAdmin(AuditedAdmin):
    list_display = ("user", "start", "end", "note")


@admin.register(models.QueueLoan)
class QueueLoanAdmin(AuditedAdmin):
    list_display = ("team", "borrower", "start", "end", "created_by")


@admin.register(models.Case)
class CaseAdmin(ReadOnlyAdmin):
    """Cases are handled in Ester's own pages; the admin only looks."""

    list_display = ("number", "customer", "case_type", "status", "team", "assignee", "received_at", "due_at")
    list_filter = ("status", "area", "team")
    search_fields = ("number", "subject", "sender_name")


@admin.register(models.OutgoingMail)
class OutgoingMailAdmin(ReadOnlyAdmin):
    """The outbox: what was sent, is being sent or failed, and why. Written only by ``mail.deliver``."""

    list_display = ("key", "case", "kind", "to", "state", "attempts", "created_at", "sent_at")
    list_filter = ("state", "kind")
    search_fields = ("key", "message_id", "case__number")
    list_select_related = ("case",)
