"""The intake pipeline on the real database: a new case from a mail with its original and
attachments, exactly once (by UID, by bytes, by Message-ID on import), threading into the
customer's own case only, robots dropped, bounces noted, unknown senders quarantined with
the original kept, receipts rate-limited, and a failure that leaves nothing half-done."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django_tasks import default_task_backend

from ester.cases import services
from ester.cases.choices import CaseChannel, CaseStatus, EventKind, LinkKind
from ester.cases.mail import ACKNOWLEDGEMENT
from ester.cases.models import Case, CaseDocument, CaseEvent, CaseLink, OutgoingMail
from ester.cases.tests.factories import CaseTypeFactory
from ester.intake import casework, lookup, pipeline
from ester.intake.models import BouncedAddress, IncomingMessage, MailboxRule
from ester.intake.pipeline import ingest, retry
from ester.intake.tests.factories import PDF, MailboxFactory, MailboxRuleFactory, auto_reply, bounce, mail, message_id
from ester.organisation.tests.factories import CustomerContactFactory

State = IncomingMessage.State
IMAP = IncomingMessage.Source.IMAP
IMPORT = IncomingMessage.Source.IMPORT
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
KIM = "kim@rinkeby.example"  # contact of customer X
YVONNE = "yvonne@bromma.example"  # contact of customer Y
SHARED = "ekonomi@serviceforvaltningen.example"
DATE = datetime.datetime(2026, 3, 2, 9, 15, tzinfo=datetime.UTC)


@pytest.fixture
def world(city: Any, settings: Any, tmp_path: Any) -> SimpleNamespace:
    """Customer X (contact Kim) and Y (contact Yvonne); a shared mailbox and Y's own mailbox."""
    settings.MEDIA_ROOT = tmp_path
    settings.DEFAULT_FROM_EMAIL = "ester@serviceforvaltningen.example"
    settings.TASKS = DUMMY
    settings.ESTER_RECEIPTS_PER_SENDER_PER_HOUR = 5
    city.contact_person_x.email = KIM
    city.contact_person_x.save(update_fields=["email"])
    city.contact_person_y.email = YVONNE
    city.contact_person_y.save(update_fields=["email"])
    case_type = CaseTypeFactory(process=city.process, code="LEV-MANUELL", name="Manuell leverantörsfaktura")
    reminder = CaseTypeFactory(process=city.process, code="LEV-FRAGA", name="Fråga om betalning")
    shared = MailboxFactory(address=SHARED, default_case_type=case_type)
    mailbox_y = MailboxFactory(
        address="ekonomi.bromma@serviceforvaltningen.example", customer=city.customer_y, default_case_type=case_type
    )
    return SimpleNamespace(city=city, case_type=case_type, reminder=reminder, shared=shared, mailbox_y=mailbox_y)


@pytest.fixture
def run(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., IncomingMessage]:
    """``ingest`` and run what it queued after the commit."""

    def _run(mailbox: Any, raw: bytes, **kwargs: Any) -> IncomingMessage:
        kwargs.setdefault("source", IMAP)
        with django_capture_on_commit_callbacks(execute=True):
            return ingest(mailbox, raw, **kwargs)

    return _run


def receipts() -> list[Any]:
    return [r for r in default_task_backend.results if r.task.name == "send_acknowledgement"]  # type: ignore[attr-defined]


def stored(row: IncomingMessage) -> bytes:
    with row.raw.open("rb") as file:
        return file.read()


def acknowledge(case: Case, msgid: str | None = None) -> OutgoingMail:
    """The outbox row of the receipt the worker sent for ``case``."""
    return OutgoingMail.objects.create(
        case=case,
        key=f"{ACKNOWLEDGEMENT}:{case.pk}",
        kind=ACKNOWLEDGEMENT,
        message_id=msgid or message_id("serviceforvaltningen.example"),
        to=case.sender_email,
        subject=f"[{case.number}] Vi har tagit emot ert ärende",
        state=OutgoingMail.State.SENT,
    )


@pytest.mark.django_db
class TestNewCase:
    def test_a_mail_with_a_pdf_becomes_a_case_with_original_attachment_and_one_receipt(self, world: Any, run: Any) -> None:
        raw = mail(attachments=[("faktura-4711.pdf", "application/pdf", PDF)])
        row = run(world.shared, raw, uidvalidity=7, uid=1)
        assert row.state == State.PROCESSED and not row.already_seen
        case = row.case
        assert case is not None
        assert case.customer == world.city.customer_x and case.case_type == world.case_type
        assert case.channel == CaseChannel.EMAIL and case.team == world.city.team_a
        assert case.sender_name == "Kim Kontakt" and case.sender_email == KIM
        assert case.subject == "Faktura 4711 att betala"
        assert case.received_at == DATE  # the Date header: no INTERNALDATE was given
        assert "Bifogat finns fakturan" in case.description
        assert row.reason == f"Nytt ärende {case.number}."
        assert row.sha256 == hashlib.sha256(raw).hexdigest() and row.size == len(raw)
        assert row.message_id.startswith("<") and row.from_address == KIM
        assert stored(row) == raw  # the original, kept by intake too

        eml, pdf = case.documents.order_by("id")
        assert eml.content_type == "message/rfc822" and eml.original_name == "Faktura 4711 att betala.eml"
        assert eml.sha256 == hashlib.sha256(raw).hexdigest() and eml.size == len(raw)
        with eml.file.open("rb") as file:
            assert file.read() == raw  # byte for byte
        assert pdf.original_name == "faktura-4711.pdf" and pdf.content_type == "application/pdf"
        with pdf.file.open("rb") as file:
            assert file.read() == PDF
        assert not eml.internal and not pdf.internal

        [receipt] = receipts()
        assert receipt.args == [case.pk]
        assert row.receipt_at is not None

        again = run(world.shared, raw, uidvalidity=7, uid=1)
        assert again.already_seen and again.pk == row.pk
        assert len(receipts()) == 1 and Case.objects.count() == 1

    def test_the_time_the_mailbox_got_it_wins_over_the_date_header(self, world: Any, run: Any) -> None:
        arrived = datetime.datetime(2026, 3, 3, 7, 0, tzinfo=datetime.UTC)
        row = run(world.shared, mail(), received_at=arrived)
        assert row.case.received_at == arrived and row.received_at == arrived

    def test_an_implausible_date_is_not_believed(self, world: Any, run: Any) -> None:
        future = datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC)
        row = run(world.shared, mail(date=future))
        assert row.case.received_at < future and row.case.received_at.year < 2099

    def test_no_subject_and_an_identity_number_in_the_log(self, world: Any, run: Any) -> None:
        row = run(world.shared, mail(subject=""))
        assert row.case.subject == "(inget ämne)"
        row = run(world.shared, mail(subject="Lönekorrigering 19121212-1212"))
        assert row.subject == "Lönekorrigering 121212-****"  # the log masks it; the case keeps what was sent
        assert row.case.subject == "Lönekorrigering 19121212-1212"

    def test_a_refused_attachment_is_noted_and_the_mail_is_kept(self, world: Any, run: Any) -> None:
        raw = mail(
            attachments=[
                ("program.exe", "application/octet-stream", b"MZ\x90\x00binary"),
                ("faktura.pdf", "application/pdf", PDF),
            ]
        )
        row = run(world.shared, raw)
        case = row.case
        assert row.state == State.PROCESSED
        names = list(case.documents.order_by("id").values_list("original_name", flat=True))
        assert names == ["Faktura 4711 att betala.eml", "faktura.pdf"]
        note = case.events.get(kind=EventKind.NOTE)
        assert note.internal and "program.exe" in note.text and "e-postfilen" in note.text

    def test_rules_choose_the_case_type_first_match_wins(self, world: Any, run: Any) -> None:
        MailboxRuleFactory(
            mailbox=world.shared, order=1, field=MailboxRule.Field.SUBJECT, pattern="PÅMINNELSE", case_type=world.reminder
        )
        MailboxRuleFactory(
            mailbox=world.shared, order=2, field=MailboxRule.Field.SUBJECT, pattern="påminnelse", case_type=world.case_type
        )
        assert run(world.shared, mail(subject="Påminnelse faktura 12")).case.case_type == world.reminder
        MailboxRuleFactory(
            mailbox=world.shared,
            order=0,
            field=MailboxRule.Field.ATTACHMENT,
            pattern=r"^fraga-\d+\.pdf$",
            regex=True,
            case_type=world.reminder,
        )
        raw = mail(subject="Underlag", attachments=[("FRAGA-12.pdf", "application/pdf", PDF)])
        assert run(world.shared, raw).case.case_type == world.reminder
        assert run(world.shared, mail(subject="Faktura 99")).case.case_type == world.case_type

    def test_no_case_type_is_quarantined(self, world: Any, run: Any) -> None:
        world.shared.default_case_type = None
        world.shared.save()
        row = run(world.shared, mail())
        assert row.state == State.QUARANTINE and row.case is None and "standardärendetyp" in row.reason
        assert stored(row)

    def test_a_customer_without_a_handling_team_is_quarantined_with_the_services_reason(self, world: Any, run: Any) -> None:
        other = CaseTypeFactory(code="ANNAN", name="Annan process")  # a process nobody handles for X
        world.shared.default_case_type = other
        world.shared.default_process = other.process
        world.shared.save()
        row = run(world.shared, mail())
        assert row.state == State.QUARANTINE and "Inget team handlägger" in row.reason
        assert not Case.objects.exists()


@pytest.mark.django_db
class TestExactlyOnce:
    def test_same_uid_is_already_seen(self, world: Any, run: Any) -> None:
        first = run(world.shared, mail(), uidvalidity=1, uid=5)
        second = run(world.shared, mail(subject="Annat"), uidvalidity=1, uid=5)
        assert second.already_seen and second.pk == first.pk
        third = run(world.shared, mail(subject="Ny UIDVALIDITY"), uidvalidity=2, uid=5)
        assert not third.already_seen and Case.objects.count() == 2

    def test_same_bytes_are_already_seen_whatever_the_uid(self, world: Any, run: Any) -> None:
        raw = mail()
        first = run(world.shared, raw, uidvalidity=1, uid=5)
        second = run(world.shared, raw, uidvalidity=1, uid=6)
        assert second.already_seen and second.pk == first.pk
        assert Case.objects.count() == 1 and IncomingMessage.objects.count() == 1

    def test_same_message_id_is_already_seen_on_import_only(self, world: Any, run: Any) -> None:
        msgid = message_id()
        first = run(world.shared, mail(msgid=msgid), source=IMPORT)
        again = run(world.shared, mail(msgid=msgid, body="Samma meddelande, annan kopia."), source=IMPORT)
        assert again.already_seen and again.pk == first.pk
        live = run(world.shared, mail(msgid=msgid, body="Skickat igen av kunden."), source=IMAP)
        assert not live.already_seen
        assert IncomingMessage.objects.count() == 2

    def test_an_import_sends_no_receipts_unless_asked(self, world: Any, run: Any) -> None:
        run(world.shared, mail(subject="Gammalt"), source=IMPORT)
        assert receipts() == []
        run(world.shared, mail(subject="Gammalt men kvitteras"), source=IMPORT, receipts=True)
        assert len(receipts()) == 1


@pytest.mark.django_db
class TestThreading:
    @pytest.fixture
    def first(self, world: Any, run: Any) -> Case:
        case = run(world.shared, mail()).case
        default_task_backend.results.clear()  # type: ignore[attr-defined]
        return case

    def test_a_reply_to_our_receipt_joins_the_case(self, world: Any, run: Any, first: Case) -> None:
        ack = acknowledge(first)
        raw = mail(
            subject="Sv: Vi har tagit emot ert ärende",
            body="Här kommer attesten.",
            in_reply_to=ack.message_id,
            references=[ack.message_id],
            attachments=[("attest.pdf", "application/pdf", PDF)],
        )
        row = run(world.shared, raw)
        assert row.state == State.THREADED and row.case == first and row.reason == f"Svar i ärende {first.number}."
        assert Case.objects.count() == 1
        message = first.events.get(kind=EventKind.MESSAGE_IN)
        assert message.text == "Här kommer attesten." and not message.internal
        assert set(first.documents.values_list("original_name", flat=True)) >= {
            "attest.pdf",
            "Sv Vi har tagit emot ert ärende.eml",
        }
        assert receipts() == []  # a reply is not a new case: no receipt

    def test_our_answers_thread_under_the_customers_mails(self, world: Any, run: Any) -> None:
        """The incoming Message-IDs are on the timeline, so the receipt and a handler's reply
        name them in In-Reply-To/References: the customer's mail program threads them."""
        from ester.cases import mail as case_mail

        first_id, second_id = message_id(), message_id()
        case = run(world.shared, mail(msgid=first_id)).case
        assert case.events.get(kind=EventKind.CREATED).payload["message_id"] == first_id
        run(world.shared, mail(subject=f"Re: [{case.number}] Faktura 4711", msgid=second_id, body="Tillägg."))
        assert case.events.get(kind=EventKind.MESSAGE_IN).payload["message_id"] == second_id
        headers = case_mail.thread_headers(case_mail.thread_message_ids(case))
        assert headers["In-Reply-To"] == second_id
        assert headers["References"].split() == [first_id, second_id]

    def test_a_reply_naming_the_case_number_in_the_subject_joins_it(self, world: Any, run: Any, first: Case) -> None:
        row = run(world.shared, mail(subject=f"Re: [{first.number}] Faktura 4711", body="Komplettering."))
        assert row.state == State.THREADED and row.case == first

    def test_a_follow_up_to_the_customers_own_first_mail_joins_it(self, world: Any, run: Any, first: Case) -> None:
        original = first.incoming_messages.get().message_id
        row = run(world.shared, mail(subject="Glömde bilagan", in_reply_to=original, references=[original]))
        assert row.state == State.THREADED and row.case == first

    def test_a_reply_to_a_closed_case_reopens_it(self, world: Any, run: Any, first: Case) -> None:
        services.case_close(actor=world.city.handler, case=first, text="Klart.")
        row = run(world.shared, mail(subject=f"Sv: {first.number}", body="En fråga till."))
        first.refresh_from_db()
        assert row.state == State.THREADED and first.status == CaseStatus.NEW
        assert first.events.filter(kind=EventKind.REOPENED).exists()

    def test_a_reply_to_a_waiting_case_completes_it(self, world: Any, run: Any, first: Case) -> None:
        services.case_return_for_completion(actor=world.city.handler, case=first, reasons=[], free_text="Attest saknas.")
        first.refresh_from_db()
        assert first.status == CaseStatus.WAITING
        row = run(world.shared, mail(subject=f"Sv: Komplettering behövs: ärende {first.number}", body="Attesten bifogas."))
        first.refresh_from_db()
        assert row.state == State.THREADED and first.status == CaseStatus.NEW and first.paused_since is None
        assert first.events.get(kind=EventKind.COMPLETED).text == "Attesten bifogas."
        assert first.return_requests.get().completed_at is not None

    def test_a_reply_to_a_voided_case_becomes_a_new_case_linked_to_it(self, world: Any, run: Any, first: Case) -> None:
        services.case_void(actor=world.city.handler, case=first, reason="Dubblett.")
        row = run(world.shared, mail(subject=f"Sv: {first.number}"))
        assert row.state == State.PROCESSED and row.case != first and row.case.customer == first.customer
        assert CaseLink.objects.filter(from_case=row.case, to_case=first, kind=LinkKind.RELATED).exists()
        assert first.number in row.reason

    def test_another_customers_contact_quoting_the_number_never_touches_the_case(self, world: Any, run: Any, first: Case) -> None:
        """The attack: Y's contact replies with X's receipt in the references and X's number in the subject."""
        ack = acknowledge(first)
        before = (
            first.status,
            list(first.events.values_list("id", flat=True)),
            list(first.documents.values_list("id", flat=True)),
        )
        raw = mail(
            sender=f"Yvonne Ypsilon <{YVONNE}>",
            subject=f"Sv: [{first.number}] Faktura 4711",
            body="Vad gäller detta?",
            in_reply_to=ack.message_id,
            references=[ack.message_id],
        )
        row = run(world.shared, raw)
        first.refresh_from_db()
        assert (
            first.status,
            list(first.events.values_list("id", flat=True)),
            list(first.documents.values_list("id", flat=True)),
        ) == before
        assert row.state == State.POSSIBLE_REPLY
        new = row.case
        assert new is not None and new != first and new.customer == world.city.customer_y and new.team == world.city.team_b
        assert not CaseLink.objects.filter(to_case=first).exists() and not CaseLink.objects.filter(from_case=first).exists()
        note = new.events.get(kind=EventKind.NOTE)
        assert note.internal and first.number in note.text  # the handler of Y's case knows

        contact = world.city.contact_y
        assert not Case.objects.visible_to(contact).filter(pk=first.pk).exists()
        assert not CaseLink.objects.visible_to(contact).exists()
        assert not IncomingMessage.objects.visible_to(contact).exists()
        # What Yvonne sees of her new case names X's case only where it repeats her own subject line.
        her_words = {new.subject, casework.eml_name(new.subject)}
        for event in CaseEvent.objects.visible_to(contact).filter(case=new):
            assert event.text in her_words or first.number not in event.text
            assert first.number not in json.dumps(event.payload)
        assert not CaseEvent.objects.visible_to(contact).filter(case=first).exists()

    def test_the_same_attack_through_the_other_customers_own_mailbox(self, world: Any, run: Any, first: Case) -> None:
        row = run(world.mailbox_y, mail(sender=f"Yvonne <{YVONNE}>", subject=f"[{first.number}] fråga"))
        assert row.state == State.POSSIBLE_REPLY and row.case.customer == world.city.customer_y
        assert not first.events.filter(kind=EventKind.MESSAGE_IN).exists()

    def test_a_stranger_in_the_customers_mailbox_is_only_a_possible_reply(self, world: Any, run: Any) -> None:
        mailbox_x = MailboxFactory(
            address="ekonomi.x@serviceforvaltningen.example", customer=world.city.customer_x, default_case_type=world.case_type
        )
        first = run(mailbox_x, mail()).case
        row = run(mailbox_x, mail(sender="Okänd <someone@elsewhere.example>", subject=f"Re: {first.number}"))
        assert row.state == State.POSSIBLE_REPLY and row.case.customer == world.city.customer_x
        assert CaseLink.objects.filter(from_case=row.case, to_case=first, kind=LinkKind.POSSIBLE_REPLY).exists()
        assert not first.events.filter(kind=EventKind.MESSAGE_IN).exists()


@pytest.mark.django_db
class TestRobotsAndBounces:
    def test_auto_replies_are_dropped_without_case_or_receipt(self, world: Any, run: Any) -> None:
        row = run(world.shared, auto_reply())
        assert row.state == State.AUTO_REPLY and row.case is None and row.reason
        assert not Case.objects.exists() and receipts() == []
        assert stored(row)

    def test_our_own_mail_coming_back_is_a_loop(self, world: Any, run: Any) -> None:
        raw = mail(
            sender="Ester <ester@serviceforvaltningen.example>",
            msgid=message_id("serviceforvaltningen.example"),
            subject="[EK-2026-000001] Vi har tagit emot ert ärende",
        )
        row = run(world.shared, raw)
        assert row.state == State.LOOP and row.case is None
        assert not Case.objects.exists() and receipts() == []

    def test_a_permanent_bounce_marks_the_address_and_tells_the_handler(self, world: Any, run: Any) -> None:
        case = run(world.shared, mail()).case
        ack = acknowledge(case)
        row = run(world.shared, bounce(recipient=KIM, original_message_id=ack.message_id))
        assert row.state == State.BOUNCE and row.case is None and KIM in row.reason
        bounced = BouncedAddress.objects.get(address=KIM)
        assert bounced.last_status == "5.1.1" and bounced.count == 1 and bounced.last_case == case
        note = case.events.get(kind=EventKind.NOTE)
        assert note.internal and note.text.startswith(f"E-post till {KIM} kunde inte levereras: 5.1.1")
        assert Case.objects.count() == 1

        run(world.shared, bounce(recipient=KIM, original_message_id=ack.message_id))  # another report, other bytes
        bounced.refresh_from_db()
        assert bounced.count == 2

        default_task_backend.results.clear()  # type: ignore[attr-defined]
        row = run(world.shared, mail(subject="Ny faktura"))
        assert row.state == State.PROCESSED and receipts() == []  # no receipt to an address that bounces

    def test_a_delayed_delivery_marks_nothing(self, world: Any, run: Any) -> None:
        row = run(
            world.shared,
            bounce(
                recipient=KIM, original_message_id=message_id("serviceforvaltningen.example"), status="4.4.1", action="delayed"
            ),
        )
        assert row.state == State.AUTO_REPLY and row.case is None  # a robot's report, not a failure
        assert not BouncedAddress.objects.exists() and not Case.objects.exists()


@pytest.mark.django_db
class TestCustomerAndReceipts:
    def test_an_unknown_sender_is_quarantined_with_the_original_kept_and_retried(self, world: Any, run: Any) -> None:
        raw = mail(sender="Lev AB <faktura@leverantor.example>")
        row = run(world.shared, raw, uidvalidity=3, uid=9)
        assert row.state == State.QUARANTINE and row.case is None
        assert "faktura@leverantor.example" in row.reason and "Lägg till avsändaren som kontakt hos rätt kund" in row.reason
        assert stored(row) == raw and not Case.objects.exists()

        CustomerContactFactory(customer=world.city.customer_x, name="Leverantörsfakturor", email="Faktura@Leverantor.example")
        with pytest.raises(Exception, match="redan"):
            retry(IncomingMessage.objects.get(pk=run(world.shared, auto_reply()).pk))
        done = retry(row)
        assert done.pk == row.pk and done.state == State.PROCESSED and done.attempts == 2
        assert done.case.customer == world.city.customer_x

    def test_a_sender_known_at_two_customers_is_quarantined(self, world: Any, run: Any) -> None:
        CustomerContactFactory(customer=world.city.customer_y, name="Kim igen", email=KIM.upper())
        row = run(world.shared, mail())
        assert row.state == State.QUARANTINE and "flera kunder" in row.reason
        assert world.city.customer_x.name in row.reason and world.city.customer_y.name in row.reason

    def test_an_inactive_contact_does_not_identify(self, world: Any, run: Any) -> None:
        world.city.contact_person_x.active = False
        world.city.contact_person_x.save(update_fields=["active"])
        assert run(world.shared, mail()).state == State.QUARANTINE

    def test_receipts_are_rate_limited_per_sender(self, world: Any, run: Any, settings: Any) -> None:
        settings.ESTER_RECEIPTS_PER_SENDER_PER_HOUR = 2
        rows = [run(world.shared, mail(subject=f"Faktura {n}")) for n in range(3)]
        assert [row.state for row in rows] == [State.PROCESSED] * 3
        assert [r.args for r in receipts()] == [[rows[0].case.pk], [rows[1].case.pk]]
        assert rows[2].receipt_at is None

    def test_receipts_sent_for_other_cases_count_too(self, world: Any, run: Any, settings: Any) -> None:
        settings.ESTER_RECEIPTS_PER_SENDER_PER_HOUR = 1
        earlier = services.case_register(
            actor=None,
            customer=world.city.customer_x,
            case_type=world.case_type,
            channel=CaseChannel.PORTAL,
            sender_name="Kim",
            sender_email=KIM,
            subject="Via portalen",
        )
        acknowledge(earlier)
        run(world.shared, mail())
        assert receipts() == []

    def test_no_receipt_when_the_classifier_says_so(self, world: Any, run: Any) -> None:
        CustomerContactFactory(customer=world.city.customer_x, name="Systemet", email="noreply@rinkeby.example")
        row = run(world.shared, mail(sender="noreply@rinkeby.example"))
        assert row.state == State.PROCESSED and receipts() == []


@pytest.mark.django_db
class TestFailure:
    def test_an_error_mid_pipeline_leaves_nothing_half_done_and_retry_works(self, world: Any, run: Any, monkeypatch: Any) -> None:
        def broken(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("disken är full")

        monkeypatch.setattr(casework, "store_attachment", broken)
        raw = mail(attachments=[("faktura.pdf", "application/pdf", PDF)])
        row = run(world.shared, raw, uidvalidity=4, uid=1)
        assert row.state == State.FAILED and row.case is None
        assert "RuntimeError: disken är full" in row.last_error and "försök igen" in row.reason
        assert row.uid == 1 and row.message_id and row.from_address == KIM
        assert stored(row) == raw
        assert not Case.objects.exists() and not CaseDocument.objects.exists() and not CaseEvent.objects.exists()
        assert IncomingMessage.objects.count() == 1 and receipts() == []

        again = run(world.shared, raw, uidvalidity=4, uid=1)  # the poller sees it again: recognised, not redone
        assert again.already_seen and again.state == State.FAILED

        assert retry(row).state == State.FAILED  # still broken
        row.refresh_from_db()
        assert row.attempts == 2

        monkeypatch.undo()
        done = retry(row)
        assert done.state == State.PROCESSED and done.attempts == 3 and done.last_error == ""
        assert done.case.documents.count() == 2


@pytest.mark.django_db
class TestSteps:
    """The small steps, alone."""

    def test_case_numbers_in_a_subject(self, world: Any) -> None:
        case = services.case_register(
            actor=None,
            customer=world.city.customer_x,
            case_type=world.case_type,
            channel=CaseChannel.EMAIL,
            sender_name="Kim",
            subject="x",
        )
        assert lookup.numbered_cases(f"SV: [{case.number}] och EK-2026-999999") == [case]
        assert lookup.numbered_cases(f"XEK-2026-0000011 {case.number}1") == []

    def test_arrival_time(self) -> None:
        ctx = pipeline.Context(mailbox=None, raw=b"", source=IMAP)  # type: ignore[arg-type]
        now = datetime.datetime.now(datetime.UTC)
        assert abs(pipeline.arrival_time(ctx) - now) < datetime.timedelta(seconds=5)
        ctx.arrived_at = DATE
        assert pipeline.arrival_time(ctx) == DATE

    def test_rule_matching(self, world: Any) -> None:
        from ester.intake.services import rule_matches

        rule = MailboxRule(pattern="Påminnelse", regex=False)
        assert rule_matches(rule, ["SV: PÅMINNELSE 12"]) and not rule_matches(rule, ["Faktura"])
        assert rule_matches(MailboxRule(pattern=r"faktura\s+\d+", regex=True), ["Ny FAKTURA  12"])

    def test_eml_names_are_safe(self) -> None:
        assert casework.eml_name("Re: Faktura 1/2 <viktigt>") == "Re Faktura 1 2 viktigt.eml"
        assert casework.eml_name("") == "e-post.eml"
