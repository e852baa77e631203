"""Every main page passes axe-core, error states included, and the keyboard helpers work.

The sweep collects every failing page and asserts once at the end, so one run shows every problem.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import axe_violations, describe
from .test_journey_addon import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_pages(city: Any) -> list[str]:
    customer, agreement, price_list = city.customer_x.pk, city.agreement_x.pk, city.price_list.pk
    return [
        "/organisation/kunder/",
        f"/organisation/kunder/{customer}/",
        f"/organisation/kunder/{customer}/andra/",
        "/organisation/kunder/ny/",
        f"/organisation/kunder/{customer}/kontakter/ny/",
        f"/organisation/kontakter/{city.contact_person_x.pk}/andra/",
        f"/organisation/kunder/{customer}/handlaggning/",
        "/organisation/",
        "/organisation/?datum=2012-06-01",
        "/avtal/",
        "/avtal/?ar=2012",
        f"/avtal/{agreement}/",
        f"/avtal/{agreement}/andra/",
        "/avtal/ny/",
        "/avtal/kopiera/?ar=2012",
        "/avtal/prislistor/",
        f"/avtal/prislistor/{price_list}/",
        f"/avtal/prislistor/{price_list}/ny-version/",
        "/avtal/tjanster/",
        "/profil/",
    ]


def check(page: Any, failures: list[str], label: str = "") -> None:
    violations = axe_violations(page)
    if violations:
        failures.append(f"{label or page.url}\n{describe(violations)}")


def test_every_main_page_has_no_serious_axe_violations(city: Any, live_server: Any, page: Any) -> None:
    base = live_server.url
    failures: list[str] = []

    login(page, base, "sysadmin")
    for path in staff_pages(city):
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, path
        check(page, failures)

    # An error state: the new-customer form submitted through the browser with an invalid organisation number.
    page.goto(f"{base}/organisation/kunder/ny/")
    page.get_by_label(re.compile(r"^Namn")).fill("Skarpnäcks stadsdelsförvaltning")
    page.get_by_label("Organisationsnummer").fill("12345")
    page.get_by_label("Ansvarig enhet:", exact=True).select_option(value=str(city.unit1.pk))
    page.get_by_role("button", name="Spara").click()
    page.wait_for_load_state("networkidle")
    alert = page.get_by_role("alert")
    assert "Organisationsnummer" in alert.inner_text()
    assert page.get_by_label("Organisationsnummer").get_attribute("aria-invalid") == "true"
    check(page, failures, "new customer, invalid organisation number")

    # English, switched once in the header; the choice sticks for the session.
    page.goto(f"{base}/organisation/kunder/{city.customer_x.pk}/")
    page.locator("#lang-select").select_option("en")
    page.locator(".lang-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    check(page, failures, "customer detail in English")
    page.goto(f"{base}/avtal/{city.agreement_x.pk}/")
    assert page.locator("html").get_attribute("lang") == "en"
    check(page, failures, "agreement detail in English")
    page.locator("#lang-select").select_option("sv")
    page.locator(".lang-form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_load_state("networkidle")

    login(page, base, "contact_x")
    assert f"/portal/{city.customer_x.pk}/" in page.url
    check(page, failures, "portal")

    assert not failures, "\n\n".join(failures)


def test_keyboard_search_skip_link_and_shortcut_help(city: Any, live_server: Any, page: Any) -> None:
    base = live_server.url
    login(page, base, "sysadmin")
    page.goto(f"{base}/organisation/kunder/")
    rows = page.locator("table.org-register tbody tr")
    assert rows.filter(has_text=city.customer_y.name).count() == 1

    # `/` focuses the search; typing filters the list through htmx, without reloading the page.
    page.evaluate("window.__notReloaded = true")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.hasAttribute('data-search')")
    page.keyboard.type("Rinkeby")
    rows.filter(has_text=city.customer_y.name).wait_for(state="detached")
    assert rows.filter(has_text=city.customer_x.name).count() == 1
    assert page.evaluate("window.__notReloaded === true")
    assert "q=Rinkeby" in page.url

    # Tab from the top of a fresh page reaches the skip link first; following it moves focus to <main>.
    page.goto(f"{base}/organisation/kunder/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")

    # `?` opens the shortcut help as a dialog; Escape closes it.
    help_dialog = page.get_by_role("dialog", name="Kortkommandon")
    assert not help_dialog.is_visible()
    page.keyboard.press("?")
    help_dialog.wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "shortcut-help"
    page.keyboard.press("Escape")
    help_dialog.wait_for(state="hidden")


def test_focused_element_has_a_visible_outline(city: Any, live_server: Any, page: Any) -> None:
    base = live_server.url
    login(page, base, "sysadmin")
    page.goto(f"{base}/organisation/kunder/")
    focused = """() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return {tag: el.outerHTML.slice(0, 60), style: style.outlineStyle, width: parseFloat(style.outlineWidth)};
    }"""
    for _ in range(4):  # the skip link, the brand link, then the main menu
        page.keyboard.press("Tab")
        state = page.evaluate(focused)
        assert not state["tag"].startswith("<body"), state
        assert state["style"] != "none" and state["width"] > 0, state
    page.keyboard.press("/")
    state = page.evaluate(focused)
    assert "data-search" in state["tag"], state
    assert state["style"] != "none" and state["width"] > 0, state
