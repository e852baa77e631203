"""Shared pieces of the read-only JSON API (``/api/v1/``).

Every endpoint is a :class:`ScopedReadOnlyViewSet`: its queryset comes from a
selector called with ``request.user``, so the API sees exactly what the UI
sees, and ``get_object`` looks the id up in that queryset — an unknown id and
another customer's id both answer the same 404.

Query parameters are parsed by :class:`QueryFilters`; an invalid value answers
400 with a Swedish message per parameter, in DRF's usual error shape
``{"<parameter>": ["<meddelande>"]}``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class QueryFilters:
    """Typed reading of query parameters; collects every error, then :meth:`check` raises 400."""

    def __init__(self, request: Request) -> None:
        self.params = request.query_params
        self.errors: dict[str, list[str]] = {}

    def _raw(self, name: str) -> str:
        return (self.params.get(name) or "").strip()

    def _error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def text(self, name: str, *, max_length: int = 100) -> str:
        value = self._raw(name)
        if len(value) > max_length:
            self._error(name, _("Parametern %(name)s får vara högst %(max)d tecken.") % {"name": name, "max": max_length})
            return ""
        return value

    def integer(self, name: str, *, minimum: int = 1, maximum: int = 2**31 - 1) -> int | None:
        """A whole number (an id unless told otherwise: 1 and up)."""
        value = self._raw(name)
        if not value:
            return None
        if not re.fullmatch(r"\d{1,10}", value):
            self._error(
                name, _("Parametern %(name)s måste vara ett heltal; fick ”%(value)s”.") % {"name": name, "value": value[:40]}
            )
            return None
        if not minimum <= int(value) <= maximum:
            self._error(
                name,
                _("Parametern %(name)s måste ligga mellan %(min)d och %(max)d; fick %(value)s.")
                % {"name": name, "min": minimum, "max": maximum, "value": value},
            )
            return None
        return int(value)

    def year(self, name: str = "year") -> int | None:
        value = self._raw(name)
        if value and not re.fullmatch(r"\d{4}", value):
            self._error(
                name,
                _("Parametern %(name)s måste vara ett år med fyra siffror, t.ex. 2012; fick ”%(value)s”.")
                % {"name": name, "value": value[:40]},
            )
            return None
        return self.integer(name, minimum=1900, maximum=2999)

    def date(self, name: str) -> datetime.date | None:
        value = self._raw(name)
        if not value:
            return None
        try:
            if not _ISO_DATE.match(value):
                raise ValueError(value)
            return datetime.date.fromisoformat(value)
        except ValueError:
            self._error(
                name,
                _("Parametern %(name)s måste vara ett datum på formen ÅÅÅÅ-MM-DD, t.ex. 2012-07-01; fick ”%(value)s”.")
                % {"name": name, "value": value[:40]},
            )
            return None

    def choice(self, name: str, choices: Iterable[str]) -> str:
        value = self._raw(name)
        allowed = list(choices)
        if value and value not in allowed:
            self._error(
                name,
                _("Okänt värde ”%(value)s” för parametern %(name)s; tillåtna värden: %(allowed)s.")
                % {"name": name, "value": value[:40], "allowed": ", ".join(allowed)},
            )
            return ""
        return value

    def invalid(self, name: str, message: str) -> None:
        """Record an error found by the caller (e.g. an unknown code)."""
        self._error(name, message)

    def check(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


class ApiPagination(LimitOffsetPagination):
    """``limit``/``offset``; the default page is ``PAGE_SIZE`` (100), a client may ask for at most 1 000 rows."""

    max_limit = 1000


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """List and retrieve through selectors called with the requesting user.

    Subclasses set ``list_selector`` (``user, **filters`` → queryset) and may
    set ``detail_selector`` (``user`` → queryset with what ``retrieve``
    nests) and ``detail_serializer_class``; selectors are assigned as
    ``staticmethod(selector)``.  They override :meth:`list_filters` to turn
    query parameters into selector keyword arguments.  Filters apply to
    ``list`` only, so a detail URL never depends on its query string; other
    detail actions look the object up in the unfiltered ``list_selector``.
    """

    list_selector: Callable[..., QuerySet[Any]]
    detail_selector: Callable[[Any], QuerySet[Any]] | None = None
    detail_serializer_class: type[serializers.BaseSerializer] | None = None
    pagination_class = ApiPagination

    def list_filters(self, filters: QueryFilters) -> dict[str, Any]:
        return {}

    def get_queryset(self) -> QuerySet[Any]:
        user = getattr(self.request, "user", None)
        if self.action == "list":
            filters = QueryFilters(self.request)
            kwargs = self.list_filters(filters)
            filters.check()
            return self.list_selector(user, **kwargs)
        if self.action == "retrieve" and self.detail_selector is not None:
            return self.detail_selector(user)
        return self.list_selector(user)

    def get_object(self) -> Any:
        """The row with the URL's id in the scoped queryset; the same plain 404 for missing and forbidden."""
        try:
            return super().get_object()
        except Http404:
            # DRF would pass on Django's "No <Model> matches the given query."; answer as for any 404.
            raise NotFound from None

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "retrieve" and self.detail_serializer_class is not None:
            return self.detail_serializer_class
        return super().get_serializer_class()


def query_parameter(name: str, type_: Any, description: str, *, enum: Iterable[str] | None = None) -> OpenApiParameter:
    """An OpenAPI query parameter (a filter), optional."""
    return OpenApiParameter(
        name=name,
        type=type_,
        location=OpenApiParameter.QUERY,
        required=False,
        description=description,
        enum=list(enum) if enum is not None else None,
    )


DATE = OpenApiTypes.DATE
INT = OpenApiTypes.INT
STR = OpenApiTypes.STR
