"""Walk every URL and API endpoint with every persona and try to cross the line.

A third customer, Z, is built with primary keys far above anything else in
the test database (900 000+), so that substituting one of Z's keys into any
URL either hits a row of Z or nothing — never, by accident, a row of X.
For each URL pattern with parameters, every combination of Z's keys is
tried (plus keys of reference data: a price list, a service): personas that
may not see Z must get 404 for every URL naming one of Z's rows (GET and
POST), and personas that may see Z must get a non-404 answer for at least
one, which proves the walk reaches real objects.  List pages and
endpoints must never mention Z to those who may not see it.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from ester.agreements.choices import AgreementStatus
from ester.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementService,
    Deviation,
    InterfaceText,
    LeadTime,
    PriceList,
    PriceVersion,
    Service,
    ServiceVariant,
)
from ester.core.access import Role
from ester.organisation.models import Customer, CustomerContact, HandlingAssignment
from ester.organisation.tests import factories as f

Z_NAME = "Zetaförvaltningen"
Z_MARKERS = (Z_NAME, "zeta-hemlig-anteckning", "zeta.kontakt@zeta.example")
BLIND = ("handler", "contact_x", "contact_y", "outsider", "unit_manager")
# losenord/<uid>/<token>/: no row keys but a signed one-time token, tested in test_portal_access.
SKIP_PREFIXES = ("admin/", "i18n/", "api/schema", "api/docs", "static/", "oidc/", "healthz", "logout", "__debug__", "losenord/")


def _walk(resolver: URLResolver, prefix: str = "") -> list[tuple[str, str, list[str]]]:
    """(route text, reversible name, parameter names) for every named pattern."""
    out = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            for text, name, params in _walk(entry, route):
                out.append((text, f"{ns}:{name}" if ns else name, params))
        elif isinstance(entry, URLPattern) and entry.name:
            out.append((route, entry.name, list(entry.pattern.regex.groupindex)))
    return out


def all_routes() -> list[tuple[str, str, list[str]]]:
    routes = []
    for text, name, params in _walk(get_resolver()):
        clean = text.lstrip("^")
        if clean.startswith(SKIP_PREFIXES) or "format" in params:
            continue
        routes.append((text, name, params))
    return routes


@pytest.fixture
def world(city: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path
    z = Customer.objects.create(
        pk=900_001,
        name=Z_NAME,
        kind="fackforvaltning",
        org_number=f.org_number(901),
        responsible_unit=city.unit2,
        mailbox="zeta@sf.example",
        notes="zeta-hemlig-anteckning",
        valid_from=datetime.date(2011, 1, 1),
    )
    HandlingAssignment.objects.create(
        pk=900_002, customer=z, process=city.process, team=city.team_b, valid_from=datetime.date(2011, 1, 1)
    )
    CustomerContact.objects.create(
        pk=900_003, customer=z, name="Zelda Zeta", role="kontaktperson", email="zeta.kontakt@zeta.example"
    )
    agreement = Agreement.objects.create(
        pk=900_004, customer=z, year=2012, status=AgreementStatus.SIGNED, notes="zeta-hemlig-anteckning"
    )
    AgreementService.objects.create(
        pk=900_005, agreement=agreement, service=city.addon, start=datetime.date(2012, 3, 1), end=datetime.date(2012, 12, 31)
    )
    LeadTime.objects.create(
        pk=900_006, agreement=agreement, process=city.process, work_kind="Manuell faktura", resolution_hours=24
    )
    InterfaceText.objects.create(pk=900_007, agreement=agreement, process=city.process, text="zeta-hemlig-anteckning")
    Deviation.objects.create(
        pk=900_008,
        agreement=agreement,
        process=city.process,
        description="Avvikelse",
        approved_on=datetime.date(2012, 1, 2),
        approved_by="Zorro",
    )
    pdf = b"%PDF-1.4\n% zeta\n"
    sha = hashlib.sha256(pdf).hexdigest()
    doc = AgreementDocument(
        pk=900_009, agreement=agreement, original_name="zeta.pdf", content_type="application/pdf", size=len(pdf), sha256=sha
    )
    doc.file.save(f"{sha}.pdf", ContentFile(pdf), save=False)
    doc.save()
    # A case of Z with its timeline, a document and a return request.
    from ester.cases.models import Case, CaseDocument, CaseEvent, CaseType, ReturnReason, ReturnRequest

    case_type = CaseType.objects.create(pk=900_024, process=city.process, code="ZCT", name="Zeta-ärendetyp")
    reason = ReturnReason.objects.create(pk=900_025, code="ZRR", text="Zeta-orsak")
    case = Case.objects.create(
        pk=900_020,
        number="EK-2026-900020",
        area=city.area,
        customer=z,
        process=city.process,
        case_type=case_type,
        channel="epost",
        sender_name="Zelda Zeta",
        subject="zeta-hemlig-anteckning",
        received_at=datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC),
        team=city.team_b,
    )
    CaseEvent.objects.create(pk=900_021, case=case, kind="created", at=case.received_at, text="zeta-hemlig-anteckning")
    case_doc = CaseDocument(
        pk=900_022, case=case, original_name="zeta.pdf", content_type="application/pdf", size=len(pdf), sha256=sha
    )
    case_doc.file.save(sha, ContentFile(pdf), save=False)
    case_doc.save()
    request = ReturnRequest.objects.create(
        pk=900_023, case=case, letter_subject="Z", letter_body="zeta-hemlig-anteckning", sent_at=case.received_at
    )
    request.reasons.set([reason])
    # Intake: Z's mailbox, a message of it in the error list (with its original), and a
    # scanned-post batch whose document became Z's case.
    from ester.intake.models import IncomingMessage, Mailbox, ScanBatch, ScannedItem
    from ester.intake.pipeline import store_raw

    mailbox = Mailbox.objects.create(pk=900_030, address="zeta@serviceforvaltningen.example", customer=z, active=False)
    raw = b"From: zeta.kontakt@zeta.example\r\nSubject: zeta-hemlig-anteckning\r\n\r\nHej\r\n"
    raw_sha = hashlib.sha256(raw).hexdigest()
    IncomingMessage.objects.create(
        pk=900_031,
        mailbox=mailbox,
        source=IncomingMessage.Source.IMAP,
        sha256=raw_sha,
        size=len(raw),
        from_address="zeta.kontakt@zeta.example",
        subject="zeta-hemlig-anteckning",
        received_at=case.received_at,
        state=IncomingMessage.State.FAILED,
        reason="Ett oväntat fel inträffade.",
        raw=store_raw(raw_sha, raw),
    )
    batch = ScanBatch.objects.create(pk=900_032, source=ScanBatch.Source.UPLOAD, name="zeta-hemlig-anteckning")
    ScannedItem.objects.create(
        pk=900_033,
        batch=batch,
        sha256=sha,
        original_name="zeta.pdf",
        size=len(pdf),
        arrival_date=datetime.date(2026, 3, 2),
        customer=z,
        case_type=case_type,
        case=case,
    )
    # Reference data (public to all staff and to contacts): reached, never asserted blind.
    price_list = PriceList.objects.create(pk=900_010, year=2013, name="Prislista 2013")
    service = Service.objects.create(
        pk=900_011, process=city.process, code="ZS", name="Zeta-tjänst", kind="tillagg", unit="timme"
    )
    variant = ServiceVariant.objects.create(pk=900_012, service=service, code="ZS-1", name="Standard", channel="standard")
    PriceVersion.objects.create(
        pk=900_013, price_list=price_list, variant=variant, unit_price=1, valid_from=datetime.date(2013, 1, 1)
    )
    handler_z = f.UserFactory(username="handler_z")
    f.RoleAssignmentFactory(user=handler_z, role=Role.HANDLER, team=city.team_b)
    contact_z = f.UserFactory(username="contact_z")
    f.RoleAssignmentFactory(user=contact_z, role=Role.CUSTOMER_CONTACT, customer=z)
    users = dict(city.users, handler_z=handler_z, contact_z=contact_z)
    customer_keys = [str(pk) for pk in [*range(900_001, 900_010), *range(900_020, 900_024), *range(900_030, 900_034)]]
    keys = customer_keys + [str(pk) for pk in [*range(900_010, 900_014), 900_024, 900_025]]
    return {"users": users, "keys": keys, "customer_keys": set(customer_keys), "customer": z}


def _fill(params: list[str], values: tuple[str, ...]) -> dict[str, str]:
    return dict(zip(params, values, strict=True))


def _url(name: str, kwargs: dict[str, str]) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def _leaks(body: bytes) -> list[str]:
    text = body.decode("utf-8", "replace")
    return [marker for marker in Z_MARKERS if marker in text]


#: Per process: for each parameterised route, the keys with which someone who may see Z
#: reaches Z's row (the keys are fixed, so this holds for every test's fresh database).
_REACHING: dict[str, tuple[str, ...] | None] = {}
_SEEING_ORDER = ("sysadmin", "contact_z", "controller", "head_of_area", "handler_z")


def reaching_keys(world: dict[str, Any], client: Any, problems: list[str] | None = None) -> dict[str, tuple[str, ...] | None]:
    """Find, once per process, the keys that make each parameterised URL answer for real."""
    if _REACHING:
        return _REACHING
    for _text, name, params in all_routes():
        if not params:
            continue
        _REACHING[name] = None
        for persona in _SEEING_ORDER:
            client.force_login(world["users"][persona])
            for values in itertools.product(world["keys"], repeat=len(params)):
                url = _url(name, _fill(params, values))
                if url is None:
                    continue
                status = client.get(url).status_code
                if status >= 500 and problems is not None:
                    problems.append(f"{persona} GET {url} → {status}")
                if status == 405:
                    status = client.post(url).status_code
                if status not in (404, 405):
                    _REACHING[name] = values
                    break
            if _REACHING[name] is not None:
                break
    client.logout()
    return _REACHING


def _blind_combinations(values: tuple[str, ...] | None, params: list[str], keys: list[str]) -> set[tuple[str, ...]]:
    """The keys that reach Z's row, and — for nested URLs — every other key of Z in each
    position with the rest held (a parent the user may not see with any child, and so on)."""
    if values is None:
        return set(itertools.product(keys, repeat=len(params)))
    combos = {values}
    if len(params) > 1:
        for position in range(len(params)):
            for key in keys:
                combos.add((*values[:position], key, *values[position + 1 :]))
    return combos


@pytest.mark.django_db
@pytest.mark.parametrize("persona", BLIND)
def test_persona_gets_404_for_everything_of_another_customer(persona: str, world: dict[str, Any], client: Any) -> None:
    """Every URL that names one of Z's rows answers 404, on GET and on POST; no page mentions Z."""
    routes = all_routes()
    assert len(routes) > 10, routes
    reach = reaching_keys(world, client)
    client.force_login(world["users"][persona])
    problems: list[str] = []
    checked = 0
    for _text, name, params in routes:
        if not params:
            url = _url(name, {})
            if url is None:
                continue
            response = client.get(url)
            if response.status_code >= 500:
                problems.append(f"GET {url} → {response.status_code}")
            elif response.status_code == 200 and (found := _leaks(response.content)):
                problems.append(f"GET {url} shows {found}")
            continue
        for values in sorted(_blind_combinations(reach.get(name), params, sorted(world["customer_keys"]))):
            if not world["customer_keys"].intersection(values):
                continue  # reference data (price lists, services) is not another customer's
            url = _url(name, _fill(params, values))
            if url is None:
                continue
            checked += 1
            # 405 (method not allowed) is answered before any row is looked up,
            # so it says nothing about the row.
            for method in (client.get, client.post):
                status = method(url).status_code
                if status not in (404, 405):
                    problems.append(f"{method.__name__.upper()} {url} → {status}, expected 404")
    assert checked > 30
    assert not problems, f"{persona}:\n" + "\n".join(problems[:50])


@pytest.mark.django_db
def test_those_who_may_see_the_customer_reach_every_parameterised_url(world: dict[str, Any], client: Any) -> None:
    """Proves the walk is not vacuous: each parameterised URL answers for real with some key of Z."""
    _REACHING.clear()
    problems: list[str] = []
    reach = reaching_keys(world, client, problems)
    not_reached = sorted(name for name, values in reach.items() if values is None)
    assert not problems, "\n".join(problems)
    assert not not_reached, f"no persona reached these parameterised URLs with Z's keys: {not_reached}"


@pytest.mark.django_db
def test_api_lists_never_leak_other_customers(world: dict[str, Any], client: Any) -> None:
    from django.urls import reverse

    api_lists = [name for _t, name, params in all_routes() if not params and name.endswith("-list")]
    for persona in BLIND:
        client.force_login(world["users"][persona])
        for name in api_lists:
            response = client.get(reverse(name), {"limit": 1000})
            assert response.status_code < 500
            body = response.content.decode()
            for marker in Z_MARKERS:
                assert marker not in body, f"{persona} {name} shows {marker}"
        client.logout()
