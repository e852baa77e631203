"""Reads of cases for the JSON API (ester/cases/api.py); scoping is the UI's.

Every read starts from ``Model.objects.visible_to(user)``: a handler sees the
cases of their team (and of queues lent to it), a customer contact the cases
of their own department and never an internal timeline line or document.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Case as CaseWhen
from django.db.models import IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone

from ester.cases.models import Case, CaseDocument, CaseEvent, CaseType, ReturnRequest
from ester.cases.search import search_cases
from ester.core.access import Action, is_customer_contact
from ester.organisation.models import Customer

#: The most cases a word search gives the API (its largest page, too).
SEARCH_LIMIT = 1000


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in Stockholm (the current time zone), as an aware instant."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def case_api_list(
    user: Any,
    *,
    status: str = "",
    customer: int | None = None,
    team: int | None = None,
    case_type: int | None = None,
    received_from: datetime.date | None = None,
    received_to: datetime.date | None = None,
    q: str = "",
) -> QuerySet[Case]:
    """Visible cases, newest received first, with what a list row names (a constant number of queries)."""
    qs: QuerySet[Case] = Case.objects.visible_to(user, Action.VIEW).select_related(
        "customer", "case_type", "process", "team__unit", "assignee"
    )
    if status:
        qs = qs.filter(status=status)
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if team is not None:
        qs = qs.filter(team_id=team)
    if case_type is not None:
        qs = qs.filter(case_type_id=case_type)
    if received_from is not None:
        qs = qs.filter(received_at__gte=_day_start(received_from))
    if received_to is not None:
        qs = qs.filter(received_at__lt=_day_start(received_to + datetime.timedelta(days=1)))
    if q:
        return _search(user, qs, q)
    return qs.order_by("-received_at", "-id")


def _search(user: Any, qs: QuerySet[Case], q: str) -> QuerySet[Case]:
    """The cases of ``qs`` that the search module finds for ``q``, in its order (number matches first, then rank).

    ``search_cases`` returns at most :data:`SEARCH_LIMIT` cases, which is also the API's largest page.
    """
    found = [case.pk for case in search_cases(user, q, limit=SEARCH_LIMIT)]
    if not found:
        return qs.none()
    position = CaseWhen(*(When(pk=pk, then=Value(i)) for i, pk in enumerate(found)), output_field=IntegerField())
    return qs.filter(pk__in=found).order_by(position, "-id")


def case_api_detail_list(user: Any) -> QuerySet[Case]:
    """Visible cases with their timeline, documents and return requests as the user may see them.

    The timeline and documents come from ``visible_to(user)`` too, so a customer
    contact never gets an internal note or an internal document.
    """
    events = CaseEvent.objects.visible_to(user, Action.VIEW).select_related("actor").order_by("at", "id")
    documents = CaseDocument.objects.visible_to(user, Action.VIEW).order_by("uploaded_at", "id")
    returns = (
        ReturnRequest.objects.visible_to(user, Action.VIEW)
        .select_related("sent_by")
        .prefetch_related("reasons")
        .order_by("sent_at", "id")
    )
    return case_api_list(user).prefetch_related(
        Prefetch("events", queryset=events, to_attr="api_events"),
        Prefetch("documents", queryset=documents, to_attr="api_documents"),
        Prefetch("return_requests", queryset=returns, to_attr="api_return_requests"),
    )


def case_type_by_code(user: Any, code: str) -> CaseType | None:
    """A case type the user may see, by its code (``None`` when there is none)."""
    return CaseType.objects.visible_to(user, Action.VIEW).select_related("process__area").filter(code=code).first()


def customer_for_new_case(user: Any, pk: int) -> Customer | None:
    """The customer with id ``pk`` if the user may see it (and so register cases for it)."""
    return Customer.objects.visible_to(user, Action.VIEW).filter(pk=pk).first()


def writes_as_customer(user: Any) -> bool:
    """A customer contact (no staff role): writes as the customer, never internally."""
    return is_customer_contact(user)
