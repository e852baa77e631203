"""Reads for the customer portal: a department's cases as the customer may see them.

Always from ``visible_to(user)`` (contacts see their own customer's rows, never
internal ones) and, on top, only what is meant for the customer: no internal
events or documents, and only the kinds of event that tell the customer
something (registered, messages, returns, completions, closing).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import IntegerField, QuerySet, Value, When
from django.utils import timezone

from ester.cases.choices import CaseStatus, EventKind
from ester.cases.models import Case, CaseDocument, CaseEvent, CaseType, ReturnRequest
from ester.core.access import Role, access_object
from ester.organisation.models import Customer, HandlingAssignment

#: Timeline events the customer sees (and nothing marked internal).
CUSTOMER_EVENT_KINDS = (
    EventKind.CREATED,
    EventKind.MESSAGE_IN,
    EventKind.MESSAGE_OUT,
    EventKind.DOCUMENT,
    EventKind.RETURNED,
    EventKind.COMPLETED,
    EventKind.CLOSED,
    EventKind.REOPENED,
    EventKind.VOIDED,
    EventKind.MERGED,
)


def _contact_customers(user: Any) -> QuerySet[Customer]:
    """Customers the user is a contact of today (the portal's customers)."""
    return Customer.objects.visible_to(user).filter(
        pk__in=user.role_assignments.filter(role=Role.CUSTOMER_CONTACT, customer__isnull=False)
        .valid_on(timezone.localdate())
        .values("customer_id")
    )


def portal_case_types(user: Any, customer: Customer) -> QuerySet[CaseType]:
    """Case types the contact may submit: in the portal, active, of processes handled for the customer."""
    processes = HandlingAssignment.objects.filter(customer=customer).valid_on(timezone.localdate()).values("process_id")
    return (
        CaseType.objects.visible_to(user)
        .filter(portal_enabled=True, active=True, process__in=processes)
        .select_related("process")
        .order_by("process__name", "order", "name")
    )


def access_portal_case_type(user: Any, customer: Customer, pk: Any) -> CaseType:
    return access_object(portal_case_types(user, customer), user, pk)


def portal_case_list(user: Any, customer: Customer, *, status: str = "") -> QuerySet[Case]:
    """The department's cases, those waiting for the customer first, then the newest."""
    cases = Case.objects.visible_to(user).filter(customer=customer)
    if status == "oppna":
        cases = cases.filter(status__in=(CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING, CaseStatus.HANDED_OVER))
    elif status in CaseStatus.values:
        cases = cases.filter(status=status)
    waiting_first = models.Case(When(status=CaseStatus.WAITING, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        cases.select_related("case_type")
        .only("pk", "number", "subject", "status", "received_at", "case_type__name", "customer_id", "team_id")
        .order_by(waiting_first, "-received_at", "-pk")
    )


def portal_waiting_count(user: Any, customer: Customer) -> int:
    return Case.objects.visible_to(user).filter(customer=customer, status=CaseStatus.WAITING).count()


def access_portal_case(user: Any, pk: Any) -> Case:
    """One case of a department the user is a contact of; 404 otherwise."""
    cases = Case.objects.filter(customer__in=_contact_customers(user)).select_related("case_type", "customer", "team")
    return access_object(cases, user, pk)


def portal_timeline(user: Any, case: Case) -> QuerySet[CaseEvent]:
    return (
        CaseEvent.objects.visible_to(user)
        .filter(case=case, internal=False, kind__in=CUSTOMER_EVENT_KINDS)
        .select_related("actor")
        .order_by("at", "id")
    )


def portal_documents(user: Any, case: Case) -> QuerySet[CaseDocument]:
    return CaseDocument.objects.visible_to(user).filter(case=case, internal=False).order_by("uploaded_at", "id")


def access_portal_document(user: Any, pk: Any) -> CaseDocument:
    """A non-internal document of a case of the user's department; 404 otherwise."""
    documents = CaseDocument.objects.filter(case__customer__in=_contact_customers(user), internal=False)
    return access_object(documents, user, pk)


def portal_open_return_request(user: Any, case: Case) -> ReturnRequest | None:
    """The request for completion the customer has yet to answer (the latest)."""
    return (
        ReturnRequest.objects.visible_to(user)
        .filter(case=case, completed_at__isnull=True)
        .prefetch_related("reasons")
        .order_by("-sent_at", "-pk")
        .first()
    )
