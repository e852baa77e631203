"""The JSON API, version 1: scoped to the caller exactly like the UI; read-only except cases (docs/api.md)."""

from rest_framework.routers import DefaultRouter

from ester.agreements.api import AgreementViewSet, PriceListViewSet, ServiceViewSet
from ester.cases.api import CaseViewSet
from ester.organisation.api import CustomerViewSet

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="api-customer")
router.register("services", ServiceViewSet, basename="api-service")
router.register("price-lists", PriceListViewSet, basename="api-price-list")
router.register("agreements", AgreementViewSet, basename="api-agreement")
router.register("cases", CaseViewSet, basename="api-case")
urlpatterns = router.urls
