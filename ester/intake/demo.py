"""The demo city's functional mailboxes: one per customer, as the documents describe
(every department sends its underlag to its own funktionsbrevlåda).

Each mailbox belongs to its customer, files new mail as the customer's main
process (economy departments: manual supplier invoices; city-owned companies:
salary reports) and has a few routing rules by subject. The IMAP settings point
at a local test server (127.0.0.1:1143, no TLS) and the mailboxes are inactive:
the demo never polls a real server. Idempotent: mailboxes are found by address,
and rules are written only when their mailbox is created.
"""

from __future__ import annotations

from django.db import transaction

from ester.cases.models import CaseType
from ester.intake.models import Mailbox, MailboxRule
from ester.organisation.choices import CustomerKind
from ester.organisation.models import Customer

DEMO_IMAP_HOST = "127.0.0.1"
DEMO_IMAP_PORT = 1143
DEMO_SECRET_ENV = "ESTER_DEMO_IMAP_PASSWORD"

Rule = tuple[str, str, str]  # field, pattern, case type code

#: (default case type, rules) by kind of customer.
ECONOMY: tuple[str, list[Rule]] = (
    "LEV-MANUELL",
    [
        (MailboxRule.Field.SUBJECT, "påminnelse", "KUND-PAMINNELSE"),
        (MailboxRule.Field.SUBJECT, "anstånd", "KUND-ANSTAND"),
        (MailboxRule.Field.SUBJECT, "kreditera", "KUND-MAKULERING"),
        (MailboxRule.Field.SUBJECT, "kassarapport", "KASSA-RAPPORT"),
        (MailboxRule.Field.ATTACHMENT, "utbetalningsunderlag", "LEV-UTBETALNING"),
    ],
)
PAYROLL: tuple[str, list[Rule]] = (
    "LON-RAPPORT",
    [
        (MailboxRule.Field.SUBJECT, "brådskande", "LON-BRADSKANDE"),
        (MailboxRule.Field.SUBJECT, "nyanställ", "LON-NYANSTALLNING"),
        (MailboxRule.Field.SUBJECT, "pension", "PENSION-ANSOKAN"),
    ],
)


def demo_address(customer: Customer) -> str:
    """The customer's functional mailbox, or one in the same style when none is recorded."""
    if customer.mailbox:
        return customer.mailbox.strip().lower()
    # Imported here: the demo package imports this module.
    from ester.organisation.demo.data import STAFF_DOMAIN
    from ester.organisation.demo.loader import ascii_slug

    prefix = "lon" if customer.kind == CustomerKind.COMPANY else "ekonomi"
    return f"{prefix}.{ascii_slug(customer.short_name or customer.name)}@{STAFF_DOMAIN}"


@transaction.atomic
def load_demo_mailboxes() -> int:
    """One inactive mailbox per customer with its rules (idempotent); returns how many mailboxes were created."""
    case_types = {t.code: t for t in CaseType.objects.select_related("process")}
    created = 0
    for customer in Customer.objects.order_by("name"):
        default_code, rules = PAYROLL if customer.kind == CustomerKind.COMPANY else ECONOMY
        default = case_types.get(default_code)
        mailbox, new = Mailbox.objects.get_or_create(
            address=demo_address(customer),
            defaults={
                "name": f"Funktionsbrevlåda {customer.short_name or customer.name}",
                "customer": customer,
                "default_process": default.process if default else None,
                "default_case_type": default,
                "imap_host": DEMO_IMAP_HOST,
                "imap_port": DEMO_IMAP_PORT,
                "imap_security": Mailbox.Security.NONE,
                "imap_user": demo_address(customer),
                "secret_env": DEMO_SECRET_ENV,
                "active": False,
            },
        )
        if not new:
            continue
        created += 1
        MailboxRule.objects.bulk_create(
            MailboxRule(mailbox=mailbox, order=10 * (i + 1), field=field, pattern=pattern, case_type=case_types[code])
            for i, (field, pattern, code) in enumerate(rules)
            if code in case_types
        )
    return created
