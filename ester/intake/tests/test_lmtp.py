"""Mail delivered over LMTP (and SMTP) to the listener (``ester.intake.lmtp``) on loopback,
with the standard library's client: a case per message, 250 only after the commit,
550 for an unknown recipient, 552 over the size limit, 451 when the database is down."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command

from ester.cases.models import Case
from ester.cases.tests.factories import CaseTypeFactory
from ester.intake.lmtp import Receiver
from ester.intake.models import IncomingMessage
from ester.intake.tests.conftest import WriteLock
from ester.intake.tests.factories import PDF, MailboxFactory, mail

pytestmark = pytest.mark.django_db(transaction=True)  # the listener takes mail in a thread of its own

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
BROMMA = "ekonomi.bromma@serviceforvaltningen.example"
KISTA = "ekonomi.kista@serviceforvaltningen.example"
SENDER = "kim@rinkeby.example"


@pytest.fixture
def world(city: Any, settings: Any, tmp_path: Any) -> SimpleNamespace:
    settings.MEDIA_ROOT = tmp_path
    settings.DEFAULT_FROM_EMAIL = "ester@serviceforvaltningen.example"
    settings.TASKS = DUMMY
    case_type = CaseTypeFactory(process=city.process, code="LEV-MANUELL", name="Manuell leverantörsfaktura")
    bromma = MailboxFactory(address=BROMMA, customer=city.customer_y, default_case_type=case_type, imap_host="")
    kista = MailboxFactory(address=KISTA, customer=city.customer_x, default_case_type=case_type, imap_host="")
    MailboxFactory(address="avstangd@serviceforvaltningen.example", customer=city.customer_x, active=False)
    return SimpleNamespace(city=city, bromma=bromma, kista=kista)


@pytest.fixture
def lmtp() -> Iterator[Receiver]:
    with Receiver("127.0.0.1", 0) as receiver:
        yield receiver


@pytest.fixture
def smtp_receiver() -> Iterator[Receiver]:
    with Receiver("127.0.0.1", 0, lmtp=False, max_size=200_000) as receiver:
        yield receiver


def invoice(subject: str = "Faktura 4711 från Kontorsvaror AB") -> bytes:
    """A message as a mail server relays it: lines end in CRLF."""
    raw = mail(to=BROMMA, subject=subject, attachments=[("faktura.pdf", "application/pdf", PDF)])
    return raw.replace(b"\n", b"\r\n")


def test_a_message_delivered_over_lmtp_becomes_a_case(world: SimpleNamespace, lmtp: Receiver) -> None:
    raw = invoice()
    with smtplib.LMTP("127.0.0.1", lmtp.port) as client:
        refused = client.sendmail(SENDER, [BROMMA.upper()], raw)  # the address is found whatever its case

    assert refused == {}
    row = IncomingMessage.objects.get()
    assert (row.source, row.state, row.mailbox_id) == (
        IncomingMessage.Source.SMTP,
        IncomingMessage.State.PROCESSED,
        world.bromma.pk,
    )
    assert row.case is not None and row.case.customer == world.city.customer_y
    with row.raw.open("rb") as file:
        assert file.read() == raw  # byte for byte as it came


def test_one_reply_per_recipient_and_a_second_delivery_changes_nothing(world: SimpleNamespace, lmtp: Receiver) -> None:
    raw = invoice()
    with smtplib.LMTP("127.0.0.1", lmtp.port) as client:
        client.ehlo_or_helo_if_needed()
        client.mail(SENDER)
        assert client.rcpt(BROMMA)[0] == 250
        assert client.rcpt(KISTA)[0] == 250
        first = client.data(raw)  # LMTP answers once per recipient (smtplib reads the first)
        second = client.getreply()
        assert first[0] == 250 and BROMMA.encode() in first[1]
        assert second[0] == 250 and KISTA.encode() in second[1]

        client.sendmail(SENDER, [BROMMA], raw)  # the same bytes again: recognised, nothing new

    assert {r.mailbox_id for r in IncomingMessage.objects.all()} == {world.bromma.pk, world.kista.pk}
    assert Case.objects.count() == 2


def test_an_unknown_or_inactive_recipient_is_refused(world: SimpleNamespace, lmtp: Receiver) -> None:
    with smtplib.LMTP("127.0.0.1", lmtp.port) as client:
        client.ehlo_or_helo_if_needed()
        client.mail(SENDER)
        assert client.rcpt("finns.inte@serviceforvaltningen.example") == (550, b"5.1.1 Okand mottagare (unknown recipient)")
        assert client.rcpt("avstangd@serviceforvaltningen.example")[0] == 550
        client.rset()
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail(SENDER, ["finns.inte@serviceforvaltningen.example"], invoice())
    assert not IncomingMessage.objects.exists()


def test_smtp_and_the_size_limit(world: SimpleNamespace, smtp_receiver: Receiver) -> None:
    with smtplib.SMTP("127.0.0.1", smtp_receiver.port) as client:
        assert client.sendmail(SENDER, [BROMMA, KISTA], invoice()) == {}
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:  # SIZE announced: refused before DATA
            client.sendmail(SENDER, [BROMMA], invoice() + b"x" * 300_000)
        assert refused.value.smtp_code == 552
    assert Case.objects.count() == 2


def test_a_database_outage_answers_451_and_makes_no_case(world: SimpleNamespace, lmtp: Receiver, write_lock: WriteLock) -> None:
    write_lock.take()
    try:
        with smtplib.LMTP("127.0.0.1", lmtp.port) as client:
            client.ehlo_or_helo_if_needed()
            client.mail(SENDER)
            client.rcpt(BROMMA)
            code, text = client.data(invoice())
    finally:
        write_lock.release()

    assert code == 451 and text.startswith(b"4.3.0")  # temporary: the sending server keeps it and tries again
    assert not IncomingMessage.objects.exists() and not Case.objects.exists()
    with smtplib.LMTP("127.0.0.1", lmtp.port) as client:  # the retry, once the database is back
        assert client.sendmail(SENDER, [BROMMA], invoice()) == {}
    assert Case.objects.count() == 1


def test_receive_mail_command_reports_a_port_in_use(lmtp: Receiver) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Kan inte lyssna"):
        call_command("receive_mail", host="127.0.0.1", port=lmtp.port)
