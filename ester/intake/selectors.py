"""Reads for the intake pages: mailboxes, the processed-message log, bounced addresses and
scanned post — always starting from what the requesting user may see.

Who sees a mailbox (the status pages) is decided as for its messages
(``IncomingMessageQuerySet.visible_to``): staff who may see the mailbox's customer; a
shared mailbox (no customer) those with a role on the area of its process; global roles
every mailbox. Customer contacts never see intake. Mailboxes are configuration rows
(``Mailbox.access`` lets all staff read them in the admin); these pages scope them further
because they show a customer's mail traffic.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ester.cases.models import Case, CaseType
from ester.core import clock
from ester.core.access import Action, access_object, can, roles_allowing, user_scope, visible_customers_q
from ester.intake.models import BouncedAddress, IncomingMessage, Mailbox, MailboxRule, ScanBatch, ScannedItem
from ester.organisation.models import Customer, RoleAssignment

State = IncomingMessage.State

#: A permanent bounce older than this no longer stops mail to the address.
BOUNCE_DAYS = 90


# --- mailboxes ------------------------------------------------------------------------------


def _mailbox_q(user: Any, action: str) -> Q | None:
    """The filter over mailboxes ``user`` may ``action``: ``None`` for all, ``Q(pk__in=[])`` for none."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    scope = user_scope(user)
    if scope.is_global(action):
        return None
    if not scope.has_staff_role(action):
        return Q(pk__in=[])
    areas = (
        RoleAssignment.objects.filter(user_id=user.pk, role__in=roles_allowing(action), area__isnull=False)
        .valid_on(timezone.localdate())
        .values("area_id")
    )
    own = Q(customer__isnull=False) & visible_customers_q(user, action, "customer")
    shared = Q(customer__isnull=True, default_process__area__in=areas)
    return own | shared


def mailboxes(user: Any, action: str = Action.VIEW) -> QuerySet[Mailbox]:
    """The mailboxes ``user`` may see on the status pages, by address."""
    rows = Mailbox.objects.select_related("customer", "default_process", "default_case_type")
    condition = _mailbox_q(user, action)
    return (rows if condition is None else rows.filter(condition)).order_by("address")


def access_mailbox(user: Any, pk: Any) -> Mailbox:
    """One mailbox the user may see (404 when missing or not theirs)."""
    try:
        return mailboxes(user).get(pk=pk)
    except (Mailbox.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def mailbox_rules(mailbox: Mailbox) -> QuerySet[MailboxRule]:
    return MailboxRule.objects.filter(mailbox=mailbox).select_related("case_type").order_by("order", "id")


@dataclass
class MailboxStatus:
    """A mailbox with what the status page says about it."""

    mailbox: Mailbox
    today: list[tuple[str, int]] = field(default_factory=list)  # (state label, count), non-zero only
    today_total: int = 0
    problems: int = 0  # visible messages in fel/karantän, whenever


def today_bounds(now: datetime.datetime | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """Midnight to midnight of today, Stockholm time."""
    day = timezone.localdate(now or clock.now())
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def mailbox_statuses(user: Any, boxes: list[Mailbox], now: datetime.datetime | None = None) -> list[MailboxStatus]:
    """Each mailbox with the counts of today's messages by state (recorded today, those the
    user may see) and its open problems (fel and karantän) — two grouped queries."""
    start, end = today_bounds(now)
    ids = [box.pk for box in boxes]
    visible = IncomingMessage.objects.visible_to(user).filter(mailbox_id__in=ids)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = visible.filter(created_at__gte=start, created_at__lt=end).values("mailbox_id", "state").annotate(n=Count("id"))
    for row in rows.order_by():
        counts[row["mailbox_id"]][row["state"]] = row["n"]
    problems = dict(
        visible.filter(state__in=IncomingMessage.RETRYABLE)
        .values("mailbox_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("mailbox_id", "n")
    )
    labels = dict(State.choices)
    out = []
    for box in boxes:
        by_state = counts.get(box.pk, {})
        today = [(str(labels[state]), by_state[state]) for state in State.values if by_state.get(state)]
        out.append(MailboxStatus(box, today, sum(by_state.values()), problems.get(box.pk, 0)))
    return out


def mailbox_messages(user: Any, mailbox: Mailbox, state: str = "") -> QuerySet[IncomingMessage]:
    """The mailbox's messages the user may see, newest first; only those in ``state`` when given."""
    rows = IncomingMessage.objects.visible_to(user).filter(mailbox=mailbox).select_related("case")
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-received_at", "-id")


# --- the processed-message log -------------------------------------------------------------


def intake_errors(user: Any) -> QuerySet[IncomingMessage]:
    """Messages in *fel* and *karantän* the user may see, newest first (the intake error list)."""
    return (
        IncomingMessage.objects.visible_to(user)
        .filter(state__in=IncomingMessage.RETRYABLE)
        .select_related("mailbox__customer")
        .order_by("-received_at", "-id")
    )


def access_incoming(user: Any, pk: Any, action: str = Action.VIEW) -> IncomingMessage:
    """One message of the log the user may ``action`` (404 when missing or not visible)."""
    return access_object(IncomingMessage.objects.select_related("mailbox__customer", "case"), user, pk, action)


def may_retry(user: Any, incoming: IncomingMessage) -> bool:
    """Whether ``user`` may run the message through the pipeline again: HANDLE on the mailbox's
    customer (for a shared mailbox: on its process's area) — not read-only roles."""
    return can(user, incoming, Action.HANDLE)


def retryable_ids(user: Any, ids: list[int]) -> set[int]:
    """Which of the messages ``ids`` the user may try again (one query for a page of the list)."""
    rows = IncomingMessage.objects.visible_to(user, Action.HANDLE).filter(pk__in=ids, state__in=IncomingMessage.RETRYABLE)
    return set(rows.values_list("pk", flat=True))


def visible_case_ids(user: Any, ids: list[int]) -> set[int]:
    """Which of the cases ``ids`` the user may see (to link to them)."""
    return set(Case.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def visible_case(user: Any, incoming: IncomingMessage) -> Case | None:
    """The message's case, when the user may see it (to link to it)."""
    if incoming.case_id is None or incoming.case is None:
        return None
    return incoming.case if can(user, incoming.case, Action.VIEW) else None


# --- bounced addresses (mail out) ----------------------------------------------------------


def bounced_address(address: str, now: datetime.datetime | None = None) -> BouncedAddress | None:
    """The bounce row of ``address`` when it bounced permanently within the last ``BOUNCE_DAYS`` days."""
    address = (address or "").strip().lower()
    if not address:
        return None
    since = (now or clock.now()) - datetime.timedelta(days=BOUNCE_DAYS)
    return BouncedAddress.objects.filter(address=address, last_bounced_at__gte=since).first()


def is_bounced(address: str) -> bool:
    """Whether mail to ``address`` bounced permanently in the last ``BOUNCE_DAYS`` days."""
    return bounced_address(address) is not None


# --- scanned post ---------------------------------------------------------------------------


def may_register_scans(user: Any) -> bool:
    """Whether the user may register scanned post: HANDLE on at least one customer."""
    return scan_customer_choices(user).exists()


def scan_customer_choices(user: Any) -> QuerySet[Customer]:
    """Customers the user may register scanned post for: HANDLE on them, active today."""
    return Customer.objects.visible_to(user, Action.HANDLE).valid_on(timezone.localdate()).order_by("name")


def scan_case_type_choices(user: Any) -> QuerySet[CaseType]:
    return (
        CaseType.objects.visible_to(user).filter(active=True).select_related("process").order_by("process__name", "order", "name")
    )


def scan_batches(user: Any) -> QuerySet[ScanBatch]:
    """The batches the user may see, newest first, with the number of documents in each they may see."""
    visible = ScannedItem.objects.visible_to(user)
    return (
        ScanBatch.objects.visible_to(user)
        .select_related("created_by")
        .annotate(visible_items=Count("items", filter=Q(items__in=visible)))
        .order_by("-created_at", "-id")
    )


def access_scan_batch(user: Any, pk: Any) -> ScanBatch:
    return access_object(ScanBatch.objects.select_related("created_by"), user, pk)


def scan_batch_items(user: Any, batch: ScanBatch) -> QuerySet[ScannedItem]:
    """The documents of ``batch`` the user may see, in CSV order."""
    return (
        ScannedItem.objects.visible_to(user)
        .filter(batch=batch)
        .select_related("case", "customer", "case_type")
        .order_by("row", "id")
    )


def scanned_cases(user: Any, items: list[ScannedItem]) -> list[ScannedItem]:
    """``items`` the user may see (after an upload: what to show as created)."""
    ids = set(ScannedItem.objects.visible_to(user).filter(pk__in=[i.pk for i in items]).values_list("pk", flat=True))
    return [item for item in items if item.pk in ids]
