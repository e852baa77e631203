"""Reads of agreements and prices: scoped to the user, and cheap."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.http import Http404

from ester.agreements import selectors
from ester.agreements.choices import ServiceKind
from ester.core.access import Action
from ester.organisation.tests import factories as f

pytestmark = pytest.mark.django_db

D = datetime.date


def test_agreement_table_counts_addons_and_is_scoped(city: Any) -> None:
    f.AgreementServiceFactory(agreement=city.agreement_x, service=city.addon, start=D(2012, 1, 1), end=D(2012, 3, 31))
    f.AgreementServiceFactory(agreement=city.agreement_x, service=city.addon, start=D(2012, 6, 1))
    rows = list(selectors.agreement_table(city.handler, year=2012))
    assert rows == [city.agreement_x]
    assert rows[0].addon_count == 2
    controller_rows = {a.customer_id: a.addon_count for a in selectors.agreement_table(city.controller)}
    assert controller_rows == {city.customer_x.pk: 2, city.customer_y.pk: 0}
    assert list(selectors.agreement_table(city.outsider)) == []
    assert list(selectors.agreement_table(city.controller, q="bromma")) == [city.agreement_y]


def test_agreement_table_is_one_query(city: Any, django_assert_num_queries: Any) -> None:
    for _ in range(5):
        agreement = f.AgreementFactory(customer=f.CustomerFactory(responsible_unit=city.unit1), year=2012)
        f.AgreementServiceFactory(agreement=agreement, service=city.addon)
    user = city.head_of_area
    selectors.agreement_table(user).exists()  # the user's scope flags are cached after the first read
    with django_assert_num_queries(1):
        assert len(list(selectors.agreement_table(user, year=2012))) == 7


def test_default_agreement_year(city: Any) -> None:
    assert selectors.default_agreement_year(city.handler, D(2030, 5, 1)) == 2012
    f.AgreementFactory(customer=city.customer_x, year=2030)
    f.AgreementFactory(customer=city.customer_x, year=2031)
    assert selectors.default_agreement_year(city.handler, D(2030, 5, 1)) == 2030
    assert selectors.default_agreement_year(city.handler, D(2040, 5, 1)) == 2031
    assert selectors.default_agreement_year(city.outsider, D(2030, 5, 1)) is None


def test_may_change_agreements_of_year(city: Any) -> None:
    assert selectors.may_change_agreements_of_year(city.unit_manager, 2012)
    assert not selectors.may_change_agreements_of_year(city.unit_manager, 2011)
    assert not selectors.may_change_agreements_of_year(city.handler, 2012)
    assert not selectors.may_change_agreements_of_year(city.controller, 2012)
    assert selectors.may_change_agreements_of_year(city.sysadmin, 2012)


def test_may_manage_price_lists(city: Any) -> None:
    allowed = {name for name in city.users if selectors.may_manage_price_lists(city.users[name])}
    assert allowed == {"head_of_area", "sysadmin"}


def test_variants_changeable_by_area(city: Any) -> None:
    process = f.ProcessFactory(area=city.other_area, code="LON", name="Lön")
    other = f.ServiceVariantFactory(service=f.ServiceFactory(process=process, code="LS", kind=ServiceKind.MANDATORY), code="LS-1")
    assert set(selectors.variants_changeable_by(city.head_of_area)) == {city.variant_electronic, city.variant_manual}
    assert set(selectors.variants_changeable_by(city.sysadmin)) == {city.variant_electronic, city.variant_manual, other}
    for persona in ["handler", "unit_manager", "controller", "contact_x", "outsider"]:
        assert not selectors.variants_changeable_by(city.users[persona]).exists(), persona


def test_price_rows_current_and_mid_year_change(city: Any) -> None:
    f.PriceVersionFactory(
        price_list=city.price_list, variant=city.variant_manual, unit_price=Decimal("40.00"), valid_from=D(2012, 9, 1)
    )
    rows = {r.variant: r for r in selectors.price_rows(city.price_list, day=D(2012, 8, 31))}
    assert rows[city.variant_manual].current.unit_price == Decimal("50.00")
    assert rows[city.variant_manual].changed_mid_year
    assert not rows[city.variant_electronic].changed_mid_year
    rows = {r.variant: r for r in selectors.price_rows(city.price_list, day=D(2012, 9, 1))}
    assert rows[city.variant_manual].current.unit_price == Decimal("40.00")
    # days outside the year are clipped to it
    later = {r.variant: r for r in selectors.price_rows(city.price_list, day=D(2015, 1, 1))}
    assert later[city.variant_manual].current.unit_price == Decimal("40.00")


def test_price_rows_filtered_by_services_and_in_few_queries(city: Any, django_assert_max_num_queries: Any) -> None:
    other = f.ServiceFactory(process=city.process, code="KF", name="Kundfaktura", kind=ServiceKind.MANDATORY)
    for n in range(10):
        variant = f.ServiceVariantFactory(service=other, code=f"KF-{n}", name=f"Variant {n}")
        f.PriceVersionFactory(price_list=city.price_list, variant=variant, unit_price=Decimal(n))
        f.PriceVersionFactory(price_list=city.price_list, variant=variant, unit_price=Decimal(n + 1), valid_from=D(2012, 5, 1))
    with django_assert_max_num_queries(2):
        rows = selectors.price_rows(city.price_list, day=D(2012, 6, 1))
        assert len(rows) == 12
        assert all(str(r.variant.service.process.area) for r in rows)
    only = selectors.price_rows(city.price_list, services=[city.mandatory.pk])
    assert {r.variant for r in only} == {city.variant_electronic, city.variant_manual}


def test_price_on_and_unit_price(city: Any) -> None:
    f.PriceVersionFactory(
        price_list=city.price_list, variant=city.variant_manual, unit_price=Decimal("40.00"), valid_from=D(2012, 9, 1)
    )
    assert selectors.unit_price(city.variant_manual, D(2012, 8, 31)) == Decimal("50.00")
    assert selectors.unit_price(city.variant_manual, D(2012, 9, 1)) == Decimal("40.00")
    assert selectors.unit_price(city.variant_manual, D(2013, 1, 1)) is None
    assert selectors.price_on([], D(2012, 1, 1)) is None


def test_agreement_detail_reads(city: Any) -> None:
    from ester.agreements import services

    services.lead_time_set(
        actor=city.unit_manager, agreement=city.agreement_x, process=city.process, work_kind="B", resolution_hours=8
    )
    services.lead_time_set(
        actor=city.unit_manager, agreement=city.agreement_x, process=city.process, work_kind="A", resolution_hours=8
    )
    assert [lt.work_kind for lt in selectors.agreement_lead_times(city.agreement_x)] == ["A", "B"]
    assert list(selectors.agreement_interfaces(city.agreement_y)) == []
    assert list(selectors.agreement_deviations(city.agreement_y)) == []
    assert list(selectors.agreement_documents(city.agreement_y)) == []
    item = f.AgreementServiceFactory(agreement=city.agreement_x, service=city.addon, start=D(2012, 4, 1))
    assert item not in selectors.agreement_services(city.agreement_x, day=D(2012, 3, 31))
    assert item in selectors.agreement_services(city.agreement_x, day=D(2012, 4, 1))


def test_access_agreement_is_404_when_forbidden_or_missing(city: Any) -> None:
    assert selectors.access_agreement(city.handler, city.agreement_x.pk) == city.agreement_x
    for user, pk, action in [
        (city.handler_b, city.agreement_x.pk, Action.VIEW),
        (city.handler, city.agreement_x.pk, Action.CHANGE),
        (city.controller, city.agreement_x.pk, Action.CHANGE),
        (city.sysadmin, 999999, Action.VIEW),
        (city.sysadmin, "not-a-number", Action.VIEW),
    ]:
        with pytest.raises(Http404):
            selectors.access_agreement(user, pk, action)
    assert selectors.access_agreement(city.unit_manager, city.agreement_x.pk, Action.CHANGE) == city.agreement_x
