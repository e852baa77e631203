"""Views that belong to no domain: the start page redirect and the health check."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ester.core.access import is_customer_contact
from ester.core.health import database_state, unknown_worker_state, worker_state


def home(request: HttpRequest) -> HttpResponse:
    """``/``: send everyone to where their work starts."""
    user = request.user
    if not user.is_authenticated:
        return HttpResponseRedirect(reverse("accounts:login"))
    if is_customer_contact(user):
        return HttpResponseRedirect(reverse("portal:home"))
    return HttpResponseRedirect(reverse("organisation:customer-list"))


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """``/healthz`` for load balancers and monitoring: no login, no personal data.

    200 while the database answers — ``"ok"``, or ``"degraded"`` when no worker
    has reported within ``ESTER_WORKER_STALE_SECONDS`` — and 503 when it does not.
    """
    database = database_state()
    if not database["ok"]:
        return JsonResponse({"status": "error", "database": database, "worker": unknown_worker_state()}, status=503)
    worker = worker_state()
    return JsonResponse({"status": "ok" if worker["ok"] else "degraded", "database": database, "worker": worker})
