"""Small helpers for thin views: pagination and picking a page or an htmx fragment."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def paginate(request: HttpRequest, items: Any, per_page: int = 50) -> Page:
    return Paginator(items, per_page).get_page(request.GET.get("sida"))


def render_page_or_partial(
    request: HttpRequest, template: str, context: dict[str, Any], partial: str = "results"
) -> HttpResponse:
    """The same URL serves a whole page, or — to htmx — only the named partial."""
    if getattr(request, "htmx", False) and not getattr(request.htmx, "boosted", False):
        return render(request, f"{template}#{partial}", context)
    return render(request, template, context)
