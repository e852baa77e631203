"""Journey: a unit manager agrees an add-on service mid-year; the customer's contact then sees it in the portal.

Every page visited is checked with axe-core: no serious or critical WCAG 2.1 A/AA violations.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from ester.agreements.models import AgreementService
from ester.agreements.services import agreement_create
from ester.organisation.tests.factories import PASSWORD

from .conftest import axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state("networkidle")


def check_axe(page: Any, visited: list[str]) -> None:
    violations = axe_violations(page)
    visited.append(page.url)
    assert not violations, f"{page.url}\n{describe(violations)}"


def test_unit_manager_adds_addon_mid_year_and_contact_sees_it(city: Any, live_server: Any, page: Any, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    year = timezone.localdate().year
    agreement = agreement_create(actor=city.sysadmin, customer=city.customer_x, year=year, status="utkast")
    start = datetime.date(year, 6, 1)
    visited: list[str] = []
    base = live_server.url

    login(page, base, "unit_manager")
    check_axe(page, visited)
    page.goto(f"{base}/organisation/kunder/")
    check_axe(page, visited)
    page.get_by_role("link", name=city.customer_x.name).first.click()
    page.wait_for_load_state("networkidle")
    check_axe(page, visited)
    page.goto(f"{base}/avtal/{agreement.pk}/")
    check_axe(page, visited)

    form = page.locator("form", has=page.get_by_label("Tilläggstjänst"))
    form.get_by_label("Tilläggstjänst").select_option(label=f"{city.process.name}: {city.addon.name}")
    form.get_by_label("Från").fill(start.isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Anläggningsredovisning").first.is_visible()
    check_axe(page, visited)
    assert AgreementService.objects.filter(agreement=agreement, service=city.addon, start=start).exists()

    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_load_state("networkidle")

    login(page, base, "contact_x")
    assert f"/portal/{city.customer_x.pk}/" in page.url
    check_axe(page, visited)
    services = page.locator("section", has=page.get_by_role("heading", name="Tjänster i avtalet"))
    row = services.locator("tr", has_text="Anläggningsredovisning")
    assert row.count() == 1
    assert start.isoformat() in row.inner_text()
    assert city.customer_y.name not in page.content()
    assert len(visited) >= 6


def test_login_failure_message_is_swedish_and_accessible(city: Any, live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Användarnamn").fill("unit_manager")
    page.get_by_label("Lösenord").fill("fel-lösenord")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("alert").inner_text().startswith("Fel användarnamn eller lösenord")
    assert not axe_violations(page)
