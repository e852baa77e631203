"""The demo's mail (``ester.intake.demo.load_demo_mail``) on the small city: every outcome of
the pipeline is on the intake pages — new cases with a PDF, a rule's case type, a reply
threaded by the case number, a bounce, an auto-reply, a possible reply, a message in *fel*
that can be tried again — nothing is queued to be sent, and a second load changes nothing."""

from __future__ import annotations

import datetime
import hashlib
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db.models import Q
from django.urls import reverse

from ester.cases.choices import EventKind, LinkKind
from ester.cases.models import Case, CaseDocument, CaseEvent, CaseLink
from ester.cases.tests.factories import CaseTypeFactory
from ester.intake.demo import (
    DEMO_MAIL,
    DEMO_UIDVALIDITY,
    DemoMail,
    demo_message,
    demo_pdf,
    load_demo_mail,
    load_demo_mailboxes,
)
from ester.intake.models import BouncedAddress, IncomingMessage, Mailbox
from ester.intake.pipeline import ingest

State = IncomingMessage.State
RINKEBY = "Rinkeby-Kista stadsdelsförvaltning"  # customer X of the small city
BROMMA = "Bromma stadsdelsförvaltning"  # customer Y
AMINA_ADDRESS = "amina.hassan@rinkeby-kista.stockholm.example"


@pytest.fixture
def world(city: Any, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any) -> SimpleNamespace:
    """The small city with the demo's case types and mailboxes, and the demo's mail loaded once."""
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    types = {
        code: CaseTypeFactory(process=city.process, code=code, name=name)
        for code, name in (
            ("LEV-MANUELL", "Manuell leverantörsfaktura"),
            ("KASSA-RAPPORT", "Kassarapport"),
        )
    }
    load_demo_mailboxes()
    with django_capture_on_commit_callbacks() as queued:
        taken = load_demo_mail()
    box_x = Mailbox.objects.get(customer=city.customer_x)
    box_y = Mailbox.objects.get(customer=city.customer_y)
    return SimpleNamespace(city=city, types=types, taken=taken, queued=queued, box_x=box_x, box_y=box_y)


def rows(mailbox: Mailbox) -> list[IncomingMessage]:
    return list(IncomingMessage.objects.filter(mailbox=mailbox).select_related("case").order_by("uid"))


def stored(row: IncomingMessage) -> bytes:
    with row.raw.open("rb") as file:
        return file.read()


def source_of(row: IncomingMessage) -> tuple[DemoMail, str]:
    """The demo message a row came from and the case number its subject quotes."""
    name = row.mailbox.customer.name  # type: ignore[union-attr]
    item = next(i for i in DEMO_MAIL[name] if i.uid == row.uid)
    first = IncomingMessage.objects.get(mailbox=row.mailbox, uid=1)
    return item, first.case.number if first.case else ""


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row the demo's mail writes."""
    return {
        "messages": list(IncomingMessage.objects.order_by("pk").values_list()),
        "cases": list(Case.objects.order_by("pk").values_list("pk", "number", "status", "updated_at")),
        "events": list(CaseEvent.objects.order_by("pk").values_list("pk", "case_id", "kind")),
        "documents": list(CaseDocument.objects.order_by("pk").values_list("pk", "case_id", "sha256")),
        "links": list(CaseLink.objects.order_by("pk").values_list()),
        "bounces": list(BouncedAddress.objects.order_by("pk").values_list()),
        "mailboxes": list(Mailbox.objects.order_by("pk").values_list("pk", "last_poll_at", "last_success_at", "last_error")),
    }


@pytest.mark.django_db
class TestDemoMail:
    def test_every_outcome_of_the_pipeline(self, world: Any) -> None:
        assert world.taken == 8
        x, y = rows(world.box_x), rows(world.box_y)
        assert [r.state for r in x] == [
            State.PROCESSED,
            State.BOUNCE,
            State.FAILED,
            State.AUTO_REPLY,
            State.THREADED,
            State.POSSIBLE_REPLY,
        ]
        assert [r.state for r in y] == [State.PROCESSED, State.PROCESSED]
        assert all(r.source == IncomingMessage.Source.IMAP and r.uidvalidity == DEMO_UIDVALIDITY for r in x + y)
        assert all(stored(r) == demo_message(r.mailbox.address, *source_of(r)) for r in x + y)  # fixed bytes

        invoice, bounce, failed, auto_reply, threaded, possible = x
        case = invoice.case
        assert case is not None and case.customer == world.city.customer_x and case.case_type == world.types["LEV-MANUELL"]
        assert case.sender_email == AMINA_ADDRESS and case.subject == "Faktura 8812406 från Kontorsvaruhuset i Stockholm AB"

        assert (
            threaded.case == case and threaded.subject == f"Komplettering till ärende {case.number}: attest för faktura 8812406"
        )
        names = list(case.documents.order_by("id").values_list("original_name", flat=True))
        assert names == [
            "Faktura 8812406 från Kontorsvaruhuset i Stockholm AB.eml",
            "faktura-8812406.pdf",
            f"Komplettering till ärende {case.number} attest för faktura 8812406.eml",
            "attest-8812406.pdf",
        ]
        pdf = case.documents.get(original_name="faktura-8812406.pdf")
        with pdf.file.open("rb") as file:
            assert file.read() == demo_pdf("Kontorsvaruhuset i Stockholm AB", "Faktura 8812406", "Att betala: 4 312,50 kr")
        assert case.events.filter(kind=EventKind.MESSAGE_IN, payload__message_id=threaded.message_id).exists()

        assert possible.from_address == "per.wallin@bromma.stockholm.example" and case.number in possible.subject
        assert possible.case is not None and possible.case != case
        assert possible.case.customer == world.city.customer_x
        pair = Q(from_case=possible.case, to_case=case) | Q(from_case=case, to_case=possible.case)
        assert CaseLink.objects.filter(pair, kind=LinkKind.POSSIBLE_REPLY).exists()
        note = possible.case.events.get(kind=EventKind.NOTE)
        assert note.internal and f"Möjligt svar på {case.number}" in note.text

        assert bounce.case is None and "sara.lind@rinkeby-kista.stockholm.example" in bounce.reason
        assert BouncedAddress.objects.get().address == "sara.lind@rinkeby-kista.stockholm.example"
        assert auto_reply.case is None and "Auto-Submitted" in auto_reply.reason

        assert failed.case is None and failed.last_error == "OperationalError: database is locked"
        assert "försök igen" in failed.reason and failed.subject == "Faktura 7730118 från Stadsgrönt Entreprenad AB"

        cash_report, painter = y
        assert cash_report.case.case_type == world.types["KASSA-RAPPORT"]  # the mailbox's rule "kassarapport"
        assert cash_report.case.customer == painter.case.customer == world.city.customer_y

        # Case numbers follow arrival across the mailboxes (Bromma's mail came before the possible reply).
        order = [r.case.pk for r in sorted(x + y, key=lambda r: r.received_at) if r.case and r.state != State.THREADED]
        assert order == sorted(order)

    def test_arrived_in_the_last_hours_nothing_queued_and_the_mailboxes_were_polled(self, world: Any) -> None:
        assert world.queued == []  # no receipt, no notice: nothing to send after the commit
        messages = list(IncomingMessage.objects.select_related("case"))
        assert all(m.receipt_at is None for m in messages)
        assert all(m.case.received_at == m.received_at for m in messages if m.state == State.PROCESSED)
        first, last = min(m.received_at for m in messages), max(m.received_at for m in messages)
        for box in (world.box_x, world.box_y):
            box.refresh_from_db()
            assert box.last_poll_at is not None and box.last_success_at == box.last_poll_at and box.last_error == ""
            assert last < box.last_poll_at < first + datetime.timedelta(hours=4)  # the last hours' mail, just polled
            assert not box.active and box.uidvalidity is None and box.last_uid == 0  # a real poll starts afresh

    def test_a_second_load_changes_nothing(self, world: Any, django_capture_on_commit_callbacks: Any) -> None:
        before = snapshot()
        with django_capture_on_commit_callbacks() as queued:
            assert load_demo_mail() == 0
            assert load_demo_mail(now=datetime.datetime(2027, 1, 4, 9, 0, tzinfo=datetime.UTC)) == 0  # another day
        assert snapshot() == before and queued == []

    def test_the_same_bytes_are_recognised_without_their_uid(self, world: Any) -> None:
        """The bytes are fixed: a poll of a server that hands the same message over again
        under another UIDVALIDITY finds it by its SHA-256."""
        first = rows(world.box_x)[0]
        raw = demo_message(world.box_x.address, DEMO_MAIL[RINKEBY][0])
        assert hashlib.sha256(raw).hexdigest() == first.sha256
        again = ingest(world.box_x, raw, source=IncomingMessage.Source.IMAP, uidvalidity=7, uid=1)
        assert again.already_seen and again.pk == first.pk

    def test_the_error_list_offers_retry_and_retry_makes_the_case(self, world: Any, client: Any) -> None:
        failed = IncomingMessage.objects.get(state=State.FAILED)
        client.force_login(world.city.users["handler"])  # team A handles Rinkeby-Kista
        body = client.get(reverse("intake:errors")).content.decode()
        assert "Faktura 7730118 från Stadsgrönt Entreprenad AB" in body
        assert reverse("intake:retry", args=[failed.pk]) in body and reverse("intake:original", args=[failed.pk]) in body
        original = client.get(reverse("intake:original", args=[failed.pk]))
        assert b"".join(original.streaming_content) == stored(failed)  # type: ignore[attr-defined]

        client.post(reverse("intake:retry", args=[failed.pk]))
        failed.refresh_from_db()
        assert failed.state == State.PROCESSED and failed.attempts == 2
        assert failed.case is not None and failed.case.case_type == world.types["LEV-MANUELL"]
        assert "faktura-7730118.pdf" in failed.case.documents.values_list("original_name", flat=True)

    def test_the_mailbox_page_counts_todays_outcomes(self, world: Any, client: Any) -> None:
        client.force_login(world.city.users["handler"])  # team A handles Rinkeby-Kista
        body = client.get(reverse("intake:mailboxes")).content.decode()
        for label in ("Nytt ärende: 1", "Svar i ärende: 1", "Möjligt svar: 1", "Autosvar: 1", "Studs: 1", "Fel: 1"):
            assert label in body, label
        detail = client.get(reverse("intake:mailbox", args=[world.box_x.pk])).content.decode()
        assert "Undelivered Mail Returned to Sender" in detail and "Automatiskt svar" in detail


def test_demo_messages_are_built_the_same_every_time() -> None:
    for items in DEMO_MAIL.values():
        for item in items:
            assert demo_message("ekonomi@example.org", item, "EK-2026-000001") == demo_message(
                "ekonomi@example.org", item, "EK-2026-000001"
            )


def test_the_demo_pdf_is_well_formed() -> None:
    """Every cross-reference points at its object, so a viewer opens it without repairing it."""
    pdf = demo_pdf("Faktura (kopia)", "Att betala: 4 312,50 kr – förfaller 30 dagar")
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
    start = int(re.search(rb"startxref\n(\d+)\n", pdf).group(1))  # type: ignore[union-attr]
    assert pdf[start:].startswith(b"xref\n0 6\n")
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n ", pdf)]
    assert [pdf[o:].split(b"\n", 1)[0] for o in offsets] == [b"%d 0 obj" % n for n in range(1, 6)]
    stream = re.search(rb"<< /Length (\d+) >>\nstream\n(.*)\nendstream", pdf, re.DOTALL)
    assert stream is not None and int(stream.group(1)) == len(stream.group(2))
    assert b"(Faktura \\(kopia\\)) Tj" in pdf and "förfaller".encode("cp1252") in pdf
