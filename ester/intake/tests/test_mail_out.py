"""Mail out as intake needs it, against a real SMTP server on loopback (aiosmtpd, the
fixtures of ``ester/cases/tests/test_mail.py``): every mail carries ``X-Ester-Mail`` so
our own mail coming back is a loop, and a mail to an address that bounced permanently
is not sent — the outbox row says *skipped* and the handler gets an internal note."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus

from ester.cases import mail, services, tasks
from ester.cases.choices import EventKind
from ester.cases.models import Case, CaseEvent, OutgoingMail
from ester.cases.tests.test_mail import SENDER, Inbox, header
from ester.cases.tests.test_mail import case_type as case_type  # a fixture
from ester.cases.tests.test_mail import register as register  # a fixture
from ester.cases.tests.test_mail import smtp as smtp  # a fixture
from ester.intake.models import BouncedAddress, IncomingMessage
from ester.intake.pipeline import ingest
from ester.intake.selectors import BOUNCE_DAYS, is_bounced
from ester.intake.tests.factories import MailboxFactory, bounce

State = IncomingMessage.State


def bounced(address: str, days_ago: float = 3, status: str = "5.1.1") -> BouncedAddress:
    at = timezone.now() - datetime.timedelta(days=days_ago)
    return BouncedAddress.objects.create(
        address=address, last_status=status, last_reason="User unknown", first_bounced_at=at, last_bounced_at=at
    )


def notes(case: Case) -> list[CaseEvent]:
    return list(case.events.filter(kind=EventKind.NOTE).order_by("at", "id"))


@pytest.fixture
def reply(city: Any, django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[[Case, str], CaseEvent]:
    """A handler's reply, sent by the task after the commit."""

    def _reply(case: Case, text: str = "Hej! Fakturan är betald.") -> CaseEvent:
        with django_capture_on_commit_callbacks(execute=True):
            return services.case_reply(actor=city.handler, case=case, text=text)

    return _reply


@pytest.mark.django_db
class TestOwnHeader:
    def test_every_mail_carries_its_key(self, smtp: Inbox, register: Any, reply: Any) -> None:
        case = register()
        event = reply(case)
        receipt, answer = smtp.messages
        assert header(receipt, "X-Ester-Mail") == f"{mail.ACKNOWLEDGEMENT}:{case.pk}"
        assert header(answer, "X-Ester-Mail") == f"{mail.REPLY}:{event.pk}"
        assert OutgoingMail.objects.filter(key=f"{mail.REPLY}:{event.pk}", state=OutgoingMail.State.SENT).exists()

    def test_our_mail_coming_back_is_a_loop_because_of_the_header(
        self, smtp: Inbox, register: Any, reply: Any, city: Any, settings: Any, tmp_path: Any
    ) -> None:
        settings.MEDIA_ROOT = tmp_path
        case = register()
        reply(case)
        answer = smtp.messages[1]
        # As a forwarding rule sends it back: the customer's From, no robot headers, a new Message-ID.
        answer.replace_header("From", f"Kim Kontakt <{SENDER}>")
        answer.replace_header("Message-ID", "<vidarebefordrat-1@rinkeby.example.se>")
        mailbox = MailboxFactory(customer=city.customer_x, default_case_type=case.case_type)
        row = ingest(mailbox, answer.as_bytes(), source=IncomingMessage.Source.IMAP)
        assert row.state == State.LOOP and row.case is None
        # The same mail without the header is the customer's reply in the case (it is threaded).
        del answer["X-Ester-Mail"]
        answer.replace_header("Message-ID", "<vidarebefordrat-2@rinkeby.example.se>")
        city.contact_person_x.email = SENDER
        city.contact_person_x.save(update_fields=["email"])
        row = ingest(mailbox, answer.as_bytes(), source=IncomingMessage.Source.IMAP)
        assert row.state == State.THREADED and row.case == case


@pytest.mark.django_db
class TestBouncedAddresses:
    def test_a_mail_to_a_bounced_address_is_skipped_and_the_handler_told(self, smtp: Inbox, register: Any) -> None:
        bounced(SENDER, days_ago=3)
        case = register()
        assert smtp.messages == []
        row = OutgoingMail.objects.get(key=f"{mail.ACKNOWLEDGEMENT}:{case.pk}")
        assert row.state == OutgoingMail.State.SKIPPED and row.to == SENDER and row.attempts == 0
        assert row.last_error == "5.1.1 User unknown"
        [note] = notes(case)
        day = timezone.localdate(timezone.now() - datetime.timedelta(days=3)).isoformat()
        assert note.internal and note.actor is None
        assert note.text.startswith(f"E-post till {SENDER} skickas inte: adressen studsade senast {day} (5.1.1).")
        assert f"[{case.number}]" in note.text  # the subject of the mail that was not sent
        assert not case.events.filter(kind=EventKind.MESSAGE_OUT).exists()

    def test_running_the_task_again_sends_nothing_and_notes_once(self, smtp: Inbox, register: Any) -> None:
        bounced(SENDER)
        case = register()
        again = tasks.send_acknowledgement.enqueue(case.pk)
        assert again.status == TaskResultStatus.SUCCESSFUL and again.return_value is None
        assert smtp.messages == [] and len(notes(case)) == 1

    def test_the_address_is_compared_without_case(self, smtp: Inbox, register: Any) -> None:
        bounced(SENDER)
        case = register(sender_email=SENDER.upper())
        assert smtp.messages == [] and len(notes(case)) == 1
        assert is_bounced(SENDER.upper())

    def test_a_bounce_older_than_the_limit_no_longer_stops_mail(self, smtp: Inbox, register: Any) -> None:
        bounced(SENDER, days_ago=BOUNCE_DAYS + 1)
        case = register()
        assert len(smtp.messages) == 1 and not notes(case)
        assert OutgoingMail.objects.get(case=case).state == OutgoingMail.State.SENT

    def test_a_skipped_mail_goes_out_once_the_address_is_cleared(self, smtp: Inbox, register: Any) -> None:
        row = bounced(SENDER)
        case = register()
        skipped = OutgoingMail.objects.get(case=case)
        row.delete()  # the customer confirmed the address; the handler asks for the receipt again
        tasks.send_acknowledgement.enqueue(case.pk)
        [message] = smtp.messages
        sent = OutgoingMail.objects.get(case=case)
        assert sent.state == OutgoingMail.State.SENT and header(message, "Message-ID") == skipped.message_id

    def test_other_recipients_are_not_affected(self, smtp: Inbox, register: Any) -> None:
        bounced("someone.else@rinkeby.example.se")
        register()
        assert len(smtp.to(SENDER)) == 1

    def test_a_bounce_read_by_intake_stops_the_next_reply(
        self, smtp: Inbox, register: Any, reply: Any, city: Any, settings: Any, tmp_path: Any
    ) -> None:
        """End to end: the receipt bounces, intake reads the report, the handler's reply is not sent."""
        settings.MEDIA_ROOT = tmp_path
        case = register()
        [receipt] = smtp.messages
        mailbox = MailboxFactory(customer=city.customer_x, default_case_type=case.case_type)
        report = bounce(recipient=SENDER, original_message_id=header(receipt, "Message-ID") or "")
        assert ingest(mailbox, report, source=IncomingMessage.Source.IMAP).state == State.BOUNCE
        assert BouncedAddress.objects.filter(address=SENDER).exists()
        event = reply(case)
        assert len(smtp.messages) == 1  # only the receipt
        assert OutgoingMail.objects.get(key=f"{mail.REPLY}:{event.pk}").state == OutgoingMail.State.SKIPPED
        texts = [n.text for n in notes(case)]
        assert any("kunde inte levereras" in t for t in texts)  # intake's note about the bounce
        assert any(t.startswith(f"E-post till {SENDER} skickas inte") for t in texts)
