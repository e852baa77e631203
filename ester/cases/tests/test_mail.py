"""Mail out, against a real SMTP server on loopback (aiosmtpd): the acknowledgement,
return letters and replies threaded to the case, handler notices, sending once,
failing cleanly while the server is down, and identity numbers masked in subjects.
The outbox: the database stays free for others while the server answers, a claim
keeps a second run from sending, an expired claim is taken over with the same
Message-ID."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import socket
import threading
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from smtplib import SMTPRecipientsRefused
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, default_task_backend

from ester.cases import mail, services, tasks
from ester.cases.choices import CaseChannel, EventKind, LetterKind
from ester.cases.models import Case, CaseEvent, LetterTemplate, OutgoingMail
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
    """An aiosmtpd handler that keeps what it receives.

    ``refuse``: the answer to every RCPT (a refusal such as ``"550 …"``) instead of
    accepting it. ``hold``: while this event is not set, DATA waits before answering
    (``in_data`` is set once a mail has reached that point)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self.port = 0
        self.refuse: str | None = None
        self.hold: threading.Event | None = None
        self.in_data = threading.Event()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if self.refuse is not None:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.in_data.set()
        if self.hold is not None:
            await asyncio.to_thread(self.hold.wait, 30)
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
        if inbox.hold is not None:
            inbox.hold.set()
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


def outbox(case: Case) -> OutgoingMail:
    return OutgoingMail.objects.get(key=f"{mail.ACKNOWLEDGEMENT}:{case.pk}")


def unacknowledged(register: Any) -> Case:
    """A case registered without a receipt that now has a sender to acknowledge."""
    case = register(sender_email="")
    Case.objects.filter(pk=case.pk).update(sender_email=SENDER)
    case.sender_email = SENDER
    return case


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
        assert message_id is not None and message_id.startswith("<") and message_id.endswith("@serviceforvaltningen.example>")
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
        row = outbox(case)
        assert row.state == OutgoingMail.State.SENT and row.attempts == 1 and row.sent_at is not None
        assert row.message_id == sent_lines(case)[0].payload["message_id"] and row.claimed_until is None

    @pytest.mark.parametrize(
        "address", ["no-reply@leverantor.example", "noreply@x.example", "MAILER-DAEMON@x.example", "postmaster@x.example", ""]
    )
    def test_no_receipt_to_addresses_nobody_reads(self, smtp: Inbox, register: Any, address: str) -> None:
        case = register(sender_email=address)
        assert smtp.messages == []
        assert sent_lines(case) == []
        assert not OutgoingMail.objects.exists()

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
        reasons: list[Any] = [
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
        assert (header(second, "References") or "").split() == [header(ack, "Message-ID"), header(first, "Message-ID")]
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


@pytest.mark.django_db
class TestOutbox:
    def test_a_failed_mail_is_marked_and_sent_later_with_the_same_message_id(
        self, smtp: Inbox, register: Any, settings: Any
    ) -> None:
        case = unacknowledged(register)
        settings.EMAIL_PORT = free_port()  # nothing listens there
        with pytest.raises(ConnectionRefusedError):
            mail.deliver(case.pk, mail.acknowledgement)
        row = outbox(case)
        assert row.state == OutgoingMail.State.FAILED and row.attempts == 1 and row.claimed_until is None
        assert row.last_error.startswith("ConnectionRefusedError")
        assert sent_lines(case) == []

        settings.EMAIL_PORT = smtp.port
        assert mail.deliver(case.pk, mail.acknowledgement) == row.message_id
        [message] = smtp.messages
        assert header(message, "Message-ID") == row.message_id
        row.refresh_from_db()
        assert row.state == OutgoingMail.State.SENT and row.attempts == 2 and row.last_error == ""
        [line] = sent_lines(case)
        assert line.payload["message_id"] == row.message_id

    def test_the_error_kept_masks_identity_numbers(self, smtp: Inbox, register: Any) -> None:
        case = unacknowledged(register)
        smtp.refuse = f"550 5.1.1 Mottagaren {TEST_PERSONNUMMER} finns inte"
        with pytest.raises(SMTPRecipientsRefused):
            mail.deliver(case.pk, mail.acknowledgement)
        row = outbox(case)
        assert row.state == OutgoingMail.State.FAILED
        assert "121212-****" in row.last_error and "1212-1212" not in row.last_error
        assert len(row.last_error) <= mail.MAX_ERROR_LENGTH
        assert sent_lines(case) == []

    def test_a_live_claim_keeps_another_run_from_sending(self, smtp: Inbox, register: Any) -> None:
        case = unacknowledged(register)
        claimed_until = timezone.now() + datetime.timedelta(minutes=1)
        OutgoingMail.objects.create(
            case=case,
            key=f"{mail.ACKNOWLEDGEMENT}:{case.pk}",
            kind=mail.ACKNOWLEDGEMENT,
            message_id="<first-claim@serviceforvaltningen.example>",
            to=SENDER,
            subject="Vi har tagit emot ert ärende",
            claimed_until=claimed_until,
            attempts=1,
        )
        assert mail.deliver(case.pk, mail.acknowledgement) is None
        assert smtp.messages == [] and sent_lines(case) == []
        row = outbox(case)
        assert row.state == OutgoingMail.State.SENDING and row.attempts == 1 and row.claimed_until == claimed_until

    def test_an_expired_claim_is_taken_over_with_the_same_message_id(self, smtp: Inbox, register: Any) -> None:
        """The run that claimed it died (perhaps after the server took the mail): send again, as the same mail."""
        case = unacknowledged(register)
        OutgoingMail.objects.create(
            case=case,
            key=f"{mail.ACKNOWLEDGEMENT}:{case.pk}",
            kind=mail.ACKNOWLEDGEMENT,
            message_id="<first-claim@serviceforvaltningen.example>",
            to=SENDER,
            subject="Vi har tagit emot ert ärende",
            claimed_until=timezone.now() - datetime.timedelta(seconds=1),
            attempts=1,
        )
        assert mail.deliver(case.pk, mail.acknowledgement) == "<first-claim@serviceforvaltningen.example>"
        [message] = smtp.messages
        assert header(message, "Message-ID") == "<first-claim@serviceforvaltningen.example>"
        row = outbox(case)
        assert row.state == OutgoingMail.State.SENT and row.attempts == 2 and row.claimed_until is None
        [line] = sent_lines(case)
        assert line.payload["message_id"] == "<first-claim@serviceforvaltningen.example>"

    def test_a_mail_on_the_timeline_from_before_the_outbox_is_not_sent_again(self, smtp: Inbox, register: Any) -> None:
        case = unacknowledged(register)
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.MESSAGE_OUT,
            at=timezone.now(),
            text=f"E-post skickad till {SENDER}",
            payload={"mail": mail.ACKNOWLEDGEMENT, "mail_key": f"{mail.ACKNOWLEDGEMENT}:{case.pk}", "message_id": "<old@x>"},
        )
        assert mail.deliver(case.pk, mail.acknowledgement) is None
        assert smtp.messages == [] and not OutgoingMail.objects.exists()

    def test_customer_contacts_never_see_the_outbox(self, smtp: Inbox, register: Any, city: Any) -> None:
        case = register()
        row = outbox(case)
        assert list(OutgoingMail.objects.visible_to(city.handler)) == [row]
        assert not OutgoingMail.objects.visible_to(city.contact_x).exists()
        assert not OutgoingMail.objects.visible_to(city.handler_b).exists()


class Delivery:
    """``mail.deliver`` in another thread, with its own database connection (as a second worker)."""

    def __init__(self, case_id: int) -> None:
        self.results: list[str | None] = []
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(case_id,), daemon=True)
        self.thread.start()

    def _run(self, case_id: int) -> None:
        try:
            self.results.append(mail.deliver(case_id, mail.acknowledgement))
        except BaseException as exc:
            self.errors.append(exc)
        finally:
            connections.close_all()

    def result(self) -> str | None:
        self.thread.join(30)
        assert not self.thread.is_alive() and self.errors == []
        [result] = self.results
        return result


@contextlib.contextmanager
def write_without_waiting() -> Iterator[None]:
    """A transaction that gives up after a second when it has to wait for a lock (not after 20 s)."""
    if connection.vendor == "sqlite":  # the write lock is taken at BEGIN IMMEDIATE, so before it
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 1000")
        try:
            with transaction.atomic():
                yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 20000")
    else:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            yield


@pytest.mark.django_db(transaction=True)
class TestWhileTheServerAnswers:
    """A worker's delivery is held inside DATA (the server has not answered yet)."""

    def test_the_case_and_the_database_stay_free_for_others(self, smtp: Inbox, register: Any, city: Any) -> None:
        case = unacknowledged(register)
        smtp.hold = threading.Event()
        delivery = Delivery(case.pk)
        assert smtp.in_data.wait(10)

        with write_without_waiting():  # "database is locked" / lock timeout if the delivery held a lock
            locked = Case.objects.select_for_update().get(pk=case.pk)
            locked.priority = 1
            locked.save(update_fields=["priority"])
            CaseEvent.objects.create(case=locked, kind=EventKind.NOTE, at=timezone.now(), internal=True, text="Medan posten går")
        row = outbox(case)
        assert row.state == OutgoingMail.State.SENDING and row.claimed_until is not None and row.claimed_until > timezone.now()

        smtp.hold.set()
        assert delivery.result() == row.message_id
        row.refresh_from_db()
        assert row.state == OutgoingMail.State.SENT
        assert len(smtp.messages) == 1 and len(sent_lines(case)) == 1

    def test_a_second_run_of_the_same_mail_sends_nothing(self, smtp: Inbox, register: Any) -> None:
        case = unacknowledged(register)
        smtp.hold = threading.Event()
        delivery = Delivery(case.pk)
        assert smtp.in_data.wait(10)

        assert mail.deliver(case.pk, mail.acknowledgement) is None
        again = tasks.send_acknowledgement.enqueue(case.pk)
        assert again.status == TaskResultStatus.SUCCESSFUL and again.return_value is None

        smtp.hold.set()
        message_id = delivery.result()
        [message] = smtp.messages
        assert header(message, "Message-ID") == message_id
        assert len(sent_lines(case)) == 1
        assert outbox(case).attempts == 1
