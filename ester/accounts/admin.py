from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from ester.accounts.models import User
from ester.core.admin import AuditedAdmin


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Ester", {"fields": ("title", "phone", "language")}))
    search_fields = ("username", "first_name", "last_name", "email")
