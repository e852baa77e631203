from django.contrib import admin

from ester.agreements import models
from ester.core.admin import AuditedAdmin, ReadOnlyAdmin


class VariantInline(admin.TabularInline):  # type: ignore[type-arg]
    model = models.ServiceVariant
    extra = 0


@admin.register(models.Service)
class ServiceAdmin(AuditedAdmin):
    list_display = ("code", "name", "process", "kind", "unit", "active")
    list_filter = ("process__area", "kind", "active")
    search_fields = ("code", "name")
    inlines = [VariantInline]


@admin.register(models.PriceVersion)
class PriceVersionAdmin(ReadOnlyAdmin):
    """Read-only: prices change only as new versions through the price-list pages."""

    list_display = ("variant", "price_list", "unit_price", "valid_from", "decision_ref", "created_by", "created_at")
    list_filter = ("price_list",)
