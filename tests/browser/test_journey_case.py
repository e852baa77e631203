"""Journey: a customer contact submits underlag in the portal, a handler takes it from the queue and
returns it for completion with two reasons, the contact completes it in the portal, the handler
closes it, and the timeline shows every step — on the handler's page and in the portal.

Every page visited is checked with axe-core: no serious or critical WCAG 2.1 A/AA violations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ester.cases.choices import CaseChannel, CaseStatus, EventKind
from ester.cases.models import Case
from ester.cases.tests.factories import CaseTypeFactory, ReturnReasonFactory
from ester.organisation.tests.factories import PASSWORD

from .conftest import axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state("networkidle")


def logout(page: Any) -> None:
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_load_state("networkidle")


def check_axe(page: Any, visited: list[str]) -> None:
    violations = axe_violations(page)
    visited.append(page.url)
    assert not violations, f"{page.url}\n{describe(violations)}"


def submit_and_wait(page: Any, button: Any) -> None:
    button.click()
    page.wait_for_load_state("networkidle")


def pdf(name: str, extra: bytes = b"") -> dict[str, Any]:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF + extra}


def test_portal_submission_return_completion_and_close(
    city: Any, live_server: Any, page: Any, settings: Any, tmp_path: Path
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path
    case_type = CaseTypeFactory(
        process=city.process,
        code="LEVMAN",
        name="Manuell leverantörsfaktura",
        portal_fields=[
            {"name": "fakturanummer", "label": "Fakturanummer", "required": True},
            {"name": "forfallodatum", "label": "Förfallodatum", "required": True, "type": "date"},
        ],
    )
    ReturnReasonFactory(process=city.process, code="ATTEST", text="Attest saknas", order=1)
    ReturnReasonFactory(process=city.process, code="FORFALLO", text="Förfallodatum saknas", order=2)
    ReturnReasonFactory(process=city.process, code="KONTERING", text="Kontering saknas", order=3)
    base = live_server.url
    visited: list[str] = []

    # 1. The contact submits underlag in the portal and gets the case number at once.
    login(page, base, "contact_x")
    assert f"/portal/{city.customer_x.pk}/" in page.url
    check_axe(page, visited)
    page.get_by_role("link", name="Skicka underlag").click()
    page.wait_for_load_state("networkidle")
    check_axe(page, visited)
    page.get_by_role("link", name=case_type.name).click()
    page.wait_for_load_state("networkidle")
    check_axe(page, visited)
    # Bad input first: a required field left out and a forbidden file refuse the whole submission.
    page.get_by_label("Rubrik").fill("Faktura 4711 från Leverantören AB")
    page.get_by_label("Bilagor").set_input_files(
        [pdf("faktura.pdf"), {"name": "program.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00"}]
    )
    submit_and_wait(page, page.get_by_role("button", name="Skicka", exact=True))
    alert = page.get_by_role("alert")
    assert "Fyll i Fakturanummer – uppgiften krävs." in alert.inner_text()
    assert "Filen ”program.exe” har en filtyp som inte tas emot." in alert.inner_text()
    assert not Case.objects.exists()
    check_axe(page, visited)
    page.get_by_label("Fakturanummer").fill("4711")
    page.get_by_label("Förfallodatum").fill("2026-05-29")
    page.get_by_label("Rubrik").fill("Faktura 4711 från Leverantören AB")
    page.get_by_label("Beskrivning").fill("Manuell faktura, ska betalas i maj.")
    page.get_by_label("Bilagor").set_input_files([pdf("faktura.pdf")])
    submit_and_wait(page, page.get_by_role("button", name="Skicka", exact=True))
    case = Case.objects.get()
    assert case.channel == CaseChannel.PORTAL and case.team == city.team_a
    assert f"Ärendet har nummer {case.number}" in page.get_by_role("status").inner_text()
    check_axe(page, visited)
    logout(page)

    # 2. The handler takes it from the queue and returns it for completion with two reasons.
    login(page, base, "handler")
    page.goto(f"{base}/arenden/?ko=otilldelade")
    check_axe(page, visited)
    assert page.locator("table", has_text=case.number).count() == 1
    submit_and_wait(page, page.get_by_role("button", name="Ta nästa"))
    assert f"/arenden/{case.pk}/" in page.url
    check_axe(page, visited)
    return_form = page.locator("form", has=page.get_by_role("button", name="Skicka begäran om komplettering"))
    return_form.get_by_label("Attest saknas").check()
    return_form.get_by_label("Förfallodatum saknas").check()
    submit_and_wait(page, return_form.get_by_role("button", name="Skicka begäran om komplettering"))
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING and case.assignee == city.handler
    check_axe(page, visited)
    logout(page)

    # 3. The contact sees that the case waits for them, reads the letter and completes it.
    login(page, base, "contact_x")
    page.goto(f"{base}/portal/{city.customer_x.pk}/arenden/")
    row = page.locator("tr", has_text=case.number)
    assert "Väntar på er" in row.inner_text()
    check_axe(page, visited)
    row.get_by_role("link", name=case.number).click()
    page.wait_for_load_state("networkidle")
    letter = page.locator("section", has=page.get_by_role("heading", name="Komplettering behövs"))
    assert "Attest saknas" in letter.inner_text() and "Förfallodatum saknas" in letter.inner_text()
    assert "Kontering saknas" not in letter.inner_text()
    check_axe(page, visited)
    page.get_by_label("Vad kompletterar ni med?").fill("Attesterad faktura bifogad; förfallodatum 29 maj.")
    page.get_by_label("Bilagor").set_input_files([pdf("attesterad.pdf", b"% attest\n")])
    submit_and_wait(page, page.get_by_role("button", name="Skicka komplettering"))
    assert "Kompletteringen av ärende" in page.get_by_role("status").inner_text()
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.paused_since is None
    check_axe(page, visited)
    logout(page)

    # 4. The handler closes it; the timeline shows every step.
    login(page, base, "handler")
    page.goto(f"{base}/arenden/{case.pk}/")
    check_axe(page, visited)
    close_form = page.locator("form", has=page.get_by_role("button", name="Avsluta ärendet"))
    close_form.get_by_label("Avslutande kommentar").fill("Fakturan är betald.")
    submit_and_wait(page, close_form.get_by_role("button", name="Avsluta ärendet"))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    check_axe(page, visited)
    timeline = page.locator("#tidslinje").inner_text()
    for step in (
        "Registrerat",
        "Dokument tillagt",
        "Tilldelat",
        "Återsänt för komplettering",
        "Kompletterat av kunden",
        "Avslutat",
    ):
        assert step in timeline, step
    assert "attesterad.pdf" in page.locator("#dokument").inner_text()
    kinds = list(case.events.order_by("at", "id").values_list("kind", flat=True))
    for earlier, later in [
        (EventKind.CREATED, EventKind.ASSIGNED),
        (EventKind.ASSIGNED, EventKind.RETURNED),
        (EventKind.RETURNED, EventKind.COMPLETED),
        (EventKind.COMPLETED, EventKind.CLOSED),
    ]:
        assert kinds.index(earlier) < kinds.index(later), kinds
    logout(page)

    # 5. The contact sees the whole customer-facing timeline — and no internal rows.
    login(page, base, "contact_x")
    page.goto(f"{base}/portal/arenden/{case.pk}/")
    check_axe(page, visited)
    portal_timeline = page.locator("section", has=page.get_by_role("heading", name="Händelser")).inner_text()
    for step in ("Registrerat", "Dokument tillagt", "Återsänt för komplettering", "Kompletterat av kunden", "Avslutat"):
        assert step in portal_timeline, step
    assert "Tilldelat" not in portal_timeline and "Klockan pausad" not in portal_timeline
    assert "Fakturan är betald." in portal_timeline
    assert len(visited) >= 14
