"""The staff pages for agreements, prices and services, persona by persona."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ester.agreements import services
from ester.agreements.choices import AgreementStatus, ServiceKind
from ester.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementService,
    Deviation,
    InterfaceText,
    LeadTime,
    PriceList,
    PriceVersion,
)
from ester.organisation.tests import factories as f

pytestmark = pytest.mark.django_db

STAFF = ["handler", "handler_b", "unit_manager", "head_of_area", "controller", "sysadmin"]
NOT_STAFF = ["contact_x", "contact_y", "outsider"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- who may open what --------------------------------------------------------------

# (url builder, personas answered with 200; every other persona gets 404)
PAGES: dict[str, tuple[Any, set[str]]] = {
    "agreement-list": (lambda c: reverse("agreements:agreement-list"), set(STAFF)),
    "agreement-create": (lambda c: reverse("agreements:agreement-create"), {"unit_manager", "head_of_area", "sysadmin"}),
    "agreement-copy": (
        lambda c: reverse("agreements:agreement-copy") + "?ar=2012",
        {"unit_manager", "head_of_area", "sysadmin"},
    ),
    "agreement-detail": (
        lambda c: reverse("agreements:agreement-detail", args=[c.agreement_x.pk]),
        {"handler", "unit_manager", "head_of_area", "controller", "sysadmin"},
    ),
    "agreement-update": (
        lambda c: reverse("agreements:agreement-update", args=[c.agreement_x.pk]),
        {"unit_manager", "head_of_area", "sysadmin"},
    ),
    "pricelist-list": (lambda c: reverse("agreements:pricelist-list"), set(STAFF)),
    "pricelist-detail": (lambda c: reverse("agreements:pricelist-detail", args=[c.price_list.pk]), set(STAFF)),
    "pricelist-export": (lambda c: reverse("agreements:pricelist-export", args=[c.price_list.pk]), set(STAFF)),
    "pricelist-create": (lambda c: reverse("agreements:pricelist-create"), {"head_of_area", "sysadmin"}),
    "pricelist-copy": (lambda c: reverse("agreements:pricelist-copy", args=[c.price_list.pk]), {"head_of_area", "sysadmin"}),
    "pricelist-version-add": (
        lambda c: reverse("agreements:pricelist-version-add", args=[c.price_list.pk]),
        {"head_of_area", "sysadmin"},
    ),
    "service-list": (lambda c: reverse("agreements:service-list"), set(STAFF)),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_persona_matrix(client: Any, city: Any, page: str) -> None:
    build, allowed = PAGES[page]
    url = build(city)
    for persona in STAFF + NOT_STAFF:
        client.force_login(city.users[persona])
        expected = 200 if persona in allowed else 404
        assert client.get(url).status_code == expected, (page, persona)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_anonymous_is_sent_to_login(client: Any, city: Any, page: str) -> None:
    response = client.get(PAGES[page][0](city))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_missing_agreement_answers_404_like_a_forbidden_one(client: Any, city: Any) -> None:
    login(client, city.sysadmin)
    assert client.get(reverse("agreements:agreement-detail", args=[999999])).status_code == 404
    assert client.get(reverse("agreements:pricelist-detail", args=[999999])).status_code == 404


def change_posts(city: Any) -> list[tuple[str, dict[str, Any]]]:
    x = city.agreement_x
    addon_item = f.AgreementServiceFactory(agreement=x, service=city.addon)
    return [
        (reverse("agreements:agreement-update", args=[x.pk]), {"status": AgreementStatus.ENDED}),
        (reverse("agreements:agreement-addon-add", args=[x.pk]), {"addon-service": city.addon.pk, "addon-start": "2012-04-01"}),
        (reverse("agreements:agreement-addon-end", args=[x.pk, addon_item.pk]), {f"end-{addon_item.pk}-end": "2012-06-30"}),
        (
            reverse("agreements:agreement-leadtime-set", args=[x.pk]),
            {"lead-process": city.process.pk, "lead-work_kind": "Faktura", "lead-resolution_hours": 16},
        ),
        (
            reverse("agreements:agreement-interface-set", args=[x.pk]),
            {"interface-process": city.process.pk, "interface-text": "Vi"},
        ),
        (
            reverse("agreements:agreement-deviation-add", args=[x.pk]),
            {
                "deviation-process": city.process.pk,
                "deviation-description": "Pappersfakturor",
                "deviation-approved_on": "2012-02-01",
                "deviation-approved_by": "Chef",
            },
        ),
        (
            reverse("agreements:agreement-document-upload", args=[x.pk]),
            {"document-file": SimpleUploadedFile("avtal.pdf", PDF, content_type="application/pdf")},
        ),
    ]


@pytest.mark.parametrize("persona", ["handler", "handler_b", "controller", "contact_x", "outsider"])
def test_change_posts_answer_404_without_change_rights(client: Any, city: Any, persona: str) -> None:
    posts = change_posts(city)
    login(client, city.users[persona])
    for url, data in posts:
        assert client.post(url, data).status_code == 404, (persona, url)
    x = Agreement.objects.get(pk=city.agreement_x.pk)
    assert x.status == AgreementStatus.SIGNED
    assert AgreementService.objects.filter(agreement=x, service=city.addon).get().end == datetime.date(2012, 12, 31)
    assert not LeadTime.objects.exists()
    assert not InterfaceText.objects.exists()
    assert not Deviation.objects.exists()
    assert not AgreementDocument.objects.exists()


def test_handler_sees_agreement_but_no_change_forms(client: Any, city: Any) -> None:
    response = login(client, city.handler).get(reverse("agreements:agreement-detail", args=[city.agreement_x.pk]))
    html = response.content.decode()
    assert city.customer_x.name in html
    assert "Lägg till tilläggstjänst" not in html
    assert reverse("agreements:agreement-update", args=[city.agreement_x.pk]) not in html


def test_change_posts_are_csrf_protected(city: Any) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(city.unit_manager)
    url = reverse("agreements:agreement-addon-add", args=[city.agreement_x.pk])
    assert client.post(url, {"addon-service": city.addon.pk, "addon-start": "2012-04-01"}).status_code == 403
    assert not AgreementService.objects.filter(service=city.addon).exists()


# --- agreement list -------------------------------------------------------------------


def test_agreement_list_defaults_to_latest_year_and_shows_only_visible(client: Any, city: Any) -> None:
    f.AgreementFactory(customer=city.customer_x, year=2011)
    f.AgreementServiceFactory(agreement=city.agreement_x, service=city.addon)
    response = login(client, city.handler).get(reverse("agreements:agreement-list"))
    assert response.status_code == 200
    assert response.context["year"] == 2012
    rows = list(response.context["agreements"])
    assert rows == [city.agreement_x]
    assert rows[0].addon_count == 1
    html = response.content.decode()
    assert city.customer_y.name not in html
    assert "Undertecknat" in html  # status as text, not colour only


def test_agreement_list_uses_current_year_when_present(client: Any, city: Any) -> None:
    this_year = datetime.date.today().year
    current = f.AgreementFactory(customer=city.customer_x, year=this_year)
    response = login(client, city.unit_manager).get(reverse("agreements:agreement-list"))
    assert response.context["year"] == this_year
    assert list(response.context["agreements"]) == [current]


def test_agreement_list_filters(client: Any, city: Any) -> None:
    login(client, city.controller)
    url = reverse("agreements:agreement-list")
    assert len(client.get(url, {"ar": "2012"}).context["agreements"]) == 2
    assert list(client.get(url, {"ar": "2012", "q": "bromma"}).context["agreements"]) == [city.agreement_y]
    assert list(client.get(url, {"ar": "2012", "status": AgreementStatus.DRAFT}).context["agreements"]) == []
    assert len(client.get(url, {"ar": ""}).context["agreements"]) == 2


def test_agreement_list_htmx_returns_only_the_results(client: Any, city: Any) -> None:
    response = login(client, city.controller).get(reverse("agreements:agreement-list"), {"q": "rinkeby"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert '<div id="results">' in html
    assert "<html" not in html
    assert city.customer_x.name in html
    assert city.customer_y.name not in html


def test_agreement_list_query_count_is_constant(client: Any, city: Any, django_assert_max_num_queries: Any) -> None:
    login(client, city.head_of_area)
    url = reverse("agreements:agreement-list")
    client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for n in range(25):
        customer = f.CustomerFactory(responsible_unit=city.unit1)
        agreement = f.AgreementFactory(customer=customer, year=2012)
        f.AgreementServiceFactory(agreement=agreement, service=city.mandatory)
        f.AgreementServiceFactory(agreement=agreement, service=city.addon, start=datetime.date(2012, 1 + n % 12, 1))
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert len(response.context["agreements"]) == 27


# --- creating and copying agreements -------------------------------------------------


def test_unit_manager_creates_agreement_with_mandatory_services(client: Any, city: Any) -> None:
    login(client, city.unit_manager)
    url = reverse("agreements:agreement-create")
    form = client.get(url).context["form"]
    assert list(form.fields["customer"].queryset) == [city.customer_x]
    response = client.post(url, {"customer": city.customer_x.pk, "year": 2013}, follow=True)
    agreement = Agreement.objects.get(customer=city.customer_x, year=2013)
    assert agreement.status == AgreementStatus.DRAFT
    assert list(agreement.services.values_list("service", flat=True)) == [city.mandatory.pk]
    assert "skapades som utkast" in response.content.decode()


def test_create_for_customer_outside_scope_is_refused(client: Any, city: Any) -> None:
    response = login(client, city.unit_manager).post(
        reverse("agreements:agreement-create"), {"customer": city.customer_y.pk, "year": 2013}
    )
    assert response.status_code == 200
    assert "customer" in response.context["form"].errors
    assert not Agreement.objects.filter(year=2013).exists()


def test_create_duplicate_shows_swedish_message(client: Any, city: Any) -> None:
    response = login(client, city.unit_manager).post(
        reverse("agreements:agreement-create"), {"customer": city.customer_x.pk, "year": 2012}
    )
    assert "har redan ett serviceavtal för 2012" in response.content.decode()
    assert Agreement.objects.filter(customer=city.customer_x).count() == 1


def test_copy_to_next_year_creates_drafts_once(client: Any, city: Any) -> None:
    ended = f.ServiceFactory(process=city.process, code="TP", name="Tid och projekt", kind=ServiceKind.ADDON)
    f.AgreementServiceFactory(agreement=city.agreement_x, service=city.addon, start=datetime.date(2012, 4, 1))
    f.AgreementServiceFactory(agreement=city.agreement_x, service=ended, end=datetime.date(2012, 6, 30))
    login(client, city.unit_manager)
    url = reverse("agreements:agreement-copy")
    confirm = client.get(url, {"ar": 2012})
    assert city.customer_x.name in confirm.content.decode()
    assert city.customer_y.name not in confirm.content.decode()

    first = client.post(url, {"from_year": 2012})
    assert first.status_code == 200
    assert [a.customer for a in first.context["result"].created] == [city.customer_x]
    new = Agreement.objects.get(customer=city.customer_x, year=2013)
    assert new.status == AgreementStatus.DRAFT
    assert set(new.services.values_list("service", flat=True)) == {city.mandatory.pk, city.addon.pk}
    assert not Agreement.objects.filter(customer=city.customer_y, year=2013).exists()

    second = client.post(url, {"from_year": 2012})
    assert second.context["result"].created == []
    assert [c.name for c in second.context["result"].skipped] == [city.customer_x.name]
    assert city.customer_x.name in second.content.decode()
    assert Agreement.objects.filter(year=2013).count() == 1


def test_handler_cannot_copy(client: Any, city: Any) -> None:
    response = login(client, city.handler).post(reverse("agreements:agreement-copy"), {"from_year": 2012})
    assert response.status_code == 404
    assert not Agreement.objects.filter(year=2013).exists()


# --- agreement detail and its changes ---------------------------------------------------


def test_addon_mid_year_happy_path(client: Any, city: Any) -> None:
    login(client, city.unit_manager)
    url = reverse("agreements:agreement-addon-add", args=[city.agreement_x.pk])
    response = client.post(url, {"addon-service": city.addon.pk, "addon-start": "2012-04-01", "addon-note": "Från april"})
    assert response.status_code == 302
    item = AgreementService.objects.get(agreement=city.agreement_x, service=city.addon)
    assert (item.start, item.end) == (datetime.date(2012, 4, 1), datetime.date(2012, 12, 31))
    detail = client.get(response["Location"])
    html = detail.content.decode()
    assert "Anläggningsredovisning" in html
    assert "2012-04-01" in html
    assert "Del av året" in html
    assert "Tilläggstjänsten Anläggningsredovisning är avtalad" in html


def test_addon_outside_year_shows_message_and_creates_nothing(client: Any, city: Any) -> None:
    login(client, city.unit_manager)
    url = reverse("agreements:agreement-addon-add", args=[city.agreement_x.pk])
    response = client.post(url, {"addon-service": city.addon.pk, "addon-start": "2013-02-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "ligger utanför avtalsåret 2012" in html
    assert 'aria-invalid="true"' in html
    assert not AgreementService.objects.filter(service=city.addon).exists()


def test_addon_overlap_is_refused(client: Any, city: Any) -> None:
    f.AgreementServiceFactory(agreement=city.agreement_x, service=city.addon, start=datetime.date(2012, 3, 1))
    response = login(client, city.unit_manager).post(
        reverse("agreements:agreement-addon-add", args=[city.agreement_x.pk]),
        {"addon-service": city.addon.pk, "addon-start": "2012-06-01"},
    )
    assert "perioderna får inte överlappa" in response.content.decode()
    assert AgreementService.objects.filter(service=city.addon).count() == 1


def test_mandatory_service_cannot_be_offered_as_addon(client: Any, city: Any) -> None:
    response = login(client, city.unit_manager).post(
        reverse("agreements:agreement-addon-add", args=[city.agreement_x.pk]),
        {"addon-service": city.mandatory.pk, "addon-start": "2012-06-01"},
    )
    assert "service" in response.context["addon_form"].errors
    assert AgreementService.objects.filter(agreement=city.agreement_x).count() == 1


def test_end_addon_early(client: Any, city: Any) -> None:
    item = f.AgreementServiceFactory(agreement=city.agreement_x, service=city.addon)
    login(client, city.unit_manager)
    url = reverse("agreements:agreement-addon-end", args=[city.agreement_x.pk, item.pk])
    response = client.post(url, {f"end-{item.pk}-end": "2012-09-30"}, follow=True)
    item.refresh_from_db()
    assert item.end == datetime.date(2012, 9, 30)
    assert "Avslutad under året" in response.content.decode()

    bad = client.post(url, {f"end-{item.pk}-end": "2013-01-15"})
    assert "ligger utanför avtalsåret" in bad.content.decode()
    item.refresh_from_db()
    assert item.end == datetime.date(2012, 9, 30)


def test_end_item_of_another_agreement_is_404(client: Any, city: Any) -> None:
    other = f.AgreementFactory(customer=city.customer_x, year=2013)
    item = f.AgreementServiceFactory(agreement=other, service=city.addon)
    response = login(client, city.unit_manager).post(
        reverse("agreements:agreement-addon-end", args=[city.agreement_x.pk, item.pk]), {f"end-{item.pk}-end": "2013-03-01"}
    )
    assert response.status_code == 404


def test_update_agreement(client: Any, city: Any) -> None:
    draft = f.AgreementFactory(customer=city.customer_x, year=2013, status=AgreementStatus.DRAFT, signed_on=None)
    login(client, city.unit_manager)
    url = reverse("agreements:agreement-update", args=[draft.pk])
    missing_date = client.post(url, {"status": AgreementStatus.SIGNED, "opening_hours": "8–16"})
    assert "Ange datum för underskrift" in missing_date.content.decode()
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.DRAFT and draft.opening_hours == ""

    ok = client.post(
        url, {"status": AgreementStatus.SIGNED, "signed_on": "2012-12-10", "opening_hours": "Vardagar 8–16"}, follow=True
    )
    draft.refresh_from_db()
    assert (draft.status, draft.signed_on, draft.opening_hours) == (
        AgreementStatus.SIGNED,
        datetime.date(2012, 12, 10),
        "Vardagar 8–16",
    )
    html = ok.content.decode()
    assert "Avtalet sparades." in html
    assert "Vardagar 8–16" in html
    assert "Ändringshistorik" in html and "undertecknat" in html


def test_lead_time_interface_and_deviation(client: Any, city: Any) -> None:
    login(client, city.unit_manager)
    x = city.agreement_x
    client.post(
        reverse("agreements:agreement-leadtime-set", args=[x.pk]),
        {
            "lead-process": city.process.pk,
            "lead-work_kind": "Leverantörsfaktura",
            "lead-first_response_hours": 8,
            "lead-resolution_hours": 20,
        },
    )
    bad = client.post(
        reverse("agreements:agreement-leadtime-set", args=[x.pk]),
        {
            "lead-process": city.process.pk,
            "lead-work_kind": "Påminnelse",
            "lead-first_response_hours": 30,
            "lead-resolution_hours": 10,
        },
    )
    assert "Första svar kan inte komma efter" in bad.content.decode()
    client.post(
        reverse("agreements:agreement-interface-set", args=[x.pk]),
        {"interface-process": city.process.pk, "interface-text": "Kunden attesterar."},
    )
    client.post(
        reverse("agreements:agreement-deviation-add", args=[x.pk]),
        {
            "deviation-process": city.process.pk,
            "deviation-description": "Pappersfakturor skannas av kunden",
            "deviation-approved_on": "2012-02-01",
            "deviation-approved_by": "Enhetschef",
        },
    )
    assert LeadTime.objects.get(agreement=x).resolution_hours == 20
    html = client.get(reverse("agreements:agreement-detail", args=[x.pk])).content.decode()
    assert "20 timmar" in html and "2,5" in html  # ≈ 2,5 working days at 8 h
    assert "Kunden attesterar." in html
    assert "Pappersfakturor skannas av kunden" in html


def test_pdf_upload_and_download(client: Any, city: Any, _media: Path) -> None:
    login(client, city.unit_manager)
    upload = SimpleUploadedFile("Avtal Rinkeby 2012.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("agreements:agreement-document-upload", args=[city.agreement_x.pk]), {"document-file": upload}, follow=True
    )
    document = AgreementDocument.objects.get()
    html = response.content.decode()
    assert document.sha256 in html
    assert "laddades upp" in html
    assert len(stored_files(_media)) == 1

    login(client, city.handler)  # may view X: may download
    download = client.get(reverse("agreements:agreement-document", args=[city.agreement_x.pk, document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert "Avtal Rinkeby 2012.pdf" in download["Content-Disposition"]

    for persona in ["handler_b", "contact_x", "outsider"]:
        login(client, city.users[persona])
        assert client.get(reverse("agreements:agreement-document", args=[city.agreement_x.pk, document.pk])).status_code == 404
    login(client, city.controller)
    assert client.get(reverse("agreements:agreement-document", args=[city.agreement_y.pk, document.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "content"),
    [("avtal.pdf", b"PK\x03\x04 this is a zip, not a pdf"), ("avtal.docx", PDF), ("tom.pdf", b"")],
)
def test_bad_upload_is_refused_and_nothing_stored(client: Any, city: Any, _media: Path, name: str, content: bytes) -> None:
    response = login(client, city.unit_manager).post(
        reverse("agreements:agreement-document-upload", args=[city.agreement_x.pk]),
        {"document-file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    assert response.context["document_form"].errors
    html = response.content.decode()
    assert "error-summary" in html
    assert not AgreementDocument.objects.exists()
    assert stored_files(_media) == []


# --- price lists ----------------------------------------------------------------------


def test_price_list_detail_groups_and_marks_mid_year_change(client: Any, city: Any) -> None:
    f.PriceVersionFactory(
        price_list=city.price_list,
        variant=city.variant_manual,
        unit_price=Decimal("40.00"),
        valid_from=datetime.date(2012, 9, 1),
        decision_ref="SN 2012/88",
    )
    login(client, city.controller)
    url = reverse("agreements:pricelist-detail", args=[city.price_list.pk])
    response = client.get(url, {"dag": "2012-10-01"})
    rows = {row.variant: row for row in response.context["rows"]}
    assert rows[city.variant_manual].current.unit_price == Decimal("40.00")
    assert rows[city.variant_manual].changed_mid_year
    html = response.content.decode()
    assert "Ekonomiadministration" in html and "Leverantörsreskontra" in html
    assert "Ändrat under året" in html
    assert "SN 2012/88" in html
    assert "40,00 kr" in html
    june = client.get(url, {"dag": "2012-06-01"})
    assert {r.variant: r for r in june.context["rows"]}[city.variant_manual].current.unit_price == Decimal("50.00")
    # a day outside the year is clipped to it
    assert client.get(url, {"dag": "2030-05-05"}).context["day"] == datetime.date(2012, 12, 31)


def test_price_list_filtered_to_agreement_services(client: Any, city: Any) -> None:
    other = f.ServiceFactory(process=city.process, code="KUND", name="Kundfaktura", kind=ServiceKind.MANDATORY)
    variant = f.ServiceVariantFactory(service=other, code="KUND-M", name="Manuell")
    f.PriceVersionFactory(price_list=city.price_list, variant=variant, unit_price=Decimal("60.00"))
    login(client, city.handler)
    url = reverse("agreements:pricelist-detail", args=[city.price_list.pk])
    assert len(client.get(url).context["rows"]) == 3
    rows = client.get(url, {"avtal": city.agreement_x.pk}).context["rows"]
    assert {r.variant for r in rows} == {city.variant_electronic, city.variant_manual}
    detail = client.get(reverse("agreements:agreement-detail", args=[city.agreement_x.pk])).content.decode()
    assert f"{url}?avtal={city.agreement_x.pk}" in detail
    login(client, city.handler_b)
    assert client.get(url, {"avtal": city.agreement_x.pk}).status_code == 404


def test_price_version_with_decimal_comma(client: Any, city: Any) -> None:
    login(client, city.head_of_area)
    url = reverse("agreements:pricelist-version-add", args=[city.price_list.pk])
    response = client.post(
        url,
        {"variant": city.variant_electronic.pk, "unit_price": "12,50", "valid_from": "2012-09-01", "decision_ref": "SN 2012/90"},
        follow=True,
    )
    version = PriceVersion.objects.get(variant=city.variant_electronic, valid_from=datetime.date(2012, 9, 1))
    assert version.unit_price == Decimal("12.50")
    assert version.created_by == city.head_of_area
    assert "12,50 kr från 2012-09-01" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"unit_price": "14", "valid_from": "2012-01-01"}, "Det finns redan ett pris"),
        ({"unit_price": "tolv", "valid_from": "2012-05-01"}, "är inte ett belopp"),
        ({"unit_price": "14", "valid_from": "2013-05-01"}, "utanför prislistans år 2012"),
    ],
)
def test_price_version_rules_show_message_and_save_nothing(client: Any, city: Any, data: dict[str, str], message: str) -> None:
    before = PriceVersion.objects.count()
    response = login(client, city.head_of_area).post(
        reverse("agreements:pricelist-version-add", args=[city.price_list.pk]), {"variant": city.variant_electronic.pk, **data}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert PriceVersion.objects.count() == before


def test_price_version_respects_billed_through(client: Any, city: Any) -> None:
    services.price_list_mark_billed(actor=None, price_list=city.price_list, through=datetime.date(2012, 4, 30))
    login(client, city.head_of_area)
    url = reverse("agreements:pricelist-version-add", args=[city.price_list.pk])
    assert "2012-04-30" in client.get(url).content.decode()
    refused = client.post(url, {"variant": city.variant_electronic.pk, "unit_price": "14", "valid_from": "2012-04-01"})
    assert "redan fakturerade" in refused.content.decode()
    assert PriceVersion.objects.filter(variant=city.variant_electronic).count() == 1
    client.post(url, {"variant": city.variant_electronic.pk, "unit_price": "14", "valid_from": "2012-05-01"})
    assert PriceVersion.objects.filter(variant=city.variant_electronic).count() == 2


def test_price_version_for_variant_outside_own_area_is_refused(client: Any, city: Any) -> None:
    process = f.ProcessFactory(area=city.other_area, code="LON", name="Lön")
    service = f.ServiceFactory(process=process, code="LONSPEC", name="Lön", kind=ServiceKind.MANDATORY)
    variant = f.ServiceVariantFactory(service=service, code="LONSPEC-S", name="Självservice")
    login(client, city.head_of_area)
    url = reverse("agreements:pricelist-version-add", args=[city.price_list.pk])
    assert variant not in client.get(url).context["form"].fields["variant"].queryset
    response = client.post(url, {"variant": variant.pk, "unit_price": "57", "valid_from": "2012-05-01"})
    assert "variant" in response.context["form"].errors
    assert not PriceVersion.objects.filter(variant=variant).exists()


def test_price_list_create_and_copy(client: Any, city: Any) -> None:
    f.PriceVersionFactory(
        price_list=city.price_list, variant=city.variant_manual, unit_price=Decimal("45.00"), valid_from=datetime.date(2012, 9, 1)
    )
    login(client, city.head_of_area)
    client.post(reverse("agreements:pricelist-create"), {"year": 2015, "name": "", "decision_ref": "SN 2014/1"})
    assert PriceList.objects.get(year=2015).name == "Prislista 2015"
    again = client.post(reverse("agreements:pricelist-create"), {"year": 2015})
    assert "Det finns redan en prislista för 2015" in again.content.decode()

    response = client.post(
        reverse("agreements:pricelist-copy", args=[city.price_list.pk]), {"decision_ref": "SN 2012/99"}, follow=True
    )
    copy = PriceList.objects.get(year=2013)
    prices = {v.variant: v.unit_price for v in copy.versions.all()}
    assert prices == {city.variant_electronic: Decimal("15.00"), city.variant_manual: Decimal("45.00")}
    assert "Prislista 2013 skapades" in response.content.decode()
    twice = client.post(reverse("agreements:pricelist-copy", args=[city.price_list.pk]), {})
    assert "Det finns redan en prislista för 2013" in twice.content.decode()
    assert PriceList.objects.filter(year=2013).count() == 1


def test_excel_export(client: Any, city: Any) -> None:
    f.PriceVersionFactory(
        price_list=city.price_list,
        variant=city.variant_manual,
        unit_price=Decimal("45.50"),
        valid_from=datetime.date(2012, 9, 1),
        decision_ref="SN 2012/88",
    )
    response = login(client, city.controller).get(reverse("agreements:pricelist-export", args=[city.price_list.pk]))
    assert response.status_code == 200
    assert "prislista-2012.xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Priser", "Versioner"]
    prices = list(workbook["Priser"].iter_rows(min_row=4, values_only=True))
    by_variant = {row[3]: row for row in prices}
    assert by_variant["Manuell"][:3] == ("Ekonomiadministration", "Leverantörsreskontra", "Leverantörsfaktura")
    assert by_variant["Manuell"][5] == 50 and by_variant["Manuell"][6] == 45.5 and by_variant["Manuell"][7] == "Ja"
    assert by_variant["Elektronisk"][5] == 15 and by_variant["Elektronisk"][6] == 15 and by_variant["Elektronisk"][7] == "Nej"
    assert workbook["Priser"].cell(row=4, column=6).number_format == '#,##0.00 "kr"'
    versions = list(workbook["Versioner"].iter_rows(min_row=4, values_only=True))
    manual = [row for row in versions if row[3] == "Manuell"]
    assert [(r[5].date(), r[6].date(), r[7]) for r in manual] == [
        (datetime.date(2012, 1, 1), datetime.date(2012, 8, 31), 50),
        (datetime.date(2012, 9, 1), datetime.date(2012, 12, 31), 45.5),
    ]
    assert manual[1][8] == "SN 2012/88"


def test_price_list_detail_query_count_is_constant(client: Any, city: Any, django_assert_max_num_queries: Any) -> None:
    login(client, city.head_of_area)
    url = reverse("agreements:pricelist-detail", args=[city.price_list.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for n in range(15):
        process = f.ProcessFactory(area=city.other_area if n % 2 else city.area, code=f"PX{n}", name=f"Process {n}")
        service = f.ServiceFactory(process=process, code=f"SX{n}", name=f"Tjänst {n}", kind=ServiceKind.MANDATORY)
        for v in range(3):
            variant = f.ServiceVariantFactory(service=service, code=f"SX{n}-{v}", name=f"Variant {v}")
            f.PriceVersionFactory(price_list=city.price_list, variant=variant, unit_price=Decimal(10 + v))
            f.PriceVersionFactory(
                price_list=city.price_list,
                variant=variant,
                unit_price=Decimal(11 + v),
                valid_from=datetime.date(2012, 7, 1),
                created_by=city.sysadmin,
            )
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert len(response.context["rows"]) == 47


# --- services ---------------------------------------------------------------------------


def test_service_catalogue(client: Any, city: Any) -> None:
    login(client, city.handler)
    url = reverse("agreements:service-list")
    response = client.get(url)
    html = response.content.decode()
    assert "Leverantörsfaktura" in html and "Anläggningsredovisning" in html
    assert "Obligatorisk" in html and "Tilläggstjänst" in html
    assert "Elektronisk" in html and "Manuell" in html
    addons = client.get(url, {"kind": ServiceKind.ADDON})
    assert list(addons.context["services"]) == [city.addon]
    by_process = client.get(url, {"process": city.process.pk, "q": "faktura"})
    assert list(by_process.context["services"]) == [city.mandatory]
    partial = client.get(url, {"q": "anl"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "Anläggningsredovisning" in partial
