"""Mail out, against a real SMTP server on loopback (aiosmtpd): the acknowledgement,
return letters and replies threaded to the case, handler notices, sending once,
failing cleanly while the server is down, and identity numbers masked in subjects."""

from __future__ import annotations

import datetime
import socket
import threading
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django_tasks import TaskResultStatus, default_task_backend

from ester.cases import mail, services, tasks
from ester.cases.choices import CaseChannel, EventKind, LetterKind
from ester.cases.models import Case, CaseEvent, LetterTemplate
from ester.cases.tests.factories import CaseTypeFactory, ReturnReasonFactory

STHLM = ZoneInfo("Europe/Stockholm")
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DEFERRING = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
SENDER = "kim.kontakt@rinkeby.example.se"
TEST_PERSONNUMMER = "19121212-1212"  # Skatteverket's test number: valid check digit


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [message for _rcpt, message in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [message for rcpt, message in self.received if address in rcpt]


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 and Django's SMTP backend pointed at it; tasks run inline."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "ester@serviceforvaltningen.example"
    settings.TASKS = IMMEDIATE
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def case_type(city: Any) -> Any:
    city.team_a.email = "team-a@serviceforvaltningen.example"
    city.team_a.save(update_fields=["email"])
    return CaseTypeFactory(process=city.process, code="LEVMAN", name="Manuell leverantörsfaktura", resolution_hours=16)


@pytest.fixture
def register(city: Any, case_type: Any, django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Case]:
    """Register a case and run what it schedules after commit (the acknowledgement task)."""

    def _register(**kwargs: Any) -> Case:
        defaults = {
            "actor": city.handler,
            "customer": city.customer_x,
            "case_type": case_type,
            "channel": CaseChannel.EMAIL,
            "sender_name": "Kim Kontakt",
            "sender_email": SENDER,
            "subject": "Faktura 4711 att betala",
            "received_at": datetime.datetime(2026, 4, 1, 10, 0, tzinfo=STHLM),
        }
        with django_capture_on_commit_callbacks(execute=True):
            return services.case_register(**{**defaults, **kwargs})

    return _register


def subject(message: EmailMessage) -> str:
    """The decoded subject (Django folds an encoded subject onto its own line; unfold it)."""
    return " ".join(str(message["Subject"]).split())


def header(message: EmailMessage, name: str) -> str | None:
    """A header's value, unfolded (long Message-IDs are folded onto their own line)."""
    value = message[name]
    return None if value is None else " ".join(str(value).split())


def sent_lines(case: Case) -> list[CaseEvent]:
    return list(case.events.filter(kind=EventKind.MESSAGE_OUT, payload__has_key="mail_key").order_by("at", "id"))


@pytest.mark.django_db
class TestAcknowledgement:
    def test_one_receipt_with_number_headers_and_timeline_line(self, smtp: Inbox, register: Any, city: Any) -> None:
        case = register()
        assert len(smtp.messages) == 1
        message = smtp.messages[0]
        assert subject(message) == f"[{case.number}] Vi har tagit emot ert ärende: Faktura 4711 att betala"
        assert case.number == "EK-2026-000001"
        assert message["To"] == SENDER and smtp.to(SENDER)
        assert message["From"] == "ester@serviceforvaltningen.example"
        assert message["Reply-To"] == "team-a@serviceforvaltningen.example"
        assert message["Auto-Submitted"] == "auto-replied"
        message_id = header(message, "Message-ID")
        assert message_id.startswith("<") and message_id.endswith("@serviceforvaltningen.example>")
        assert header(message, "In-Reply-To") is None
        body = message.get_content()
        assert case.number in body
        assert "2026-04-01 kl. 10:00" in body  # received, Stockholm time
        assert "Team A" in body and "08-508 11 000" in body  # team and group phone

        [line] = sent_lines(case)
        assert not line.internal
        assert line.payload["message_id"] == message_id and line.payload["mail"] == mail.ACKNOWLEDGEMENT
        assert SENDER in line.text

    def test_a_task_run_twice_sends_once(self, smtp: Inbox, register: Any) -> None:
        case = register()
        again = tasks.send_acknowledgement.enqueue(case.pk)
        assert again.status == TaskResultStatus.SUCCESSFUL and again.return_value is None
        assert len(smtp.messages) == 1
        assert len(sent_lines(case)) == 1

    @pytest.mark.parametrize(
        "address", ["no-reply@leverantor.example", "noreply@x.example", "MAILER-DAEMON@x.example", "postmaster@x.example", ""]
    )
    def test_no_receipt_to_addresses_nobody_reads(self, smtp: Inbox, register: Any, address: str) -> None:
        case = register(sender_email=address)
        assert smtp.messages == []
        assert sent_lines(case) == []

    def test_the_acknowledgement_template_is_used_when_configured(self, smtp: Inbox, register: Any, city: Any) -> None:
        LetterTemplate.objects.create(
            process=city.process,
            kind=LetterKind.ACKNOWLEDGEMENT,
            subject="Mottaget: {{ rubrik }}",
            body="Ärende {{ arendenummer }} inkom {{ inkom }} till {{ team }} ({{ gruppnummer }}).",
        )
        case = register()
        [message] = smtp.messages
        assert subject(message) == f"[{case.number}] Mottaget: Faktura 4711 att betala"
        assert message.get_content().strip() == f"Ärende {case.number} inkom 2026-04-01 kl. 10:00 till Team A (08-508 11 000)."

    def test_identity_numbers_are_masked_in_the_subject(self, smtp: Inbox, register: Any) -> None:
        case = register(subject=f"Lönekorrigering {TEST_PERSONNUMMER} mars")
        [message] = smtp.messages
        assert subject(message) == f"[{case.number}] Vi har tagit emot ert ärende: Lönekorrigering 121212-**** mars"
        assert "1212-1212" not in message.as_string()
        assert sent_lines(case)[0].payload["subject"].endswith("121212-**** mars")
        assert case.subject.endswith(f"{TEST_PERSONNUMMER} mars")  # the record keeps what was sent in

    def test_a_secret_case_does_not_repeat_its_subject(self, smtp: Inbox, register: Any) -> None:
        case = register(subject="Skyddad identitet", secret=True)
        [message] = smtp.messages
        assert subject(message) == f"[{case.number}] Vi har tagit emot ert ärende"
        assert "Skyddad identitet" not in message.as_string()


@pytest.mark.django_db
class TestSmtpDown:
    def test_the_task_fails_marks_nothing_and_can_be_run_again(self, smtp: Inbox, register: Any, settings: Any) -> None:
        settings.EMAIL_PORT = free_port()  # nothing listens there
        case = register()
        assert smtp.messages == []
        assert sent_lines(case) == []
        failed = tasks.send_acknowledgement.enqueue(case.pk)
        assert failed.status == TaskResultStatus.FAILED
        assert failed.errors[0].exception_class_path == "builtins.ConnectionRefusedError"
        assert sent_lines(case) == []

        settings.EMAIL_PORT = smtp.port
        retried = tasks.send_acknowledgement.enqueue(case.pk)
        assert retried.status == TaskResultStatus.SUCCESSFUL
        assert len(smtp.messages) == 1 and len(sent_lines(case)) == 1

    def test_a_deferring_backend_gets_the_next_attempt_scheduled(self, smtp: Inbox, register: Any, settings: Any) -> None:
        case = register(sender_email="")  # registered without a receipt; now the server goes down
        case.sender_email = SENDER
        case.save(update_fields=["sender_email"])
        settings.EMAIL_PORT = free_port()
        settings.TASKS = DEFERRING
        with pytest.raises(ConnectionRefusedError):
            tasks.send_acknowledgement.call(case.pk)
        [scheduled] = default_task_backend.results  # type: ignore[attr-defined]
        assert scheduled.args == [case.pk] and scheduled.kwargs == {"attempt": 2}
        assert scheduled.task.run_after is not None
        assert sent_lines(case) == []


@pytest.mark.django_db
class TestLettersAndReplies:
    def test_return_letter_is_threaded_to_the_acknowledgement(
        self, smtp: Inbox, register: Any, city: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        case = register()
        ack_id = header(smtp.messages[0], "Message-ID")
        reasons = [
            ReturnReasonFactory(code="ATTEST", text="Attest saknas"),
            ReturnReasonFactory(code="FFD", text="Förfallodatum saknas"),
        ]
        with django_capture_on_commit_callbacks(execute=True):
            services.case_return_for_completion(actor=city.handler, case=case, reasons=reasons)
        assert len(smtp.messages) == 2
        letter = smtp.messages[1]
        assert subject(letter).startswith(f"[{case.number}] ")
        assert header(letter, "In-Reply-To") == ack_id
        assert header(letter, "References") == ack_id
        assert letter["Auto-Submitted"] is None
        body = letter.get_content()
        assert "Attest saknas" in body and "Förfallodatum saknas" in body and "08-508 11 000" in body
        line = sent_lines(case)[-1]
        assert not line.internal and line.payload["mail"] == mail.RETURN_LETTER
        assert line.payload["message_id"] == header(letter, "Message-ID") and line.actor == city.handler
        # run again: nothing more
        tasks.send_return_letter.enqueue(case.return_requests.get().pk)
        assert len(smtp.messages) == 2

    def test_reply_references_everything_before_it(
        self, smtp: Inbox, register: Any, city: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        case = register()
        with django_capture_on_commit_callbacks(execute=True):
            services.case_reply(actor=city.handler, case=case, text=f"Fakturan är betald. Gäller {TEST_PERSONNUMMER}.")
        with django_capture_on_commit_callbacks(execute=True):
            services.case_reply(actor=city.handler, case=case, text="En sak till.")
        ack, first, second = smtp.messages
        assert subject(first) == f"[{case.number}] Svar: Faktura 4711 att betala"
        assert header(first, "In-Reply-To") == header(ack, "Message-ID")
        assert header(second, "In-Reply-To") == header(first, "Message-ID")
        assert header(second, "References").split() == [header(ack, "Message-ID"), header(first, "Message-ID")]
        assert "121212-****" in first.get_content() and TEST_PERSONNUMMER not in first.as_string()
        assert "Team A" in first.get_content()


@pytest.mark.django_db
class TestAssignmentNotice:
    def test_handler_is_told_when_someone_else_assigns(
        self, smtp: Inbox, register: Any, city: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        case = register(sender_email="")
        with django_capture_on_commit_callbacks(execute=True):
            services.case_assign(actor=city.unit_manager, case=case, assignee=city.handler)
        [notice] = smtp.to(city.handler.email)
        assert subject(notice) == f"[{case.number}] Tilldelat dig: Faktura 4711 att betala"
        assert notice["Auto-Submitted"] == "auto-generated"
        assert case.number in notice.get_content()
        [line] = sent_lines(case)
        assert line.internal and line.payload["mail"] == mail.ASSIGNMENT

    def test_no_notice_when_handlers_take_it_themselves(
        self, smtp: Inbox, register: Any, city: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        case = register(sender_email="")
        with django_capture_on_commit_callbacks(execute=True):
            services.case_assign(actor=city.handler, case=case, assignee=city.handler)
        with django_capture_on_commit_callbacks(execute=True):
            services.case_take_next(actor=city.handler_b, teams=[city.team_a])
        assert smtp.messages == []

    def test_no_notice_when_the_case_went_to_someone_else_meanwhile(self, smtp: Inbox, register: Any, city: Any) -> None:
        case = register(sender_email="")
        services.case_assign(actor=city.unit_manager, case=case, assignee=city.handler)
        services.case_assign(actor=city.unit_manager, case=case, assignee=None)
        tasks.notify_assignee.enqueue(case.pk, city.handler.pk, None)
        assert smtp.messages == []
