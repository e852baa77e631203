"""The intake pages: mailbox status, the intake error list with retry and the original
.eml, and scanned post — each seen by the right personas only (the outsider and the
customer contacts get 404), retry refused for read-only roles, downloads byte for byte."""

from __future__ import annotations

import datetime
import hashlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ester.cases.choices import CaseChannel
from ester.cases.models import Case
from ester.cases.tests.factories import CaseTypeFactory
from ester.intake.models import IncomingMessage, ScanBatch, ScannedItem
from ester.intake.pipeline import ingest, store_raw
from ester.intake.tests.factories import PDF, MailboxFactory, MailboxRuleFactory, mail

State = IncomingMessage.State
KIM = "kim@rinkeby.example"
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def failed_row(mailbox: Any, raw: bytes, **fields: Any) -> IncomingMessage:
    """A message recorded in state fel (as ``record_failure`` leaves it), its original stored."""
    sha = hashlib.sha256(raw).hexdigest()
    values = {
        "mailbox": mailbox,
        "source": IncomingMessage.Source.IMAP,
        "sha256": sha,
        "size": len(raw),
        "from_address": KIM,
        "subject": "Faktura 4711 att betala",
        "received_at": datetime.datetime(2026, 3, 2, 9, 15, tzinfo=datetime.UTC),
        "state": State.FAILED,
        "reason": "Ett oväntat fel inträffade. Originalet är sparat; försök igen när felet är åtgärdat.",
        "last_error": "OperationalError: database is locked",
        "raw": store_raw(sha, raw),
        **fields,
    }
    return IncomingMessage.objects.create(**values)


@pytest.fixture
def world(city: Any, settings: Any, tmp_path: Any) -> SimpleNamespace:
    """Mailboxes of X and of Y, a message in fel in each, and a shared mailbox."""
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = DUMMY
    settings.DEFAULT_FROM_EMAIL = "ester@serviceforvaltningen.example"
    city.contact_person_x.email = KIM
    city.contact_person_x.save(update_fields=["email"])
    case_type = CaseTypeFactory(process=city.process, code="LEV-MANUELL", name="Manuell leverantörsfaktura")
    box_x = MailboxFactory(
        address="ekonomi.rinkeby@serviceforvaltningen.example", customer=city.customer_x, default_case_type=case_type
    )
    box_y = MailboxFactory(address="ekonomi.bromma@serviceforvaltningen.example", customer=city.customer_y)
    shared = MailboxFactory(address="ekonomi@serviceforvaltningen.example", default_case_type=case_type)
    MailboxRuleFactory(mailbox=box_x, pattern="påminnelse", case_type=case_type)
    raw_x = mail(subject="Faktura 4711 att betala", attachments=[("faktura.pdf", "application/pdf", PDF)])
    raw_y = mail(sender="Yvonne <yvonne@bromma.example>", subject="Brommas hemliga faktura")
    fel_x = failed_row(box_x, raw_x)
    fel_y = failed_row(box_y, raw_y, from_address="yvonne@bromma.example", subject="Brommas hemliga faktura")
    return SimpleNamespace(
        city=city, case_type=case_type, box_x=box_x, box_y=box_y, shared=shared, fel_x=fel_x, fel_y=fel_y, raw_x=raw_x
    )


def login(client: Any, city: Any, persona: str) -> None:
    client.force_login(city.users[persona])


NOT_STAFF = ("contact_x", "contact_y", "outsider")


@pytest.mark.django_db
class TestMailboxes:
    def test_each_persona_sees_the_mailboxes_of_their_customers(self, world: Any, client: Any) -> None:
        url = reverse("intake:mailboxes")
        expected = {
            "handler": {world.box_x.address},
            "unit_manager": {world.box_x.address},
            "handler_b": {world.box_y.address},
            "head_of_area": {world.box_x.address, world.box_y.address, world.shared.address},  # its process's area
            "controller": {world.box_x.address, world.box_y.address, world.shared.address},
            "sysadmin": {world.box_x.address, world.box_y.address, world.shared.address},
        }
        every = {world.box_x.address, world.box_y.address, world.shared.address}
        for persona, shown in expected.items():
            login(client, world.city, persona)
            response = client.get(url)
            assert response.status_code == 200, persona
            body = response.content.decode()
            for address in every:
                assert (address in body) == (address in shown), (persona, address)

    def test_a_shared_mailbox_is_seen_by_roles_on_its_process_area_only(self, world: Any, client: Any) -> None:
        nowhere = MailboxFactory(address="gemensam@serviceforvaltningen.example")  # no process: no area
        for persona, sees_shared, sees_nowhere in (
            ("head_of_area", True, False),
            ("handler", False, False),
            ("unit_manager", False, False),
            ("controller", True, True),
        ):
            login(client, world.city, persona)
            body = client.get(reverse("intake:mailboxes")).content.decode()
            assert (f">{world.shared.address}<" in body) == sees_shared, persona
            assert (nowhere.address in body) == sees_nowhere, persona

    @pytest.mark.parametrize("persona", NOT_STAFF)
    def test_customer_contacts_and_outsiders_get_404(self, world: Any, client: Any, persona: str) -> None:
        login(client, world.city, persona)
        for url in (
            reverse("intake:mailboxes"),
            reverse("intake:mailbox", args=[world.box_x.pk]),
            reverse("intake:errors"),
            reverse("intake:scans"),
            reverse("intake:original", args=[world.fel_x.pk]),
        ):
            assert client.get(url).status_code == 404, url
        assert client.post(reverse("intake:retry", args=[world.fel_x.pk])).status_code == 404

    def test_anonymous_visitors_are_sent_to_the_login(self, world: Any, client: Any) -> None:
        response = client.get(reverse("intake:mailboxes"))
        assert response.status_code == 302 and "/login/" in response["Location"]

    def test_the_status_shows_poll_times_waiting_messages_the_last_error_and_todays_counts(self, world: Any, client: Any) -> None:
        box = world.box_x
        box.last_poll_at = timezone.now()
        box.messages_waiting = 7
        box.last_error = "IMAP: inloggningen nekades"
        box.save(update_fields=["last_poll_at", "messages_waiting", "last_error"])
        ingest(box, mail(subject="Faktura 1"), source=IncomingMessage.Source.IMAP)
        ingest(box, mail(subject="Faktura 2"), source=IncomingMessage.Source.IMAP)
        login(client, world.city, "handler")
        body = client.get(reverse("intake:mailboxes")).content.decode()
        assert "IMAP: inloggningen nekades" in body and 'class="badge badge-bad">fel<' in body
        assert "<td>7</td>" in body
        assert "Nytt ärende: 2" in body and "Fel: 1" in body
        assert "1 meddelande att åtgärda" in body

    def test_the_navigation_links_to_intake_for_staff_only(self, world: Any, client: Any) -> None:
        login(client, world.city, "handler")
        assert reverse("intake:mailboxes") in client.get(reverse("cases:workspace")).content.decode()
        login(client, world.city, "contact_x")
        assert reverse("intake:mailboxes") not in client.get(reverse("portal:home"), follow=True).content.decode()


@pytest.mark.django_db
class TestMailboxDetail:
    def test_the_detail_shows_rules_and_messages_filtered_by_state(self, world: Any, client: Any) -> None:
        ingest(world.box_x, mail(subject="Påminnelse faktura 9"), source=IncomingMessage.Source.IMAP)
        login(client, world.city, "handler")
        url = reverse("intake:mailbox", args=[world.box_x.pk])
        body = client.get(url).content.decode()
        assert "påminnelse" in body and "Manuell leverantörsfaktura" in body  # the rule
        assert "Påminnelse faktura 9" in body and "Faktura 4711 att betala" in body
        only_failed = client.get(url, {"status": State.FAILED}).content.decode()
        assert "Faktura 4711 att betala" in only_failed and "Påminnelse faktura 9" not in only_failed
        assert Case.objects.get(subject="Påminnelse faktura 9").number in body  # the case, linked

    def test_htmx_gets_only_the_message_list(self, world: Any, client: Any) -> None:
        login(client, world.city, "handler")
        response = client.get(reverse("intake:mailbox", args=[world.box_x.pk]), {"status": "fel"}, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert response.status_code == 200 and "<table" in body and "<html" not in body

    def test_another_customers_mailbox_answers_404(self, world: Any, client: Any) -> None:
        login(client, world.city, "handler")
        assert client.get(reverse("intake:mailbox", args=[world.box_y.pk])).status_code == 404
        assert client.get(reverse("intake:mailbox", args=[999_999])).status_code == 404
        login(client, world.city, "handler_b")
        assert client.get(reverse("intake:mailbox", args=[world.box_y.pk])).status_code == 200


@pytest.mark.django_db
class TestErrorList:
    def test_the_list_shows_fel_and_karantan_of_the_users_customers_newest_first(self, world: Any, client: Any) -> None:
        quarantined = ingest(world.shared, mail(sender="okand@example.org", subject="Vem är jag"), source="imap")
        assert quarantined.state == State.QUARANTINE
        ingest(world.box_x, mail(subject="Fungerade fint"), source="imap")
        login(client, world.city, "sysadmin")
        body = client.get(reverse("intake:errors")).content.decode()
        assert "Vem är jag" in body and "Okänd avsändare" in body and "Faktura 4711 att betala" in body
        assert "Brommas hemliga faktura" in body and "Fungerade fint" not in body
        assert body.index("Vem är jag") < body.index("Faktura 4711 att betala")  # received later: first
        login(client, world.city, "handler")
        body = client.get(reverse("intake:errors")).content.decode()
        assert "Faktura 4711 att betala" in body and world.box_x.address in body
        assert "Brommas hemliga faktura" not in body and "Vem är jag" not in body
        assert "Försök igen" in body

    def test_personal_identity_numbers_are_masked_in_sender_subject_and_reason(self, world: Any, client: Any) -> None:
        failed_row(
            world.box_x,
            b"From: x\r\n\r\nx",
            from_address="121212-1212@kund.example",
            subject="Lön 19121212-1212",
            reason="Okänd avsändare 121212-1212@kund.example.",
        )
        login(client, world.city, "handler")
        body = client.get(reverse("intake:errors")).content.decode()
        assert "1212-1212" not in body
        assert "<td>121212-****@kund.example</td>" in body and "Lön 121212-****" in body
        assert "Okänd avsändare 121212-****@kund.example." in body

    def test_a_controller_sees_the_list_without_retry_buttons(self, world: Any, client: Any) -> None:
        login(client, world.city, "controller")
        body = client.get(reverse("intake:errors")).content.decode()
        assert "Faktura 4711 att betala" in body and "Hämta original" in body
        assert "hx-post" not in body and reverse("intake:retry", args=[world.fel_x.pk]) not in body


@pytest.mark.django_db
class TestRetry:
    def test_a_handler_retries_and_the_message_becomes_a_case(self, world: Any, client: Any) -> None:
        login(client, world.city, "handler")
        response = client.post(reverse("intake:retry", args=[world.fel_x.pk]), follow=True)
        row = IncomingMessage.objects.get(pk=world.fel_x.pk)
        assert row.state == State.PROCESSED and row.case is not None and row.attempts == 2
        assert row.case.customer == world.city.customer_x and row.case.channel == CaseChannel.EMAIL
        text = response.content.decode()
        assert response.redirect_chain[-1][0] == reverse("intake:errors")
        assert f"Meddelandet är behandlat: Nytt ärende {row.case.number}." in text

    def test_htmx_gets_the_row_with_the_result_and_the_status_region(self, world: Any, client: Any) -> None:
        login(client, world.city, "handler")
        response = client.post(reverse("intake:retry", args=[world.fel_x.pk]), HTTP_HX_REQUEST="true")
        body = response.content.decode()
        case = IncomingMessage.objects.get(pk=world.fel_x.pk).case
        assert case is not None
        assert response.status_code == 200 and "<html" not in body
        assert body.lstrip().startswith(f'<tr id="meddelande-{world.fel_x.pk}"')
        assert 'id="intake-retry-status"' in body and 'hx-swap-oob="true"' in body
        assert f"Nytt ärende {case.number}" in body and "Försök igen<" not in body  # processed: no second retry

    def test_a_message_still_in_quarantine_says_why(self, world: Any, client: Any) -> None:
        row = ingest(world.shared, mail(sender="okand@example.org"), source="imap")
        login(client, world.city, "sysadmin")
        response = client.post(reverse("intake:retry", args=[row.pk]), follow=True)
        assert "Meddelandet ligger kvar i karantän: Okänd avsändare okand@example.org" in response.content.decode()
        assert IncomingMessage.objects.get(pk=row.pk).attempts == 2

    def test_a_processed_message_is_not_retried(self, world: Any, client: Any) -> None:
        row = ingest(world.box_x, mail(subject="Klar"), source="imap")
        login(client, world.city, "handler")
        response = client.post(reverse("intake:retry", args=[row.pk]), follow=True)
        assert "redan behandlat" in response.content.decode()

    def test_a_controller_may_not_retry(self, world: Any, client: Any) -> None:
        login(client, world.city, "controller")
        assert client.post(reverse("intake:retry", args=[world.fel_x.pk])).status_code == 403
        assert IncomingMessage.objects.get(pk=world.fel_x.pk).state == State.FAILED

    def test_another_customers_message_answers_404_and_get_is_not_allowed(self, world: Any, client: Any) -> None:
        login(client, world.city, "handler_b")
        assert client.post(reverse("intake:retry", args=[world.fel_x.pk])).status_code == 404
        login(client, world.city, "handler")
        assert client.get(reverse("intake:retry", args=[world.fel_x.pk])).status_code == 405
        assert IncomingMessage.objects.get(pk=world.fel_x.pk).state == State.FAILED


@pytest.mark.django_db
class TestOriginal:
    def test_the_original_is_served_byte_for_byte_as_an_attachment(self, world: Any, client: Any) -> None:
        login(client, world.city, "handler")
        response = client.get(reverse("intake:original", args=[world.fel_x.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == world.raw_x
        assert response["Content-Disposition"].startswith("attachment;")
        assert f"meddelande-{world.fel_x.pk}-20260302-1015.eml" in response["Content-Disposition"]
        assert response["Content-Type"] == "message/rfc822"
        assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Security-Policy"] == "sandbox"

    def test_a_controller_may_download_but_another_team_may_not(self, world: Any, client: Any) -> None:
        login(client, world.city, "controller")
        assert client.get(reverse("intake:original", args=[world.fel_x.pk])).status_code == 200
        login(client, world.city, "handler_b")
        assert client.get(reverse("intake:original", args=[world.fel_x.pk])).status_code == 404


def pdf_upload(name: str, extra: bytes = b"") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF + extra, content_type="application/pdf")


@pytest.mark.django_db
class TestScans:
    def upload(self, client: Any, world: Any, files: list[Any], **data: Any) -> Any:
        values = {
            "arrival_date": "2026-03-02",
            "customer": world.city.customer_x.pk,
            "case_type": world.case_type.pk,
            "sender": "",
            "subject": "",
            **data,
        }
        return client.post(reverse("intake:scans"), {**values, "pdfs": files}, follow=True)

    def test_a_handler_uploads_pdfs_and_sees_the_case_numbers(self, world: Any, client: Any) -> None:
        login(client, world.city, "handler")
        assert 'type="file"' in client.get(reverse("intake:scans")).content.decode()
        response = self.upload(client, world, [pdf_upload("faktura-1.pdf", b"1"), pdf_upload("faktura-2.pdf", b"2")])
        cases = list(Case.objects.filter(channel=CaseChannel.POST).order_by("number"))
        assert len(cases) == 2
        body = response.content.decode()
        batch = ScanBatch.objects.get()
        assert response.redirect_chain[-1][0] == reverse("intake:scan-batch", args=[batch.pk])
        assert f"2 ärenden registrerade. Ärendenummer: {cases[0].number}, {cases[1].number}." in body
        assert "faktura-1.pdf" in body and "2026-03-02" in body
        stamp = timezone.make_aware(datetime.datetime(2026, 3, 2, 8, 0))
        assert all(case.received_at == stamp for case in cases)
        assert {c.subject for c in cases} == {"Skannad post: faktura-1", "Skannad post: faktura-2"}
        assert all(c.sender_name == world.city.customer_x.name for c in cases)
        assert batch.created_by == world.city.handler and batch.source == ScanBatch.Source.UPLOAD
        # The batch list shows it.
        assert batch.name in client.get(reverse("intake:scans")).content.decode()

    def test_a_file_that_is_not_a_pdf_refuses_the_whole_upload(self, world: Any, client: Any) -> None:
        login(client, world.city, "handler")
        png = SimpleUploadedFile("bild.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 20, content_type="application/pdf")
        response = self.upload(client, world, [pdf_upload("bra.pdf"), png])
        body = response.content.decode()
        assert response.status_code == 200 and "bild.pdf" in body and "Ingenting registrerades" in body
        assert not Case.objects.exists() and not ScannedItem.objects.exists() and not ScanBatch.objects.exists()

    def test_the_same_file_again_is_reported_not_registered_twice(self, world: Any, client: Any) -> None:
        login(client, world.city, "handler")
        self.upload(client, world, [pdf_upload("a.pdf")])
        case = Case.objects.get()
        response = self.upload(client, world, [pdf_upload("a-igen.pdf")])
        body = response.content.decode()
        assert f"”a-igen.pdf” är redan registrerad ({case.number})." in body
        assert "Inga nya ärenden" in body and Case.objects.count() == 1 and ScanBatch.objects.count() == 1

    def test_form_errors_are_swedish(self, world: Any, client: Any) -> None:
        login(client, world.city, "handler")
        response = self.upload(client, world, [], arrival_date="", customer="", case_type="")
        body = response.content.decode()
        assert "Ange datumet på ankomststämpeln." in body and "Välj vilken kund posten kommer från." in body
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        response = self.upload(client, world, [pdf_upload("a.pdf")], arrival_date=tomorrow.isoformat())
        assert "ligger i framtiden" in response.content.decode() and not Case.objects.exists()

    def test_another_customer_is_not_a_choice(self, world: Any, client: Any) -> None:
        login(client, world.city, "handler")
        response = self.upload(client, world, [pdf_upload("a.pdf")], customer=world.city.customer_y.pk)
        assert "Välj en kund i listan." in response.content.decode() and not Case.objects.exists()

    def test_a_controller_sees_the_batches_but_may_not_upload(self, world: Any, client: Any) -> None:
        login(client, world.city, "handler")
        self.upload(client, world, [pdf_upload("a.pdf")])
        batch = ScanBatch.objects.get()
        login(client, world.city, "controller")
        body = client.get(reverse("intake:scans")).content.decode()
        assert batch.name in body and 'type="file"' not in body
        assert self.upload(client, world, [pdf_upload("b.pdf")]).status_code == 403
        assert client.get(reverse("intake:scan-batch", args=[batch.pk])).status_code == 200

    def test_a_batch_of_another_customer_answers_404(self, world: Any, client: Any) -> None:
        login(client, world.city, "handler")
        self.upload(client, world, [pdf_upload("a.pdf")])
        batch = ScanBatch.objects.get()
        login(client, world.city, "handler_b")
        assert batch.name not in client.get(reverse("intake:scans")).content.decode()
        assert client.get(reverse("intake:scan-batch", args=[batch.pk])).status_code == 404
