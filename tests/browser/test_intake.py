"""Intake in the browser: a handler opens the mailbox status and the intake error list, tries
a failed message again with the keyboard (htmx swaps the row, the status region says how it
went), and registers scanned post by uploading a real PDF. axe-core finds no serious or
critical WCAG 2.1 A/AA violations on any page, error states and the swapped row included."""

from __future__ import annotations

import datetime
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from ester.cases.choices import CaseChannel
from ester.cases.models import Case
from ester.cases.tests.factories import CaseTypeFactory
from ester.intake.models import IncomingMessage, ScannedItem
from ester.intake.pipeline import store_raw
from ester.intake.tests.factories import MailboxFactory, MailboxRuleFactory, mail

from .conftest import axe_violations, describe
from .test_journey_case import login, submit_and_wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tiny_pdf(text: str) -> bytes:
    """A small but complete PDF (one page with a line of text, a correct cross-reference table)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def check_axe(page: Any, label: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{label}\n{describe(violations)}"


def test_mailbox_status_and_error_list_with_a_keyboard_retry(
    city: Any, live_server: Any, page: Any, settings: Any, tmp_path: Path
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    case_type = CaseTypeFactory(process=city.process, code="LEV-MANUELL", name="Manuell leverantörsfaktura")
    mailbox = MailboxFactory(
        address="ekonomi.rinkeby@serviceforvaltningen.example",
        customer=city.customer_x,
        default_case_type=case_type,
        last_poll_at=timezone.now(),
        last_success_at=timezone.now(),
        messages_waiting=2,
    )
    MailboxRuleFactory(mailbox=mailbox, pattern="påminnelse", case_type=case_type)
    raw = mail(subject="Faktura 4711 att betala")
    sha = hashlib.sha256(raw).hexdigest()
    failed = IncomingMessage.objects.create(
        mailbox=mailbox,
        source=IncomingMessage.Source.IMAP,
        sha256=sha,
        size=len(raw),
        from_address="kim@rinkeby.example",
        subject="Faktura 4711 att betala",
        received_at=datetime.datetime(2026, 3, 2, 9, 15, tzinfo=datetime.UTC),
        state=IncomingMessage.State.FAILED,
        reason="Ett oväntat fel inträffade. Originalet är sparat; försök igen när felet är åtgärdat.",
        raw=store_raw(sha, raw),
    )
    base = live_server.url

    login(page, base, "handler")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Inkommande post").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Funktionsbrevlådor", level=1).is_visible()
    row = page.locator("tr", has_text=mailbox.address)
    assert "Rinkeby-Kista" in row.inner_text() and "1 meddelande att åtgärda" in row.inner_text()
    check_axe(page, "mailbox status")

    row.get_by_role("link", name=mailbox.address).click()
    page.wait_for_load_state("networkidle")
    assert "påminnelse" in page.locator("#intake-rules + table").inner_text()
    check_axe(page, "mailbox detail")

    page.get_by_role("link", name=re.compile("^Inkorgsfel")).click()
    page.wait_for_load_state("networkidle")
    error_row = page.locator(f"#meddelande-{failed.pk}")
    assert "Faktura 4711 att betala" in error_row.inner_text() and "Fel" in error_row.inner_text()
    check_axe(page, "intake error list")

    # Försök igen, with the keyboard: Tab to the button, Enter.
    button = error_row.get_by_role("button", name=re.compile("^Försök igen"))
    page.get_by_role("link", name=mailbox.address).last.focus()
    for _ in range(5):
        page.keyboard.press("Tab")
        if button.evaluate("el => el === document.activeElement"):
            break
    assert button.evaluate("el => el === document.activeElement"), "the retry button is reached with Tab"
    page.keyboard.press("Enter")
    status = page.locator("#intake-retry-status")
    status.get_by_text(re.compile("Meddelandet är behandlat")).wait_for()
    failed.refresh_from_db()
    assert failed.state == IncomingMessage.State.PROCESSED and failed.case is not None
    assert f"Nytt ärende {failed.case.number}" in status.inner_text()
    swapped = page.locator(f"#meddelande-{failed.pk}")
    assert "Nytt ärende" in swapped.inner_text() and swapped.get_by_role("button").count() == 0
    assert swapped.get_by_role("link", name=failed.case.number).is_visible()
    assert page.evaluate("document.activeElement.textContent") == "Klart – försöket lyckades."  # focus stays in the row
    check_axe(page, "intake error list after retry")
    assert "/inkommande/fel/" in page.url  # htmx: no page load


def test_scanned_post_upload_with_a_real_pdf(city: Any, live_server: Any, page: Any, settings: Any, tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    case_type = CaseTypeFactory(process=city.process, code="LEV-MANUELL", name="Manuell leverantörsfaktura")
    document = tiny_pdf("Faktura 4711 - inskannad")
    base = live_server.url

    login(page, base, "handler")
    page.goto(f"{base}/inkommande/skannad-post/")
    check_axe(page, "scanned post")

    # Bad input first: a file that is not a PDF refuses the whole upload and names the file.
    page.get_by_label("PDF-filer").set_input_files(
        [
            {"name": "faktura.pdf", "mimeType": "application/pdf", "buffer": document},
            {"name": "foto.pdf", "mimeType": "application/pdf", "buffer": b"\xff\xd8\xff\xe0 a JPEG"},
        ]
    )
    page.get_by_label("Ankomststämpel").fill("2026-03-02")
    page.get_by_label("Kund").select_option(label=city.customer_x.name)
    page.get_by_label("Ärendetyp").select_option(label=f"{city.process} – {case_type.name}")
    submit_and_wait(page, page.get_by_role("button", name="Registrera", exact=True))
    alert = page.get_by_role("alert")
    assert "”foto.pdf”" in alert.inner_text() and "Ingenting registrerades" in alert.inner_text()
    assert not Case.objects.exists()
    check_axe(page, "scanned post, refused upload")

    page.get_by_label("PDF-filer").set_input_files([{"name": "faktura.pdf", "mimeType": "application/pdf", "buffer": document}])
    submit_and_wait(page, page.get_by_role("button", name="Registrera", exact=True))
    case = Case.objects.get()
    assert case.channel == CaseChannel.POST and case.customer == city.customer_x
    assert timezone.localtime(case.received_at) == timezone.make_aware(datetime.datetime(2026, 3, 2, 8, 0))
    with case.documents.get().file.open("rb") as file:
        assert file.read() == document  # unaltered
    assert ScannedItem.objects.get().case == case
    assert f"Ärendenummer: {case.number}" in page.get_by_role("status").inner_text()
    assert page.get_by_role("link", name=case.number).is_visible()
    check_axe(page, "scanned post batch")
