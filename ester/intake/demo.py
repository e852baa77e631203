"""The demo city's functional mailboxes: one per customer, as the documents describe
(every department sends its underlag to its own funktionsbrevlåda), and a few hours' mail
taken in through the real pipeline.

Each mailbox belongs to its customer, files new mail as the customer's main
process (economy departments: manual supplier invoices; city-owned companies:
salary reports) and has a few routing rules by subject. The IMAP settings point
at a local test server (127.0.0.1:1143, no TLS) and the mailboxes are inactive:
the demo never polls a real server. Idempotent: mailboxes are found by address,
and rules are written only when their mailbox is created.

``load_demo_mail`` then takes eight messages into the Rinkeby-Kista and Bromma
mailboxes with ``pipeline.ingest`` so that the intake pages show every outcome: new
cases with a PDF (one routed by a rule), a reply threaded into its case by the number
in the subject, a bounce, an auto-reply, another customer's contact quoting a case
number (a new case linked as a possible reply), and a message in the intake error
list (state *fel*, recorded as the pipeline records an unexpected error) that the
``handlaggare`` login can try again.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from zoneinfo import ZoneInfo

from django.db import OperationalError, transaction

from ester.cases.models import CaseType
from ester.core import clock
from ester.intake import pipeline
from ester.intake.models import IncomingMessage, Mailbox, MailboxRule
from ester.intake.parse import parse_message
from ester.organisation.choices import CustomerKind
from ester.organisation.models import Customer

DEMO_IMAP_HOST = "127.0.0.1"
DEMO_IMAP_PORT = 1143
DEMO_SECRET_ENV = "ESTER_DEMO_IMAP_PASSWORD"
IMAP = IncomingMessage.Source.IMAP

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


# --- the demo's mail: a few hours' intake, through the real pipeline -------------------------

#: The UIDVALIDITY the demo's messages carry (the mailboxes' own status keeps none: a real
#: poll of the local test server starts from the beginning, and its messages dedupe by SHA-256).
DEMO_UIDVALIDITY = 1732000000
#: The Date headers count back from here. Every header is fixed, so the bytes (and their
#: SHA-256) are the same at each load; when a message reached its mailbox (IMAP INTERNALDATE,
#: what the pages and the cases show) follows the load instead: the last three hours.
DEMO_DATE = datetime.datetime(2026, 11, 23, 13, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
#: Where the demo's customers write from, as their contacts in ``ester.organisation.demo``.
RINKEBY = "rinkeby-kista.stockholm.example"
BROMMA = "bromma.stockholm.example"
AMINA = f"Amina Hassan <amina.hassan@{RINKEBY}>"
PER = f"Per Wallin <per.wallin@{BROMMA}>"
#: Stands for the number of the case the mailbox's first message made, in later subjects.
CASE = "{case}"


@dataclass(frozen=True)
class DemoMail:
    """One message of the demo: its UID in the mailbox and how long before the load it arrived."""

    uid: int
    minutes_ago: int
    sender: str
    subject: str
    body: str = ""
    pdf: tuple[str, tuple[str, ...]] | None = None  # file name, the lines on its one page
    headers: tuple[tuple[str, str], ...] = ()
    bounce_for: str = ""  # a delivery report: our mail to this address failed
    failure: Exception | None = None  # recorded as failed with this error, as the pipeline records one


_SIGNATURE_AMINA = "Med vänlig hälsning\nAmina Hassan\nEkonomihandläggare, Rinkeby-Kista stadsdelsförvaltning"

#: The demo's mail by the customer whose functional mailbox it reached, oldest first.
DEMO_MAIL: dict[str, list[DemoMail]] = {
    "Rinkeby-Kista stadsdelsförvaltning": [
        DemoMail(  # a new case with the invoice as a PDF
            1,
            185,
            AMINA,
            "Faktura 8812406 från Kontorsvaruhuset i Stockholm AB",
            "Hej!\n\nBifogat finns en pappersfaktura som kom till förvaltningen i fredags. "
            "Den är attesterad av enhetschefen på Rinkeby bibliotek.\n\n" + _SIGNATURE_AMINA,
            ("faktura-8812406.pdf", ("Kontorsvaruhuset i Stockholm AB", "Faktura 8812406", "Att betala: 4 312,50 kr")),
        ),
        DemoMail(  # a bounce: the address is marked, no case
            2,
            150,
            f"Mail Delivery System <MAILER-DAEMON@mx.{RINKEBY}>",
            "Undelivered Mail Returned to Sender",
            bounce_for=f"sara.lind@{RINKEBY}",
        ),
        DemoMail(  # the database was busy: in the intake error list, to be tried again
            3,
            120,
            f"Ingrid Eriksson <ingrid.eriksson@{RINKEBY}>",
            "Faktura 7730118 från Stadsgrönt Entreprenad AB",
            "Hej!\n\nFakturan gäller snöröjning vid Husby fritidsgård i november. Attesterad av enhetschefen.\n\nIngrid Eriksson",
            ("faktura-7730118.pdf", ("Stadsgrönt Entreprenad AB", "Faktura 7730118", "Att betala: 9 860,00 kr")),
            failure=OperationalError("database is locked"),
        ),
        DemoMail(  # an out-of-office answer to our mail: dropped, no case, no receipt
            4,
            95,
            f"Mikael Karlsson <mikael.karlsson@{RINKEBY}>",
            "Automatiskt svar: Komplettering behövs innan betalning",
            "Hej!\n\nJag är på utbildning hela veckan och läser inte e-post. "
            "Brådskande ekonomifrågor: kontakta Amina Hassan.\n\nMikael Karlsson, controller",
            headers=(("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")),
        ),
        DemoMail(  # the sender of the first case answers in it, by its number in the subject
            5,
            55,
            AMINA,
            f"Komplettering till ärende {CASE}: attest för faktura 8812406",
            "Hej!\n\nJag såg i kundportalen att attesten saknades. Här kommer den.\n\n" + _SIGNATURE_AMINA,
            ("attest-8812406.pdf", ("Attest faktura 8812406", "Beslutsattestant: enhetschef, Rinkeby bibliotek")),
        ),
        DemoMail(  # another customer's contact quotes the number: a new case, linked as a possible reply
            6,
            20,
            PER,
            f"SV: Faktura 8812406 från Kontorsvaruhuset i Stockholm AB ({CASE})",
            "Hej!\n\nVi på Bromma har fått en kopia av fakturan. Halva beloppet gäller vår beställning, "
            "så skicka gärna en interndebitering till oss i stället för att vi betalar en egen faktura.\n\n"
            "Hälsningar\nPer Wallin\nController, Bromma stadsdelsförvaltning",
        ),
    ],
    "Bromma stadsdelsförvaltning": [
        DemoMail(  # a new case that a rule routes (subject "kassarapport")
            1,
            165,
            PER,
            "Kassarapport kontantkassa, Bromma fritidsgård",
            "Hej!\n\nHär är kassarapporten för fritidsgårdens kontantkassa. Kvittona har vi kvar i original.\n\nPer Wallin",
            ("kassarapport.pdf", ("Kassarapport kontantkassa", "Bromma fritidsgård", "Utgående saldo: 1 250,00 kr")),
        ),
        DemoMail(
            2,
            70,
            f"Björn Jakobsson <bjorn.jakobsson@{BROMMA}>",
            "Faktura 3390415 från Vällingby Måleri AB",
            "Hej!\n\nFakturan gäller målning av förskolan Ekorren och är attesterad av förskolechefen.\n\nBjörn Jakobsson",
            ("faktura-3390415.pdf", ("Vällingby Måleri AB", "Faktura 3390415", "Att betala: 18 750,00 kr")),
        ),
    ],
}


def demo_pdf(*lines: str) -> bytes:
    """A one-page PDF (A4, Helvetica) showing ``lines``: a few hundred bytes, the same every time."""

    def shown(line: str) -> bytes:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + escaped.encode("cp1252") + b") Tj"

    stream = b"BT /F1 14 Tf 20 TL 72 760 Td " + b" T* ".join(shown(line) for line in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _local_part(address: str) -> str:
    return address.partition("@")[0]


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2]


def _date(item: DemoMail) -> str:
    """The Date header: sent a minute before it arrived, counted back from ``DEMO_DATE``."""
    return format_datetime(DEMO_DATE - datetime.timedelta(minutes=item.minutes_ago + 1))


def _message_id(address: str, item: DemoMail) -> str:
    return f"<demo.{_local_part(address)}.{item.uid}@{_domain(item.sender)}>"


def _bounce(address: str, item: DemoMail) -> bytes:
    """A delivery status notification (RFC 3464) as Postfix writes it, for a mail the mailbox
    sent to ``item.bounce_for``, an address that no longer exists."""
    recipient, mta, date = item.bounce_for, _domain(item.sender), _date(item)
    boundary = f"dsn.{_local_part(address)}.{item.uid}"
    text = f"""From: {item.sender}
To: {address}
Subject: {item.subject}
Date: {date}
Message-ID: {_message_id(address, item)}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"

--{boundary}
Content-Type: text/plain; charset=us-ascii

This is the mail system at host {mta}.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{recipient}>: host {mta} said: 550 5.1.1 User unknown

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; {mta}
Arrival-Date: {date}

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822; {recipient}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown

--{boundary}
Content-Type: text/rfc822-headers

From: {address}
To: {recipient}
Subject: =?utf-8?q?Komplettering_beh=C3=B6vs_innan_betalning?=
Message-ID: <demo.komplettering.{item.uid}@{_domain(address)}>

--{boundary}--
"""
    return text.replace("\n", "\r\n").encode("ascii")


def demo_message(address: str, item: DemoMail, case_number: str = "") -> bytes:
    """The bytes of one demo message to ``address``, the same at every load (fixed Message-ID,
    Date and MIME boundary); ``case_number`` is put where the subject quotes a case."""
    if item.bounce_for:
        return _bounce(address, item)
    message = EmailMessage()
    message["From"] = item.sender
    message["To"] = address
    message["Subject"] = item.subject.replace(CASE, case_number)
    message["Date"] = _date(item)
    message["Message-ID"] = _message_id(address, item)
    for name, value in item.headers:
        message[name] = value
    message.set_content(item.body)
    if item.pdf is not None:
        name, lines = item.pdf
        message.add_attachment(demo_pdf(*lines), maintype="application", subtype="pdf", filename=name)
        message.set_boundary(f"demo.{_local_part(address)}.{item.uid}")
    return message.as_bytes(policy=policy.SMTP)


@contextmanager
def _log_level(name: str, level: int) -> Iterator[None]:
    """Within the block, the logger ``name`` (and its children) logs at ``level`` and above only."""
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


def _record_failure(mailbox: Mailbox, item: DemoMail, raw: bytes, arrived: datetime.datetime) -> IncomingMessage:
    """Record ``item`` in state *fel* as ``pipeline.ingest`` records an unexpected error (the
    original stored, then ``pipeline.record_failure``), unless it is recorded already."""
    assert item.failure is not None
    sha256 = hashlib.sha256(raw).hexdigest()
    seen = pipeline.find_seen(mailbox, sha256=sha256, source=IMAP, uidvalidity=DEMO_UIDVALIDITY, uid=item.uid)
    if seen is not None:
        seen.already_seen = True
        return seen
    ctx = pipeline.Context(
        mailbox=mailbox,
        raw=raw,
        source=IMAP,
        uidvalidity=DEMO_UIDVALIDITY,
        uid=item.uid,
        arrived_at=arrived,
        receipts=False,
        sha256=sha256,
        mail=parse_message(raw),
    )
    ctx.raw_name = pipeline.store_raw(sha256, raw)
    with _log_level(pipeline.log.name, logging.CRITICAL):  # a staged error: no traceback in the demo's output
        return pipeline.record_failure(ctx, item.failure)


def _take_in(mailbox: Mailbox, item: DemoMail, raw: bytes, arrived: datetime.datetime) -> IncomingMessage:
    """``item`` through the pipeline (or recorded as failed), processed as it arrived."""
    with clock.frozen_at(arrived + datetime.timedelta(seconds=20)):
        if item.failure is not None:
            return _record_failure(mailbox, item, raw, arrived)
        return pipeline.ingest(
            mailbox, raw, source=IMAP, uidvalidity=DEMO_UIDVALIDITY, uid=item.uid, received_at=arrived, receipts=False
        )


@transaction.atomic
def load_demo_mail(now: datetime.datetime | None = None) -> int:
    """Take the demo's mail (``DEMO_MAIL``) into the Rinkeby-Kista and Bromma mailboxes through
    ``pipeline.ingest``, in the order it arrived in the hours before ``now`` (so case numbers
    follow time), as if polled over IMAP; returns how many messages were new.

    Idempotent: each message has its UID and fixed bytes, so a second load finds every one
    already recorded and changes nothing (a later subject quotes the number of the case the
    mailbox's first message made: the same number at every load). No receipt or other mail is
    queued, as for the demo's case history. A mailbox that received new mail gets a plausible
    poll status (last poll a few minutes before ``now``, no error)."""
    now = (now or clock.now()).replace(second=0, microsecond=0)
    mailboxes = {
        name: mailbox
        for name in DEMO_MAIL
        if (mailbox := Mailbox.objects.filter(customer__name=name).select_related("customer").order_by("address").first())
    }
    arrivals = sorted(
        ((item, mailboxes[name]) for name, items in DEMO_MAIL.items() if name in mailboxes for item in items),
        key=lambda pair: -pair[0].minutes_ago,
    )
    quoted: dict[int, str] = {}  # mailbox -> the number of its first message's case
    new: dict[int, int] = {}  # mailbox -> messages taken in now
    with clock.memoized(), clock.notifications_suppressed(), _log_level("ester.intake", logging.WARNING):
        for item, mailbox in arrivals:
            number = quoted.get(mailbox.pk, "")
            if CASE in item.subject and not number:
                continue  # the case it quotes was not made
            arrived = now - datetime.timedelta(minutes=item.minutes_ago)
            row = _take_in(mailbox, item, demo_message(mailbox.address, item, number), arrived)
            new[mailbox.pk] = new.get(mailbox.pk, 0) + (not row.already_seen)
            if item.uid == 1 and row.case is not None:
                quoted[mailbox.pk] = row.case.number
    polled = now - datetime.timedelta(minutes=2)
    Mailbox.objects.filter(pk__in=[pk for pk, count in new.items() if count], last_poll_at__isnull=True).update(
        last_poll_at=polled, last_success_at=polled, last_error="", messages_waiting=0
    )
    return sum(new.values())
