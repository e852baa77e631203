"""Who a message is from and what it answers: the customers a sender is a contact of,
and the cases named by a message's references or subject.

Finding a case here decides nothing: ``pipeline.step_thread`` accepts a case only
when it belongs to the identified customer and ``sender_belongs`` to it.
"""

from __future__ import annotations

import re

from django.db.models import Q

from ester.cases.models import Case, CaseEvent, OutgoingMail
from ester.core import clock
from ester.intake.models import IncomingMessage
from ester.intake.types import ParsedMail
from ester.organisation.models import Customer, CustomerContact

#: A case number as Ester writes it (``EK-2026-000123``).
CASE_NUMBER = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2,4}-\d{4}-\d{6}(?!\d)")


def contact_customers(address: str) -> list[Customer]:
    """The customers (valid today) with an active contact whose e-mail is ``address``."""
    if not address:
        return []
    today = clock.localdate()
    ids = CustomerContact.objects.filter(email__iexact=address, active=True).values("customer_id")
    return list(
        Customer.objects.filter(pk__in=ids, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .order_by("name")
    )


def _ordered_cases(ids: list[int]) -> list[Case]:
    cases = Case.objects.in_bulk(ids)
    return [cases[pk] for pk in dict.fromkeys(ids) if pk in cases]


def referenced_cases(mail: ParsedMail, *, exclude: int | None = None) -> list[Case]:
    """Cases named by the message's In-Reply-To and References (the most recent reference first)."""
    ids = list(dict.fromkeys([*mail.in_reply_to, *reversed(mail.references)]))
    ids = [value for value in ids if value]
    if not ids:
        return []
    by_id: dict[str, int] = {}
    for message_id, case_id in OutgoingMail.objects.filter(message_id__in=ids).values_list("message_id", "case_id"):
        by_id.setdefault(message_id, case_id)
    incoming = IncomingMessage.objects.filter(message_id__in=ids, case__isnull=False)
    if exclude is not None:
        incoming = incoming.exclude(pk=exclude)
    for message_id, case_id in incoming.order_by("id").values_list("message_id", "case_id"):
        by_id.setdefault(message_id, case_id)
    if not by_id:  # mail sent before the outbox existed: the timeline line holds its Message-ID
        for payload, case_id in CaseEvent.objects.filter(payload__message_id__in=ids).values_list("payload", "case_id"):
            by_id.setdefault(str(payload.get("message_id")), case_id)
    return _ordered_cases([by_id[value] for value in ids if value in by_id])


def numbered_cases(subject: str) -> list[Case]:
    """Cases whose numbers appear in the subject, in order of appearance."""
    numbers = list(dict.fromkeys(CASE_NUMBER.findall(subject or "")))
    if not numbers:
        return []
    cases = {case.number: case for case in Case.objects.filter(number__in=numbers)}
    return [cases[number] for number in numbers if number in cases]


def sender_belongs(case: Case, sender: str) -> bool:
    """Whether ``sender`` may add to ``case``: an active contact of its customer, or the case's own sender."""
    if not sender:
        return False
    if case.sender_email and case.sender_email.strip().lower() == sender:
        return True
    return CustomerContact.objects.filter(customer_id=case.customer_id, email__iexact=sender, active=True).exists()
