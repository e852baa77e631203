"""Mailboxes and mail as it arrives: plain messages with attachments, replies,
auto-replies and delivery status notifications, built with the standard library
and returned as the bytes a mail server would hand over."""

from __future__ import annotations

import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import factory

from ester.intake.models import Mailbox, MailboxRule

OUR_DOMAIN = "serviceforvaltningen.example"

#: The smallest file every check takes for a PDF.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class MailboxFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mailbox
        django_get_or_create = ("address",)

    address = factory.Sequence(lambda n: f"brevlada{n}@{OUR_DOMAIN}")
    name = factory.Sequence(lambda n: f"Brevlåda {n}")
    customer = None
    default_process = factory.LazyAttribute(lambda o: o.default_case_type.process if o.default_case_type else None)
    default_case_type = None
    imap_host = "127.0.0.1"
    imap_port = 1143
    imap_security = Mailbox.Security.NONE
    imap_user = factory.LazyAttribute(lambda o: o.address)
    secret_env = "ESTER_TEST_IMAP_PASSWORD"


class MailboxRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MailboxRule

    mailbox = factory.SubFactory(MailboxFactory)
    order = factory.Sequence(lambda n: n)
    field = MailboxRule.Field.SUBJECT
    pattern = "påminnelse"


def message_id(domain: str = "kund.example") -> str:
    return make_msgid(domain=domain)


def mail(
    *,
    sender: str = "Kim Kontakt <kim@rinkeby.example>",
    to: str = f"ekonomi@{OUR_DOMAIN}",
    subject: str = "Faktura 4711 att betala",
    body: str = "Hej!\n\nBifogat finns fakturan från Kontorsvaror AB.\n\nKim",
    msgid: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    date: datetime.datetime | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    headers: dict[str, str] | None = None,
) -> bytes:
    """A message as a mail client sends it: text body, optional attachments (name, MIME type, bytes)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date or datetime.datetime(2026, 3, 2, 9, 15, tzinfo=datetime.UTC))
    message["Message-ID"] = msgid or message_id()
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = " ".join(references)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, content_type, data in attachments:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(message)


def auto_reply(*, sender: str = "Kim Kontakt <kim@rinkeby.example>", **kwargs: Any) -> bytes:
    """An out-of-office answer (RFC 3834)."""
    headers = {"Auto-Submitted": "auto-replied", "X-Autoreply": "yes", **kwargs.pop("headers", {})}
    return mail(
        sender=sender,
        subject="Frånvaro: Faktura 4711 att betala",
        body="Jag är på semester till 1 augusti.",
        headers=headers,
        **kwargs,
    )


def bounce(*, recipient: str, original_message_id: str, status: str = "5.1.1", action: str = "failed") -> bytes:
    """A delivery status notification (RFC 3464) for a mail of ours, as Postfix writes it."""
    boundary = "dsn-boundary-4711"
    text = f"""From: Mail Delivery System <MAILER-DAEMON@mx.rinkeby.example>
To: ester@{OUR_DOMAIN}
Subject: Undelivered Mail Returned to Sender
Date: Mon, 02 Mar 2026 10:00:00 +0000
Message-ID: {message_id("mx.rinkeby.example")}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"

--{boundary}
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.rinkeby.example.

<{recipient}>: host said: 550 {status} User unknown

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.rinkeby.example
Arrival-Date: Mon, 2 Mar 2026 10:00:00 +0000

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 {status} <{recipient}>: Recipient address rejected: User unknown

--{boundary}
Content-Type: text/rfc822-headers

From: ester@{OUR_DOMAIN}
To: {recipient}
Subject: Vi har tagit emot ert arende
Message-ID: {original_message_id}

--{boundary}--
"""
    return text.replace("\n", "\r\n").encode("ascii")
