from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("ester.core.urls")),
    path("", include("ester.accounts.urls")),
    path("organisation/", include("ester.organisation.urls")),
    path("avtal/", include("ester.agreements.urls")),
    path("portal/", include("ester.portal.urls")),
    path("arenden/ledning/", include("ester.cases.urls_manage")),
    path("arenden/", include("ester.cases.urls")),
    path("inkommande/", include("ester.intake.urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
