"""The demo city loader: the counts the documents give, valid organisation numbers,
the prices of the business plans, idempotency, and logins that work."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone
from stdnum.se import orgnr

from ester.agreements.choices import AgreementStatus, ServiceKind
from ester.agreements.models import Agreement, AgreementService, Deviation, InterfaceText, LeadTime, PriceVersion, Service
from ester.core.access import Role
from ester.organisation.choices import CustomerKind
from ester.organisation.demo import PASSWORD, load_demo_city
from ester.organisation.models import (
    Area,
    Customer,
    CustomerContact,
    HandlingAssignment,
    OpeningHours,
    Process,
    RoleAssignment,
    Team,
    Unit,
)

D = datetime.date
PRINTED = ["handlaggare", "enhetschef", "verksamhetschef", "controller", "admin", "kontakt.rinkeby", "kontakt.bromma"]
DEPARTMENTS = [CustomerKind.DISTRICT, CustomerKind.SPECIALIST]


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    """Load once for the module inside a transaction that is rolled back at the end;
    each test runs in its own savepoint within it (the ``db`` fixture)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo_city()
        transaction.set_rollback(True)


@pytest.fixture
def logins(demo_city, db):
    return demo_city


def price(code: str, day: datetime.date) -> Decimal:
    """The unit price of a variant on ``day`` in that year's price list."""
    version = (
        PriceVersion.objects.filter(variant__code=code, price_list__year=day.year, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )
    assert version is not None, f"no price for {code} on {day}"
    return version.unit_price


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table the loader writes (and the audit trail, which it must not write)."""
    models = [
        *apps.get_app_config("organisation").get_models(),
        *apps.get_app_config("agreements").get_models(),
        *apps.get_app_config("accounts").get_models(),
        apps.get_model("core", "AuditEntry"),
    ]
    return {model._meta.label: list(model.objects.order_by("pk").values_list()) for model in models}


class TestOrganisation:
    def test_areas_and_processes(self, logins):
        assert set(Area.objects.values_list("code", flat=True)) == {"EK", "LP", "KC", "UH", "IT", "NA"}
        processes = dict(Process.objects.values_list("code", "area__code"))
        assert processes == {
            **dict.fromkeys(["LEV", "KUND", "KASSA", "REDOV", "SYSF", "TOP", "ANL", "HYRA", "AVGIFT"], "EK"),
            "LON": "LP",
            "PENSION": "LP",
            "KC": "KC",
            "UPPH": "UH",
            "ITS": "IT",
        }
        assert not Process.objects.filter(owner__isnull=True).exists()

    def test_economy_had_four_units_then_six(self, logins):
        economy = Unit.objects.filter(area__code="EK")
        assert economy.valid_on(D(2012, 6, 30)).count() == 4
        assert sorted(economy.valid_on(D(2012, 6, 30)).values_list("name", flat=True)) == [
            "Enhet 1",
            "Enhet 2",
            "Enhet 3",
            "Enhet 4",
        ]
        assert economy.valid_on(D(2017, 6, 30)).count() == 6
        assert economy.valid_on(timezone.localdate()).count() == 6
        assert Unit.objects.filter(area__code="LP").count() == 2

    def test_payroll_has_five_salary_teams_and_a_pension_team(self, logins):
        names = list(Team.objects.filter(unit__area__code="LP").values_list("name", flat=True))
        assert len(names) == 6
        assert sum(name.startswith("Löneteam") for name in names) == 5
        assert "Pensionsteam" in names

    def test_every_team_has_a_group_number_and_mailbox(self, logins):
        for team in Team.objects.all():
            assert re.fullmatch(r"08-508 \d\d \d\d\d", team.phone), team
            assert team.email.endswith("@serviceforvaltningen.example"), team

    def test_opening_hours(self, logins):
        assert OpeningHours.objects.count() == 6 * 5
        kc = OpeningHours.objects.get(area__code="KC", weekday=0)
        ek = OpeningHours.objects.get(area__code="EK", weekday=4)
        assert (kc.opens, kc.closes) == (datetime.time(8), datetime.time(18))
        assert (ek.opens, ek.closes) == (datetime.time(8), datetime.time(16, 30))


class TestCustomers:
    def test_33_departments_of_which_14_districts(self, logins):
        assert Customer.objects.filter(kind__in=DEPARTMENTS).count() == 33
        assert Customer.objects.filter(kind=CustomerKind.DISTRICT).count() == 14
        assert Customer.objects.filter(kind=CustomerKind.DISTRICT, name="Rinkeby-Kista stadsdelsförvaltning").exists()
        companies = Customer.objects.filter(kind=CustomerKind.COMPANY)
        assert companies.count() == 2
        assert set(companies.values_list("valid_from", flat=True)) == {D(2014, 1, 1)}

    def test_organisation_numbers_are_valid_and_distinct(self, logins):
        numbers = list(Customer.objects.values_list("org_number", flat=True))
        for number in numbers:
            assert re.fullmatch(r"\d{6}-\d{4}", number), number
            assert orgnr.is_valid(number), number
        assert len(set(numbers)) == len(numbers)

    def test_each_customer_is_served(self, logins):
        today = timezone.localdate()
        for customer in Customer.objects.filter(kind__in=DEPARTMENTS):
            assert customer.responsible_unit.area.code == "EK"
            assert customer.responsible_manager == customer.responsible_unit.manager
            assert customer.our_contact is not None
            assert customer.mailbox.isascii() and customer.mailbox.endswith("@serviceforvaltningen.example")
            handled = HandlingAssignment.objects.filter(customer=customer).valid_on(today)
            assert {"LEV", "KUND", "KASSA", "LON", "PENSION", "KC"} <= set(handled.values_list("process__code", flat=True))
            assert 2 <= CustomerContact.objects.filter(customer=customer).count() <= 3
        rinkeby = Customer.objects.get(short_name="Rinkeby-Kista")
        assert rinkeby.mailbox == "ekonomi.rinkeby-kista@serviceforvaltningen.example"
        # The history: Enhet 1's team until the reorganisation, Ekonomienhet Nord's after it.
        lev = HandlingAssignment.objects.filter(customer=rinkeby, process__code="LEV").order_by("valid_from")
        assert [(h.team.unit.name, h.valid_from) for h in lev] == [
            ("Enhet 1", D(2011, 1, 1)),
            ("Ekonomienhet Nord", D(2017, 3, 1)),
        ]

    def test_responsibility_is_spread_over_the_economy_units(self, logins):
        units = set(Customer.objects.filter(kind__in=DEPARTMENTS).values_list("responsible_unit__name", flat=True))
        assert len(units) == 4


class TestPrices:
    def test_economy_prices_2011_and_2012_from_the_business_plans(self, logins):
        assert price("KUND-FAKTURA-FORSYSTEM", D(2011, 6, 1)) == price("KUND-FAKTURA-FORSYSTEM", D(2012, 6, 1)) == 9
        assert price("KUND-FAKTURA-MANUELL", D(2011, 6, 1)) == 55
        assert price("KUND-FAKTURA-MANUELL", D(2012, 6, 1)) == 60
        assert price("KUND-FAKTURA-ABONNEMANG", D(2012, 6, 1)) == 50
        assert price("KUND-FAKTURA-MAKULERAD", D(2011, 6, 1)) == 55
        assert price("KUND-FAKTURA-ATERBETALD", D(2012, 6, 1)) == 100
        assert price("LEV-FAKTURA-ELEKTRONISK", D(2011, 6, 1)) == 16
        assert price("LEV-FAKTURA-ELEKTRONISK", D(2012, 6, 1)) == 15
        assert price("LEV-FAKTURA-MANUELL", D(2012, 6, 1)) == 50
        assert price("LEV-KRAV-PAMINNELSE", D(2011, 6, 1)) == 60
        assert price("LEV-KRAV-INKASSOKRAV", D(2011, 6, 1)) == 100
        assert price("KASSA-BANK-FORSKOTT", D(2012, 6, 1)) == 100
        assert price("ADD-TOP-TIMME", D(2011, 6, 1)) == 400
        assert price("ADD-TOP-TIMME", D(2012, 6, 1)) == 480
        assert price("ADD-BOKF-TIMME", D(2011, 6, 1)) == 360
        assert price("ADD-BOKF-TIMME", D(2012, 6, 1)) == 380
        assert not PriceVersion.objects.filter(variant__code="KUND-FAKTURA-ABONNEMANG", price_list__year=2011).exists()

    def test_payroll_prices_2014(self, logins):
        day = D(2014, 3, 1)
        assert price("LON-LON-SJALVSERVICE", day) == 57
        assert price("LON-LON-MANUELL", day) == 110
        assert price("LON-LON-AGRESSO", day) == 110 + 80
        assert price("LON-LON-GIROVISION", day) == 110 + 600
        assert price("LON-LONESKULD-STANDARD", day) == 500
        assert price("LON-ROLLREG-TIMME", day) == 420
        assert price("LON-HEDER-TIMME", day) == 440

    def test_contact_centre_cut_its_price_by_10_kr_from_september_2011(self, logins):
        for code in ("KC-ARENDE-FORSKOLA", "KC-ARENDE-ALDRE"):
            versions = list(PriceVersion.objects.filter(variant__code=code, price_list__year=2011).order_by("valid_from"))
            assert [v.valid_from for v in versions] == [D(2011, 1, 1), D(2011, 9, 1)]
            assert versions[0].unit_price - versions[1].unit_price == 10
            assert versions[1].decision_ref.startswith("Servicenämnden 2011-")
            assert price(code, D(2011, 8, 31)) == versions[0].unit_price
            assert price(code, D(2011, 9, 1)) == versions[1].unit_price

    def test_every_price_has_a_decision_and_the_current_year_is_priced(self, logins):
        assert not PriceVersion.objects.filter(decision_ref="").exists()
        assert price("LEV-FAKTURA-ELEKTRONISK", timezone.localdate()) >= 0
        for service in Service.objects.all():
            assert service.variants.exists(), service


class TestAgreements:
    def test_2012_agreements_for_all_33_departments(self, logins):
        agreements = Agreement.objects.filter(year=2012)
        assert agreements.count() == 33
        assert set(agreements.values_list("status", flat=True)) == {AgreementStatus.SIGNED}
        for agreement in agreements:
            assert D(2011, 12, 1) <= agreement.signed_on <= D(2012, 1, 31)
            mandatory = agreement.services.filter(service__kind=ServiceKind.MANDATORY)
            codes = set(mandatory.values_list("service__code", flat=True))
            assert {"KUND-FAKTURA", "LEV-FAKTURA", "KASSA-BANK", "SYSF-LOPANDE", "LON-LON", "PENSION-HANDL"} <= codes
            assert all((s.start, s.end) == (D(2012, 1, 1), D(2012, 12, 31)) for s in mandatory)
            assert InterfaceText.objects.filter(agreement=agreement, process__code="LEV").exists()
            assert LeadTime.objects.filter(agreement=agreement, process__code="LEV").exists()

    def test_add_ons_some_from_mid_year(self, logins):
        addons = AgreementService.objects.filter(agreement__year=2012, service__kind=ServiceKind.ADDON)
        assert addons.values("agreement").distinct().count() >= 10
        assert addons.filter(service__code="ADD-ANL", start=D(2012, 4, 1)).exists()
        assert Deviation.objects.filter(agreement__year=2012).values("agreement__customer").distinct().count() == 2

    def test_current_year_for_every_customer(self, logins):
        current = Agreement.objects.filter(year=timezone.localdate().year)
        assert current.count() == Customer.objects.count()
        assert set(current.values_list("status", flat=True)) == {AgreementStatus.SIGNED, AgreementStatus.DRAFT}


class TestLogins:
    def test_printed_logins_in_order_and_they_work(self, logins):
        assert [username for username, _pw, _text in logins] == PRINTED
        # The module's data was hashed before the suite's per-test settings (a fast
        # test hasher) applied; loading again brings the demo passwords in line.
        load_demo_city()
        for username, password, description in logins:
            assert password == PASSWORD
            assert description
            user = authenticate(request=RequestFactory().post("/"), username=username, password=password)
            assert user is not None, username
            assert user.first_name and user.last_name and user.email

    def test_roles_of_the_printed_users(self, logins):
        rinkeby = Customer.objects.get(short_name="Rinkeby-Kista")
        today = timezone.localdate()

        def customers(username: str) -> set[str]:
            from ester.accounts.models import User

            return set(Customer.objects.visible_to(User.objects.get(username=username)).values_list("short_name", flat=True))

        def roles(username: str) -> list[tuple]:
            active = RoleAssignment.objects.filter(user__username=username).valid_on(today)
            return list(active.values_list("role", "area__code", "unit__name", "team__name", "customer__short_name"))

        assert "Rinkeby-Kista" in customers("handlaggare")
        assert "Bromma" not in customers("handlaggare")
        assert roles("handlaggare") == [(Role.HANDLER, None, None, "Leverantörsreskontra Nord", None)]
        assert roles("enhetschef") == [(Role.UNIT_MANAGER, None, rinkeby.responsible_unit.name, None, None)]
        assert rinkeby.responsible_manager.username == "enhetschef"
        assert roles("verksamhetschef") == [(Role.HEAD_OF_AREA, "EK", None, None, None)]
        assert roles("controller") == [(Role.CONTROLLER, None, None, None, None)]
        assert roles("admin") == [(Role.SYSADMIN, None, None, None, None)]
        assert customers("kontakt.rinkeby") == {"Rinkeby-Kista"}
        assert customers("kontakt.bromma") == {"Bromma"}
        assert CustomerContact.objects.filter(customer=rinkeby, user__username="kontakt.rinkeby").exists()
        assert len(customers("controller")) == Customer.objects.count()
        from ester.accounts.models import User

        admin = User.objects.get(username="admin")
        assert admin.is_staff and admin.is_superuser
        assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()


class TestIdempotency:
    def test_second_call_changes_nothing(self, logins):
        load_demo_city()  # under this test's password hasher (see above)
        before = snapshot()
        assert sum(map(len, before.values())) > 3000
        out = io.StringIO()
        assert load_demo_city(stdout=out) == logins
        assert "0 nya rader" in out.getvalue()
        assert snapshot() == before

    def test_a_changed_demo_password_is_restored(self, logins):
        from ester.accounts.models import User

        admin = User.objects.get(username="admin")
        admin.set_password("något annat")
        admin.is_superuser = False
        admin.save()
        load_demo_city()
        assert authenticate(request=RequestFactory().post("/"), username="admin", password=PASSWORD) is not None
        assert User.objects.get(username="admin").is_superuser
