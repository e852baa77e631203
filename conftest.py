"""Shared fixtures: a small city with named personas on both sides of every access line.

Customer X is handled by team A (unit 1); customer Y by team B (unit 2).
Personas: ``handler`` (team A), ``unit_manager`` (unit 1, responsible for X),
``head_of_area`` (area EK), ``controller`` (global), ``sysadmin`` (global),
``contact_x`` / ``contact_y`` (customer contacts), ``outsider`` (no role),
and ``handler_b`` (team B, the handler who must not see X).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from ester.agreements.choices import Channel, ServiceKind, UnitOfMeasure
from ester.core.access import Role
from ester.organisation.choices import CustomerKind


@dataclass
class City:
    area: Any
    other_area: Any
    unit1: Any
    unit2: Any
    team_a: Any
    team_b: Any
    process: Any
    customer_x: Any
    customer_y: Any
    mandatory: Any
    addon: Any
    variant_manual: Any
    variant_electronic: Any
    price_list: Any
    agreement_x: Any
    agreement_y: Any
    contact_person_x: Any
    contact_person_y: Any
    users: dict[str, Any]

    def __getattr__(self, name: str) -> Any:  # personas as attributes: city.handler
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _swedish_for_every_test() -> Any:
    """A request's language stays active in its thread; start every test in Swedish."""
    from django.utils import translation

    translation.activate("sv")
    yield
    translation.activate("sv")


PERSONAS = [
    "handler",
    "handler_b",
    "unit_manager",
    "head_of_area",
    "controller",
    "sysadmin",
    "contact_x",
    "contact_y",
    "outsider",
]


@pytest.fixture
def city(db: Any) -> City:
    from ester.organisation.tests import factories as f

    start = datetime.date(2011, 1, 1)
    area = f.AreaFactory(code="EK", name="Ekonomiadministration")
    other_area = f.AreaFactory(code="LP", name="Lön och pension")
    unit1 = f.UnitFactory(area=area, name="Enhet 1")
    unit2 = f.UnitFactory(area=area, name="Enhet 2")
    team_a = f.TeamFactory(unit=unit1, name="Team A")
    team_b = f.TeamFactory(unit=unit2, name="Team B")
    process = f.ProcessFactory(area=area, code="LEV", name="Leverantörsreskontra")
    x = f.CustomerFactory(name="Rinkeby-Kista stadsdelsförvaltning", kind=CustomerKind.DISTRICT, responsible_unit=unit1)
    y = f.CustomerFactory(name="Bromma stadsdelsförvaltning", kind=CustomerKind.DISTRICT, responsible_unit=unit2)
    f.HandlingAssignmentFactory(customer=x, process=process, team=team_a)
    f.HandlingAssignmentFactory(customer=y, process=process, team=team_b)
    mandatory = f.ServiceFactory(
        process=process, code="LEVFAKT", name="Leverantörsfaktura", kind=ServiceKind.MANDATORY, unit=UnitOfMeasure.INVOICE
    )
    addon = f.ServiceFactory(
        process=process, code="ANL", name="Anläggningsredovisning", kind=ServiceKind.ADDON, unit=UnitOfMeasure.HOUR
    )
    variant_electronic = f.ServiceVariantFactory(
        service=mandatory, code="LEVFAKT-E", name="Elektronisk", channel=Channel.ELECTRONIC
    )
    variant_manual = f.ServiceVariantFactory(service=mandatory, code="LEVFAKT-M", name="Manuell", channel=Channel.MANUAL)
    price_list = f.PriceListFactory(year=2012)
    f.PriceVersionFactory(price_list=price_list, variant=variant_electronic, unit_price=Decimal("15.00"))
    f.PriceVersionFactory(price_list=price_list, variant=variant_manual, unit_price=Decimal("50.00"))
    agreement_x = f.AgreementFactory(customer=x, year=2012)
    agreement_y = f.AgreementFactory(customer=y, year=2012)
    for agreement in (agreement_x, agreement_y):
        f.AgreementServiceFactory(agreement=agreement, service=mandatory)
    users = {name: f.UserFactory(username=name) for name in PERSONAS}
    f.RoleAssignmentFactory(user=users["handler"], role=Role.HANDLER, team=team_a, valid_from=start)
    f.RoleAssignmentFactory(user=users["handler_b"], role=Role.HANDLER, team=team_b, valid_from=start)
    f.RoleAssignmentFactory(user=users["unit_manager"], role=Role.UNIT_MANAGER, unit=unit1, valid_from=start)
    f.RoleAssignmentFactory(user=users["head_of_area"], role=Role.HEAD_OF_AREA, area=area, valid_from=start)
    f.RoleAssignmentFactory(user=users["controller"], role=Role.CONTROLLER, valid_from=start)
    f.RoleAssignmentFactory(user=users["sysadmin"], role=Role.SYSADMIN, valid_from=start)
    f.RoleAssignmentFactory(user=users["contact_x"], role=Role.CUSTOMER_CONTACT, customer=x, valid_from=start)
    f.RoleAssignmentFactory(user=users["contact_y"], role=Role.CUSTOMER_CONTACT, customer=y, valid_from=start)
    x.responsible_manager = users["unit_manager"]
    x.save(update_fields=["responsible_manager"])
    contact_person_x = f.CustomerContactFactory(customer=x, name="Kim Kontakt", user=users["contact_x"])
    contact_person_y = f.CustomerContactFactory(customer=y, name="Yvonne Ypsilon", user=users["contact_y"])
    return City(
        area=area,
        other_area=other_area,
        unit1=unit1,
        unit2=unit2,
        team_a=team_a,
        team_b=team_b,
        process=process,
        customer_x=x,
        customer_y=y,
        mandatory=mandatory,
        addon=addon,
        variant_manual=variant_manual,
        variant_electronic=variant_electronic,
        price_list=price_list,
        agreement_x=agreement_x,
        agreement_y=agreement_y,
        contact_person_x=contact_person_x,
        contact_person_y=contact_person_y,
        users=users,
    )
