"""Small helpers for thin views: pagination and picking a page or an htmx fragment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

if TYPE_CHECKING:
    from ester.accounts.models import User


def paginate(request: HttpRequest, items: Any, per_page: int = 50) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("sida"))


def render_page_or_partial(
    request: HttpRequest, template: str, context: dict[str, Any], partial: str = "results"
) -> HttpResponse:
    """The same URL serves a whole page, or — to htmx — only the named partial.

    htmx restoring a page from history (Back button after ``hx-push-url``)
    gets the whole page; ``Vary: HX-Request`` keeps caches from mixing the two.
    """
    htmx = getattr(request, "htmx", None)
    wants_partial = bool(htmx) and not htmx.boosted and not htmx.history_restore_request  # type: ignore[union-attr]
    response = render(request, f"{template}#{partial}" if wants_partial else template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def request_actor(request: HttpRequest) -> User:
    """The logged-in user as the actor of a service call (the view's decorator made sure there is one)."""
    return cast("User", request.user)
