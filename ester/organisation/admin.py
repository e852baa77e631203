from django.contrib import admin

from ester.core.admin import AuditedAdmin
from ester.organisation import models


@admin.register(models.Area)
class AreaAdmin(AuditedAdmin):
    list_display = ("code", "name", "head", "valid_from", "valid_to")


@admin.register(models.Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ("name", "area", "manager", "valid_from", "valid_to")
    list_filter = ("area",)


@admin.register(models.Team)
class TeamAdmin(AuditedAdmin):
    list_display = ("name", "unit", "phone", "valid_from", "valid_to")
    list_filter = ("unit__area",)


@admin.register(models.Process)
class ProcessAdmin(AuditedAdmin):
    list_display = ("code", "name", "area", "owner")
    list_filter = ("area",)


@admin.register(models.RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ("user", "role", "area", "unit", "team", "customer", "valid_from", "valid_to")
    list_filter = ("role",)
    search_fields = ("user__username", "user__last_name")
    autocomplete_fields = ("user",)
    raw_id_fields = ("customer",)


@admin.register(models.OpeningHours)
class OpeningHoursAdmin(AuditedAdmin):
    list_display = ("area", "weekday", "opens", "closes")
    list_filter = ("area",)


@admin.register(models.ClosedDay)
class ClosedDayAdmin(AuditedAdmin):
    list_display = ("day", "area", "reason")
    list_filter = ("area",)
