"""The organisation's staff pages, for every persona on both sides of the access line."""

from __future__ import annotations

import datetime
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ester.core.access import Role
from ester.core.models import AuditEntry
from ester.organisation.choices import ContactRole, CustomerKind
from ester.organisation.models import Customer, CustomerContact, HandlingAssignment
from ester.organisation.tests import factories as f

pytestmark = pytest.mark.django_db

STAFF = ["handler", "handler_b", "unit_manager", "head_of_area", "controller", "sysadmin"]
NON_STAFF = ["contact_x", "contact_y", "outsider"]
SEES_X = ["handler", "unit_manager", "head_of_area", "controller", "sysadmin"]
BLIND_TO_X = ["handler_b", "contact_x", "contact_y", "outsider"]
CHANGES_X = ["unit_manager", "head_of_area", "sysadmin"]
MAY_NOT_CHANGE_X = ["handler", "handler_b", "controller", "contact_x", "contact_y", "outsider"]


def url(name: str, *args: Any) -> str:
    return reverse(f"organisation:{name}", args=args)


def login(client: Any, city: Any, persona: str) -> Any:
    client.force_login(city.users[persona])
    return client


def customer_pages(city: Any) -> list[str]:
    x = city.customer_x.pk
    return [
        url("customer-detail", x),
        url("customer-edit", x),
        url("contact-create", x),
        url("contact-edit", city.contact_person_x.pk),
        url("handling-change", x),
    ]


def valid_customer_post(city: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Skarpnäcks stadsdelsförvaltning",
        "short_name": "SDF Skarpnäck",
        "kind": CustomerKind.DISTRICT,
        "org_number": "2120000142",
        "responsible_unit": city.unit1.pk,
        "responsible_manager": city.unit_manager.pk,
        "our_contact": "",
        "mailbox": "skarpnack.ekonomi@sf.example",
        "notes": "",
        "valid_from": "2012-01-01",
        "valid_to": "",
    }
    data.update(overrides)
    return data


def unit_options(response: Any) -> list[int]:
    """The values offered in the customer form's "ansvarig enhet" list."""
    import re

    body = response.content.decode()
    select = re.search(r'<select name="responsible_unit".*?</select>', body, re.S)
    assert select, "no responsible_unit select"
    return [int(v) for v in re.findall(r'<option value="(\d+)"', select.group(0))]


# --- who gets in -----------------------------------------------------------------------


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client: Any, city: Any) -> None:
        for page in [
            url("overview"),
            url("customer-list"),
            url("customer-export"),
            url("customer-create"),
            *customer_pages(city),
        ]:
            response = client.get(page)
            assert response.status_code == 302, page
            assert response["Location"].startswith(reverse("accounts:login")), page

    @pytest.mark.parametrize("persona", STAFF)
    def test_staff_open_the_register_and_the_overview(self, client: Any, city: Any, persona: str) -> None:
        login(client, city, persona)
        assert client.get(url("customer-list")).status_code == 200
        assert client.get(url("overview")).status_code == 200
        assert client.get(url("customer-export")).status_code == 200

    @pytest.mark.parametrize("persona", NON_STAFF)
    def test_staff_pages_are_404_for_contacts_and_outsiders(self, client: Any, city: Any, persona: str) -> None:
        """A customer contact is not staff, even for their own customer's pages."""
        login(client, city, persona)
        pages = [url("overview"), url("customer-list"), url("customer-export"), url("customer-create"), *customer_pages(city)]
        pages += [url("customer-detail", city.customer_y.pk), url("contact-edit", city.contact_person_y.pk)]
        for page in pages:
            assert client.get(page).status_code == 404, page
            assert client.post(page, {}).status_code == 404, page

    @pytest.mark.parametrize("persona", SEES_X)
    def test_detail_of_x_for_those_who_see_x(self, client: Any, city: Any, persona: str) -> None:
        response = login(client, city, persona).get(url("customer-detail", city.customer_x.pk))
        assert response.status_code == 200
        assert city.customer_x.name in response.content.decode()

    @pytest.mark.parametrize("persona", BLIND_TO_X)
    def test_detail_of_x_is_404_for_the_others(self, client: Any, city: Any, persona: str) -> None:
        assert login(client, city, persona).get(url("customer-detail", city.customer_x.pk)).status_code == 404

    @pytest.mark.parametrize("persona", CHANGES_X)
    def test_change_pages_of_x_open_for_those_who_may_change_x(self, client: Any, city: Any, persona: str) -> None:
        login(client, city, persona)
        for page in [*customer_pages(city)[1:], url("customer-create")]:
            assert client.get(page).status_code == 200, page

    @pytest.mark.parametrize("persona", MAY_NOT_CHANGE_X)
    def test_change_pages_of_x_are_404_for_the_others(self, client: Any, city: Any, persona: str) -> None:
        login(client, city, persona)
        before = AuditEntry.objects.count()
        for page in customer_pages(city)[1:]:
            assert client.get(page).status_code == 404, page
            assert client.post(page, {"name": "Kapad", "valid_from": "2012-01-01"}).status_code == 404, page
        assert AuditEntry.objects.count() == before
        assert Customer.objects.get(pk=city.customer_x.pk).name == city.customer_x.name

    @pytest.mark.parametrize("persona", ["handler", "handler_b", "controller"])
    def test_viewers_may_not_create_customers(self, client: Any, city: Any, persona: str) -> None:
        login(client, city, persona)
        assert client.get(url("customer-create")).status_code == 404
        assert client.post(url("customer-create"), valid_customer_post(city)).status_code == 404
        assert not Customer.objects.filter(name="Skarpnäcks stadsdelsförvaltning").exists()

    def test_missing_customer_is_404_like_a_forbidden_one(self, client: Any, city: Any) -> None:
        login(client, city, "sysadmin")
        assert client.get(url("customer-detail", 999_999)).status_code == 404
        assert client.get(url("contact-edit", 999_999)).status_code == 404

    def test_posts_need_the_csrf_token(self, city: Any) -> None:
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(city.sysadmin)
        response = client.post(url("customer-edit", city.customer_x.pk), valid_customer_post(city, name="Utan token"))
        assert response.status_code == 403
        assert not Customer.objects.filter(name="Utan token").exists()


# --- the customer register ---------------------------------------------------------------


class TestCustomerList:
    def test_handler_sees_only_the_customers_of_their_team(self, client: Any, city: Any) -> None:
        body = login(client, city, "handler").get(url("customer-list")).content.decode()
        assert city.customer_x.name in body
        assert city.customer_y.name not in body

    def test_handler_b_does_not_see_x(self, client: Any, city: Any) -> None:
        body = login(client, city, "handler_b").get(url("customer-list")).content.decode()
        assert city.customer_y.name in body
        assert city.customer_x.name not in body

    def test_columns_and_search_field(self, client: Any, city: Any) -> None:
        body = login(client, city, "sysadmin").get(url("customer-list")).content.decode()
        for column in ["Namn", "Typ", "Org.nr", "Ansvarig enhet", "Kundansvarig enhetschef", "Funktionsbrevlåda", "Giltig"]:
            assert f'<th scope="col">{column}</th>' in body
        assert "data-search" in body
        assert 'hx-get="/organisation/kunder/"' in body
        assert 'hx-target="#results"' in body
        assert 'hx-push-url="true"' in body
        assert city.customer_x.org_number in body
        assert city.customer_x.mailbox in body
        assert str(city.unit_manager) in body

    @pytest.mark.parametrize(
        ("persona", "shown"),
        [("unit_manager", True), ("head_of_area", True), ("sysadmin", True), ("handler", False), ("controller", False)],
    )
    def test_new_customer_button_only_for_those_who_may_create(self, client: Any, city: Any, persona: str, shown: bool) -> None:
        body = login(client, city, persona).get(url("customer-list")).content.decode()
        assert (url("customer-create") in body) is shown
        assert "Exportera till Excel" in body

    def test_search_by_name_org_number_and_mailbox(self, client: Any, city: Any) -> None:
        login(client, city, "sysadmin")
        for q in ["rinkeby", city.customer_x.org_number, city.customer_x.mailbox.split("@")[0]]:
            body = client.get(url("customer-list"), {"f": "1", "q": q, "active": "on"}).content.decode()
            assert city.customer_x.name in body, q
            assert city.customer_y.name not in body, q

    def test_filter_by_kind_and_unit(self, client: Any, city: Any) -> None:
        company = f.CustomerFactory(name="Stadens Bostadsbolag AB", kind=CustomerKind.COMPANY, responsible_unit=city.unit2)
        login(client, city, "sysadmin")
        body = client.get(url("customer-list"), {"f": "1", "kind": CustomerKind.COMPANY}).content.decode()
        assert company.name in body and city.customer_x.name not in body
        body = client.get(url("customer-list"), {"f": "1", "unit": city.unit1.pk}).content.decode()
        assert city.customer_x.name in body and city.customer_y.name not in body and company.name not in body

    def test_only_active_by_default_and_all_when_unticked(self, client: Any, city: Any) -> None:
        ended = f.CustomerFactory(
            name="Gamla Fastighetskontoret", responsible_unit=city.unit1, valid_to=datetime.date(2012, 12, 31)
        )
        login(client, city, "sysadmin")
        assert ended.name not in client.get(url("customer-list")).content.decode()
        assert ended.name not in client.get(url("customer-list"), {"f": "1", "active": "on"}).content.decode()
        body = client.get(url("customer-list"), {"f": "1"}).content.decode()
        assert ended.name in body
        assert "Upphört" in body  # not only a colour

    def test_nonsense_filters_are_ignored(self, client: Any, city: Any) -> None:
        response = login(client, city, "sysadmin").get(url("customer-list"), {"f": "1", "unit": "abc", "kind": "x", "sida": "zz"})
        assert response.status_code == 200

    def test_htmx_gets_only_the_results(self, client: Any, city: Any) -> None:
        response = login(client, city, "sysadmin").get(url("customer-list"), {"f": "1", "q": "bromma"}, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in body and "<form" not in body
        assert city.customer_y.name in body and city.customer_x.name not in body
        assert "1 kund" in body

    def test_htmx_history_restore_gets_the_whole_page(self, client: Any, city: Any) -> None:
        response = login(client, city, "sysadmin").get(
            url("customer-list"), {"f": "1", "q": "bromma"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
        )
        assert "<html" in response.content.decode()
        assert "HX-Request" in response["Vary"]

    def test_pagination_keeps_the_filters(self, client: Any, city: Any) -> None:
        for n in range(55):
            f.CustomerFactory(name=f"Förvaltning {n:02d}", responsible_unit=city.unit1)
        login(client, city, "sysadmin")
        body = client.get(url("customer-list"), {"f": "1", "q": "Förvaltning"}).content.decode()
        assert "Sida 1 av 2" in body
        assert "sida=2" in body and "q=F%C3%B6rvaltning" in body
        page2 = client.get(url("customer-list"), {"f": "1", "q": "Förvaltning", "sida": "2"}).content.decode()
        assert "Förvaltning 54" in page2

    def test_query_count_does_not_grow_with_the_customers(self, client: Any, city: Any) -> None:
        login(client, city, "handler")

        def queries() -> int:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url("customer-list")).status_code == 200
            return len(ctx.captured_queries)

        f.HandlingAssignmentFactory(
            customer=f.CustomerFactory(responsible_unit=city.unit1), process=city.process, team=city.team_a
        )
        with_three = queries()
        for _ in range(27):
            customer = f.CustomerFactory(responsible_unit=city.unit1, responsible_manager=city.unit_manager)
            f.HandlingAssignmentFactory(customer=customer, process=city.process, team=city.team_a)
        with_thirty = queries()
        assert with_thirty == with_three

    def test_query_count_bound(self, client: Any, city: Any, django_assert_max_num_queries: Any) -> None:
        for _ in range(30):
            f.CustomerFactory(responsible_unit=city.unit1, responsible_manager=city.unit_manager)
        login(client, city, "unit_manager")
        with django_assert_max_num_queries(15):
            assert client.get(url("customer-list")).status_code == 200


class TestExport:
    def workbook(self, response: Any) -> Any:
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        return load_workbook(BytesIO(response.content))

    def names(self, sheet: Any) -> list[str]:
        return [row[0] for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]]

    def test_contains_only_visible_customers(self, client: Any, city: Any) -> None:
        wb = self.workbook(login(client, city, "handler").get(url("customer-export")))
        assert self.names(wb["Kunder"]) == [city.customer_x.name]
        assert city.customer_y.name not in str([list(r) for r in wb["Handläggning"].iter_rows(values_only=True)])

    def test_columns_contacts_handling_and_mailbox(self, client: Any, city: Any) -> None:
        f.CustomerContactFactory(customer=city.customer_x, name="Extra Kontakt")
        wb = self.workbook(login(client, city, "sysadmin").get(url("customer-export")))
        sheet = wb["Kunder"]
        headers = [c.value for c in sheet[3]]
        assert headers[:4] == ["Namn", "Kortnamn", "Typ", "Organisationsnummer"]
        rows = {row[0]: dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=4, values_only=True)}
        assert set(rows) == {city.customer_x.name, city.customer_y.name}
        x = rows[city.customer_x.name]
        assert x["Antal kontakter"] == 2
        assert x["Funktionsbrevlåda"] == city.customer_x.mailbox
        assert x["Handläggande team per process"] == "Leverantörsreskontra: Team A"
        assert x["Kundansvarig enhetschef"] == str(city.unit_manager)
        handling = list(wb["Handläggning"].iter_rows(min_row=4, values_only=True))
        assert (city.customer_x.name, city.customer_x.org_number, "Leverantörsreskontra", "Team A", "Enhet 1") in [
            r[:5] for r in handling
        ]

    def test_follows_the_filters(self, client: Any, city: Any) -> None:
        wb = self.workbook(login(client, city, "sysadmin").get(url("customer-export"), {"f": "1", "q": "bromma"}))
        assert self.names(wb["Kunder"]) == [city.customer_y.name]

    def test_the_link_carries_the_filters(self, client: Any, city: Any) -> None:
        body = login(client, city, "sysadmin").get(url("customer-list"), {"f": "1", "q": "bromma"}).content.decode()
        assert f"{url('customer-export')}?f=1&amp;q=bromma" in body


# --- a customer's page -----------------------------------------------------------------


class TestCustomerDetail:
    def test_shows_facts_contacts_handling_agreements_and_audit(self, client: Any, city: Any) -> None:
        body = login(client, city, "handler").get(url("customer-detail", city.customer_x.pk)).content.decode()
        assert city.customer_x.org_number in body
        assert city.contact_person_x.name in body
        assert "Team A" in body and "Leverantörsreskontra" in body
        assert reverse("agreements:agreement-detail", args=[city.agreement_x.pk]) in body
        assert reverse("agreements:agreement-detail", args=[city.agreement_y.pk]) not in body
        assert "Ändringshistorik" in body
        assert city.contact_person_y.name not in body

    def test_handling_history_with_validity(self, client: Any, city: Any) -> None:
        from ester.organisation.services import handling_assignment_set

        handling_assignment_set(
            actor=city.sysadmin,
            customer=city.customer_x,
            process=city.process,
            team=city.team_b,
            valid_from=datetime.date(2012, 7, 1),
        )
        body = login(client, city, "sysadmin").get(url("customer-detail", city.customer_x.pk)).content.decode()
        assert "Team A" in body and "Team B" in body
        assert "2012-06-30" in body and "2012-07-01" in body
        assert "Upphört" in body

    @pytest.mark.parametrize(
        ("persona", "shown"), [("unit_manager", True), ("sysadmin", True), ("handler", False), ("controller", False)]
    )
    def test_change_buttons_only_for_those_who_may_change(self, client: Any, city: Any, persona: str, shown: bool) -> None:
        body = login(client, city, persona).get(url("customer-detail", city.customer_x.pk)).content.decode()
        for link in [
            url("customer-edit", city.customer_x.pk),
            url("contact-create", city.customer_x.pk),
            url("handling-change", city.customer_x.pk),
        ]:
            assert (link in body) is shown, link

    def test_audit_trail_after_an_edit(self, client: Any, city: Any) -> None:
        login(client, city, "unit_manager")
        client.post(
            url("customer-edit", city.customer_x.pk),
            valid_customer_post(city, name="Rinkeby-Kista SDF", org_number=city.customer_x.org_number),
        )
        body = client.get(url("customer-detail", city.customer_x.pk)).content.decode()
        assert "<del>Rinkeby-Kista stadsdelsförvaltning</del>" in body
        assert "<ins>Rinkeby-Kista SDF</ins>" in body


# --- create and edit -------------------------------------------------------------------


class TestCustomerForms:
    def test_create_happy_path(self, client: Any, city: Any) -> None:
        response = login(client, city, "unit_manager").post(url("customer-create"), valid_customer_post(city), follow=True)
        customer = Customer.objects.get(name="Skarpnäcks stadsdelsförvaltning")
        assert response.redirect_chain[-1][0] == url("customer-detail", customer.pk)
        assert customer.org_number == "212000-0142"
        assert customer.responsible_unit == city.unit1
        assert customer.responsible_manager == city.unit_manager
        assert "Kunden Skarpnäcks stadsdelsförvaltning är registrerad." in response.content.decode()
        assert AuditEntry.objects.filter(
            kind=AuditEntry.Kind.CREATE, subject_id=str(customer.pk), actor=city.unit_manager
        ).exists()

    @pytest.mark.parametrize(
        ("org_number", "message"),
        [
            ("2120000143", "kontrollsiffran stämmer inte"),
            ("21200001", "ska ha tio siffror"),
            ("", "Ange organisationsnummer i formatet NNNNNN-NNNN."),
        ],
    )
    def test_bad_org_number_saves_nothing_and_says_why_in_swedish(
        self, client: Any, city: Any, org_number: str, message: str
    ) -> None:
        before = (Customer.objects.count(), AuditEntry.objects.count())
        response = login(client, city, "unit_manager").post(
            url("customer-create"), valid_customer_post(city, org_number=org_number)
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert message in body
        assert "Uppgifterna sparades inte" in body
        assert 'aria-invalid="true"' in body and 'href="#id_org_number"' in body
        assert (Customer.objects.count(), AuditEntry.objects.count()) == before

    def test_unit_manager_may_only_pick_their_own_unit(self, client: Any, city: Any) -> None:
        login(client, city, "unit_manager")
        assert unit_options(client.get(url("customer-create"))) == [city.unit1.pk]
        response = client.post(url("customer-create"), valid_customer_post(city, responsible_unit=city.unit2.pk))
        assert response.status_code == 200
        assert "Välj ett giltigt alternativ" in response.content.decode()
        assert not Customer.objects.filter(name="Skarpnäcks stadsdelsförvaltning").exists()

    def test_head_of_area_picks_any_unit_in_the_area(self, client: Any, city: Any) -> None:
        elsewhere = f.UnitFactory(area=city.other_area, name="Löneenhet 1")
        options = unit_options(login(client, city, "head_of_area").get(url("customer-create")))
        assert options == [city.unit1.pk, city.unit2.pk]
        assert elsewhere.pk not in options
        response = client.post(url("customer-create"), valid_customer_post(city, responsible_unit=city.unit2.pk))
        assert response.status_code == 302
        assert Customer.objects.get(name="Skarpnäcks stadsdelsförvaltning").responsible_unit == city.unit2

    def test_duplicate_name_is_refused_with_a_message(self, client: Any, city: Any) -> None:
        response = login(client, city, "sysadmin").post(
            url("customer-create"), valid_customer_post(city, name=city.customer_y.name)
        )
        assert response.status_code == 200
        assert "finns redan" in response.content.decode()
        assert Customer.objects.filter(name=city.customer_y.name).count() == 1

    def test_valid_to_before_valid_from_is_refused(self, client: Any, city: Any) -> None:
        response = login(client, city, "sysadmin").post(url("customer-create"), valid_customer_post(city, valid_to="2011-01-01"))
        assert "”Giltig till” måste vara samma dag som eller efter ”giltig från”." in response.content.decode()
        assert not Customer.objects.filter(name="Skarpnäcks stadsdelsförvaltning").exists()

    def test_edit_happy_path(self, client: Any, city: Any) -> None:
        login(client, city, "unit_manager")
        form = client.get(url("customer-edit", city.customer_x.pk)).content.decode()
        assert city.customer_x.org_number in form
        data = valid_customer_post(city, name=city.customer_x.name, org_number="212000 0142", mailbox="ny.brevlada@sf.example")
        response = client.post(url("customer-edit", city.customer_x.pk), data, follow=True)
        assert response.redirect_chain[-1][0] == url("customer-detail", city.customer_x.pk)
        assert "är sparade" in response.content.decode()
        city.customer_x.refresh_from_db()
        assert city.customer_x.mailbox == "ny.brevlada@sf.example"
        assert city.customer_x.org_number == "212000-0142"

    def test_edit_with_bad_org_number_changes_nothing(self, client: Any, city: Any) -> None:
        original = city.customer_x.org_number
        before = AuditEntry.objects.count()
        response = login(client, city, "unit_manager").post(
            url("customer-edit", city.customer_x.pk), valid_customer_post(city, name="Nytt namn", org_number="5560000000")
        )
        assert response.status_code == 200
        assert "kontrollsiffran stämmer inte" in response.content.decode()
        city.customer_x.refresh_from_db()
        assert (city.customer_x.name, city.customer_x.org_number) == ("Rinkeby-Kista stadsdelsförvaltning", original)
        assert AuditEntry.objects.count() == before

    def test_edit_keeps_a_unit_outside_the_users_scope(self, client: Any, city: Any) -> None:
        """X is handled by team A (unit 1) but may belong to unit 2; its manager can still save it."""
        city.customer_x.responsible_unit = city.unit2
        city.customer_x.save(update_fields=["responsible_unit"])
        login(client, city, "unit_manager")
        data = valid_customer_post(
            city, name=city.customer_x.name, org_number=city.customer_x.org_number, responsible_unit=city.unit2.pk
        )
        assert client.post(url("customer-edit", city.customer_x.pk), data).status_code == 302

    def test_edit_without_changes_says_so(self, client: Any, city: Any) -> None:
        x = city.customer_x
        data = valid_customer_post(
            city,
            name=x.name,
            short_name=x.short_name,
            kind=x.kind,
            org_number=x.org_number,
            mailbox=x.mailbox,
            valid_from=x.valid_from.isoformat(),
        )
        before = AuditEntry.objects.count()
        response = login(client, city, "unit_manager").post(url("customer-edit", x.pk), data, follow=True)
        assert "Inget ändrades." in response.content.decode()
        assert AuditEntry.objects.count() == before

    def test_every_input_has_a_label(self, client: Any, city: Any) -> None:
        import re

        login(client, city, "sysadmin")
        for page in [url("customer-create"), *customer_pages(city)[1:], url("customer-list"), url("overview")]:
            body = client.get(page).content.decode()
            main = body[body.index("<main") :]
            ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', main)
            assert ids, page
            for field_id in ids:
                assert f'for="{field_id}"' in main, (page, field_id)


# --- contacts and handling -------------------------------------------------------------


class TestContactForms:
    def test_add_contact(self, client: Any, city: Any) -> None:
        data = {
            "name": "Cecilia Controller",
            "role": ContactRole.CONTROLLER,
            "email": "cecilia@rinkeby.example",
            "phone": "08-508 00 000",
        }
        response = login(client, city, "unit_manager").post(url("contact-create", city.customer_x.pk), data, follow=True)
        contact = CustomerContact.objects.get(name="Cecilia Controller")
        assert contact.customer == city.customer_x and contact.active
        assert response.redirect_chain[-1][0] == url("customer-detail", city.customer_x.pk) + "#kontakter"
        assert "Kontakten Cecilia Controller är tillagd." in response.content.decode()
        assert AuditEntry.objects.filter(
            subject_id=str(contact.pk), owner_id=str(city.customer_x.pk), kind=AuditEntry.Kind.CREATE
        ).exists()

    def test_add_contact_with_bad_email_saves_nothing(self, client: Any, city: Any) -> None:
        before = CustomerContact.objects.count()
        response = login(client, city, "unit_manager").post(
            url("contact-create", city.customer_x.pk),
            {"name": "Fel Adress", "role": ContactRole.CONTACT, "email": "inte-en-adress"},
        )
        assert response.status_code == 200
        assert "Ange en giltig mejladress." in response.content.decode()
        assert CustomerContact.objects.count() == before

    def test_edit_and_deactivate_contact(self, client: Any, city: Any) -> None:
        contact = city.contact_person_x
        data = {"name": contact.name, "role": ContactRole.MANAGER, "email": contact.email, "phone": ""}  # active unticked
        response = login(client, city, "head_of_area").post(url("contact-edit", contact.pk), data)
        assert response.status_code == 302
        contact.refresh_from_db()
        assert contact.role == ContactRole.MANAGER and not contact.active

    def test_contact_of_y_is_404_for_the_manager_of_x(self, client: Any, city: Any) -> None:
        login(client, city, "unit_manager")
        assert client.get(url("contact-edit", city.contact_person_y.pk)).status_code == 404
        assert (
            client.post(url("contact-create", city.customer_y.pk), {"name": "Intrång", "role": ContactRole.CONTACT}).status_code
            == 404
        )
        assert not CustomerContact.objects.filter(name="Intrång").exists()


class TestHandlingChange:
    def test_change_team_ends_the_previous_one_the_day_before(self, client: Any, city: Any) -> None:
        data = {"process": city.process.pk, "team": city.team_b.pk, "valid_from": "2013-03-01"}
        response = login(client, city, "unit_manager").post(url("handling-change", city.customer_x.pk), data, follow=True)
        assert response.redirect_chain[-1][0] == url("customer-detail", city.customer_x.pk) + "#handlaggning"
        assert "Team B handlägger Leverantörsreskontra för kunden från och med 2013-03-01." in response.content.decode()
        rows = list(
            HandlingAssignment.objects.filter(customer=city.customer_x)
            .order_by("valid_from")
            .values_list("team__name", "valid_from", "valid_to")
        )
        assert rows == [
            ("Team A", datetime.date(2011, 1, 1), datetime.date(2013, 2, 28)),
            ("Team B", datetime.date(2013, 3, 1), None),
        ]

    def test_same_team_is_refused_and_nothing_changes(self, client: Any, city: Any) -> None:
        data = {"process": city.process.pk, "team": city.team_a.pk, "valid_from": "2013-03-01"}
        response = login(client, city, "unit_manager").post(url("handling-change", city.customer_x.pk), data)
        assert response.status_code == 200
        assert "Team A handlägger redan Leverantörsreskontra för kunden." in response.content.decode()
        assert HandlingAssignment.objects.filter(customer=city.customer_x).count() == 1

    def test_change_before_the_current_start_is_refused_next_to_the_date(self, client: Any, city: Any) -> None:
        data = {"process": city.process.pk, "team": city.team_b.pk, "valid_from": "2011-01-01"}
        body = login(client, city, "unit_manager").post(url("handling-change", city.customer_x.pk), data).content.decode()
        assert "Ett byte måste gälla från en dag efter 2011-01-01" in body
        assert 'href="#id_valid_from"' in body
        assert HandlingAssignment.objects.filter(customer=city.customer_x).count() == 1

    def test_form_shows_the_history(self, client: Any, city: Any) -> None:
        body = login(client, city, "unit_manager").get(url("handling-change", city.customer_x.pk)).content.decode()
        assert "Handläggande team hittills" in body and "Team A" in body


# --- the organisation overview ---------------------------------------------------------


class TestOverview:
    @pytest.fixture
    def economy_history(self, city: Any) -> dict[str, Any]:
        """Four economy units until 2016, six from 2017 (as in the business plans)."""
        old_end, new_start = datetime.date(2016, 12, 31), datetime.date(2017, 1, 1)
        old = [f.UnitFactory(area=city.area, name=f"Ekonomienhet {n} (2011)", valid_to=old_end) for n in range(1, 5)]
        new = [f.UnitFactory(area=city.area, name=f"Ekonomienhet {n} (2017)", valid_from=new_start) for n in range(1, 7)]
        f.TeamFactory(unit=old[0], name="Kundreskontra 2012", valid_to=old_end)
        f.TeamFactory(unit=new[0], name="Kundreskontra 2017", valid_from=new_start)
        for unit in (city.unit1, city.unit2):
            unit.valid_to = datetime.date(2011, 12, 31)
            unit.save(update_fields=["valid_to"])
        return {"old": old, "new": new}

    def test_history_per_date(self, client: Any, city: Any, economy_history: dict[str, Any]) -> None:
        login(client, city, "controller")
        body_2012 = client.get(url("overview"), {"datum": "2012-06-01"}).content.decode()
        body_2017 = client.get(url("overview"), {"datum": "2017-06-01"}).content.decode()
        assert sum(f"Ekonomienhet {n} (2011)" in body_2012 for n in range(1, 7)) == 4
        assert "(2017)" not in body_2012 and "Kundreskontra 2012" in body_2012
        assert sum(f"Ekonomienhet {n} (2017)" in body_2017 for n in range(1, 7)) == 6
        assert "(2011)" not in body_2017 and "Kundreskontra 2017" in body_2017
        assert "Organisationen som den såg ut 2012-06-01." in body_2012

    def test_defaults_to_today_and_survives_a_bad_date(self, client: Any, city: Any) -> None:
        login(client, city, "handler")
        body = client.get(url("overview")).content.decode()
        assert f'value="{timezone.localdate().isoformat()}"' in body
        assert "Enhet 1" in body and "Team A" in body
        response = client.get(url("overview"), {"datum": "2012-13-45"})
        assert response.status_code == 200
        assert "Visar i dag." in response.content.decode()

    def test_processes_owners_and_opening_hours(self, client: Any, city: Any) -> None:
        from ester.organisation.models import OpeningHours

        city.process.owner = city.head_of_area
        city.process.save(update_fields=["owner"])
        OpeningHours.objects.create(area=city.area, weekday=0, opens=datetime.time(8), closes=datetime.time(16, 30))
        body = login(client, city, "handler").get(url("overview")).content.decode()
        assert "Processer" in body and "Leverantörsreskontra" in body
        assert str(city.head_of_area) in body
        assert "Måndag" in body and "08:00–16:30" in body

    def test_query_count_does_not_grow_with_the_organisation(
        self, client: Any, city: Any, economy_history: dict[str, Any]
    ) -> None:
        login(client, city, "controller")
        with CaptureQueriesContext(connection) as small:
            client.get(url("overview"), {"datum": "2012-06-01"})
        with CaptureQueriesContext(connection) as large:
            client.get(url("overview"), {"datum": "2017-06-01"})
        assert len(small.captured_queries) == len(large.captured_queries)


def test_role_change_of_the_day_applies(client: Any, city: Any) -> None:
    """A unit manager whose role ended yesterday no longer reaches the change pages."""
    from ester.organisation.models import RoleAssignment

    RoleAssignment.objects.filter(user=city.unit_manager, role=Role.UNIT_MANAGER).update(
        valid_to=timezone.localdate() - datetime.timedelta(days=1)
    )
    login(client, city, "unit_manager")
    assert client.get(url("customer-edit", city.customer_x.pk)).status_code == 404
    assert client.get(url("customer-list")).status_code == 404
