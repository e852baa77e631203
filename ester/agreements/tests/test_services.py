"""The rules of agreements and prices, as the services enforce them."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

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
from ester.core.audit import audit_for
from ester.core.models import AuditEntry
from ester.organisation.tests import factories as f

pytestmark = pytest.mark.django_db

D = datetime.date
PDF = b"%PDF-1.7\n% signed agreement\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def message(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


def fields(error: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return set(error.value.message_dict)


# --- agreements -------------------------------------------------------------------------


def test_agreement_create_adds_every_active_mandatory_service_for_the_year(city: Any) -> None:
    f.ServiceFactory(process=city.process, code="OLD", name="Gammal", kind=ServiceKind.MANDATORY, active=False)
    agreement = services.agreement_create(actor=city.unit_manager, customer=city.customer_x, year=2013, opening_hours="8–16")
    assert agreement.status == AgreementStatus.DRAFT
    items = list(agreement.services.all())
    assert [(i.service, i.start, i.end) for i in items] == [(city.mandatory, D(2013, 1, 1), D(2013, 12, 31))]
    assert audit_for(agreement).filter(kind=AuditEntry.Kind.CREATE).count() == 2  # agreement and its service


def test_agreement_create_refuses_a_second_agreement_for_the_year(city: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.agreement_create(actor=city.unit_manager, customer=city.customer_x, year=2012)
    assert fields(error) == {"year"}
    assert "har redan ett serviceavtal för 2012" in message(error)


def test_agreement_update_requires_signing_date_and_records_changes(city: Any) -> None:
    draft = f.AgreementFactory(customer=city.customer_x, year=2013, status=AgreementStatus.DRAFT, signed_on=None)
    with pytest.raises(ValidationError) as error:
        services.agreement_update(actor=city.unit_manager, agreement=draft, status=AgreementStatus.SIGNED)
    assert fields(error) == {"signed_on"}
    changed = services.agreement_update(
        actor=city.unit_manager, agreement=draft, status=AgreementStatus.SIGNED, signed_on=D(2012, 12, 1)
    )
    assert set(changed) == {"status", "signed_on"}
    entry = audit_for(draft).get(kind=AuditEntry.Kind.UPDATE)
    assert entry.changes["status"] == [AgreementStatus.DRAFT, AgreementStatus.SIGNED]
    assert services.agreement_update(actor=city.unit_manager, agreement=draft, status=AgreementStatus.SIGNED) == []


def test_addon_mid_year_defaults_to_year_end(city: Any) -> None:
    item = services.agreement_service_add(
        actor=city.unit_manager, agreement=city.agreement_x, service=city.addon, start=D(2012, 4, 1)
    )
    assert (item.start, item.end) == (D(2012, 4, 1), D(2012, 12, 31))
    assert audit_for(city.agreement_x).filter(summary__contains="Tilläggstjänst").exists()


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (D(2011, 12, 1), None, "start"),
        (D(2012, 3, 1), D(2013, 1, 31), "end"),
        (D(2012, 6, 1), D(2012, 5, 1), "end"),
    ],
)
def test_addon_period_must_lie_in_the_year(city: Any, start: datetime.date, end: datetime.date | None, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        services.agreement_service_add(
            actor=city.unit_manager, agreement=city.agreement_x, service=city.addon, start=start, end=end
        )
    assert fields(error) == {field}
    assert not AgreementService.objects.filter(service=city.addon).exists()


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        (D(2012, 1, 1), D(2012, 3, 31), False),  # ends the day before
        (D(2012, 7, 1), D(2012, 12, 31), False),  # starts the day after
        (D(2012, 1, 1), D(2012, 4, 1), True),  # touches the first day
        (D(2012, 6, 30), None, True),  # touches the last day
        (D(2012, 5, 1), D(2012, 5, 31), True),  # inside
        (D(2012, 1, 1), None, True),  # around
    ],
)
def test_addon_periods_may_not_overlap(city: Any, start: datetime.date, end: datetime.date | None, overlaps: bool) -> None:
    f.AgreementServiceFactory(agreement=city.agreement_x, service=city.addon, start=D(2012, 4, 1), end=D(2012, 6, 30))
    if overlaps:
        with pytest.raises(ValidationError) as error:
            services.agreement_service_add(
                actor=city.unit_manager, agreement=city.agreement_x, service=city.addon, start=start, end=end
            )
        assert "får inte överlappa" in message(error)
        assert AgreementService.objects.filter(service=city.addon).count() == 1
    else:
        services.agreement_service_add(
            actor=city.unit_manager, agreement=city.agreement_x, service=city.addon, start=start, end=end
        )
        assert AgreementService.objects.filter(service=city.addon).count() == 2


def test_same_addon_in_another_customers_agreement_is_no_overlap(city: Any) -> None:
    f.AgreementServiceFactory(agreement=city.agreement_y, service=city.addon)
    services.agreement_service_add(actor=city.unit_manager, agreement=city.agreement_x, service=city.addon, start=D(2012, 2, 1))


def test_addon_rules_mandatory_inactive_and_ended_agreement(city: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.agreement_service_add(
            actor=city.unit_manager, agreement=city.agreement_x, service=city.mandatory, start=D(2012, 2, 1)
        )
    assert "obligatorisk tjänst" in message(error)
    retired = f.ServiceFactory(process=city.process, code="RET", name="Utgången", kind=ServiceKind.ADDON, active=False)
    with pytest.raises(ValidationError) as error:
        services.agreement_service_add(actor=city.unit_manager, agreement=city.agreement_x, service=retired, start=D(2012, 2, 1))
    assert "erbjuds inte längre" in message(error)
    ended = f.AgreementFactory(customer=city.customer_x, year=2011, status=AgreementStatus.ENDED)
    with pytest.raises(ValidationError) as error:
        services.agreement_service_add(actor=city.unit_manager, agreement=ended, service=city.addon, start=D(2011, 2, 1))
    assert "avslutat" in message(error)


def test_end_addon_early(city: Any) -> None:
    item = f.AgreementServiceFactory(agreement=city.agreement_x, service=city.addon, start=D(2012, 3, 1))
    services.agreement_service_end(actor=city.unit_manager, item=item, end=D(2012, 8, 31))
    item.refresh_from_db()
    assert item.end == D(2012, 8, 31)
    assert audit_for(city.agreement_x).filter(summary="Tilläggstjänst avslutad").exists()


@pytest.mark.parametrize(("end", "field"), [(D(2012, 2, 1), "end"), (D(2013, 1, 1), "end")])
def test_end_addon_outside_its_period_is_refused(city: Any, end: datetime.date, field: str) -> None:
    item = f.AgreementServiceFactory(agreement=city.agreement_x, service=city.addon, start=D(2012, 3, 1))
    with pytest.raises(ValidationError) as error:
        services.agreement_service_end(actor=city.unit_manager, item=item, end=end)
    assert fields(error) == {field}
    item.refresh_from_db()
    assert item.end == D(2012, 12, 31)


def test_mandatory_service_cannot_be_ended(city: Any) -> None:
    item = AgreementService.objects.get(agreement=city.agreement_x, service=city.mandatory)
    with pytest.raises(ValidationError):
        services.agreement_service_end(actor=city.unit_manager, item=item, end=D(2012, 6, 30))


@pytest.mark.parametrize(
    ("work_kind", "first", "resolution", "field"),
    [
        ("  ", None, 8, "work_kind"),
        ("Faktura", None, 0, "resolution_hours"),
        ("Faktura", 16, 8, "first_response_hours"),
    ],
)
def test_lead_time_validation(city: Any, work_kind: str, first: int | None, resolution: int, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        services.lead_time_set(
            actor=city.unit_manager,
            agreement=city.agreement_x,
            process=city.process,
            work_kind=work_kind,
            first_response_hours=first,
            resolution_hours=resolution,
        )
    assert fields(error) == {field}
    assert not LeadTime.objects.exists()


def test_lead_time_set_twice_updates_the_same_row(city: Any) -> None:
    args = {"actor": city.unit_manager, "agreement": city.agreement_x, "process": city.process}
    first = services.lead_time_set(**args, work_kind="Leverantörsfaktura ", resolution_hours=16, first_response_hours=8)
    second = services.lead_time_set(**args, work_kind="Leverantörsfaktura", resolution_hours=24, first_response_hours=8)
    assert first.pk == second.pk
    assert LeadTime.objects.get().resolution_hours == 24


def test_interface_text_and_deviation(city: Any) -> None:
    with pytest.raises(ValidationError):
        services.interface_text_set(actor=city.unit_manager, agreement=city.agreement_x, process=city.process, text=" ")
    services.interface_text_set(
        actor=city.unit_manager, agreement=city.agreement_x, process=city.process, text="Kunden attesterar."
    )
    services.interface_text_set(actor=city.unit_manager, agreement=city.agreement_x, process=city.process, text="Vi attesterar.")
    assert InterfaceText.objects.get().text == "Vi attesterar."
    with pytest.raises(ValidationError) as error:
        services.deviation_add(
            actor=city.unit_manager,
            agreement=city.agreement_x,
            process=city.process,
            description="X",
            approved_on=D(2012, 1, 5),
            approved_by="",
        )
    assert fields(error) == {"approved_by"}
    services.deviation_add(
        actor=city.unit_manager,
        agreement=city.agreement_x,
        process=city.process,
        description="X",
        approved_on=D(2012, 1, 5),
        approved_by="Chef",
    )
    assert Deviation.objects.count() == 1


def test_document_upload_keeps_bytes_and_digest(city: Any) -> None:
    upload = SimpleUploadedFile("Avtal 2012.pdf", PDF, content_type="application/pdf")
    document = services.agreement_document_upload(actor=city.unit_manager, agreement=city.agreement_x, upload=upload)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.size == len(PDF)
    assert document.original_name == "Avtal 2012.pdf"
    with document.file.open("rb") as handle:
        assert handle.read() == PDF
    with pytest.raises(ValidationError) as error:
        services.agreement_document_upload(
            actor=city.unit_manager, agreement=city.agreement_x, upload=SimpleUploadedFile("kopia.pdf", PDF)
        )
    assert "redan uppladdad" in message(error)
    assert AgreementDocument.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "text"),
    [("avtal.pdf", b"<html>not a pdf</html>", "inte en PDF"), ("avtal.txt", PDF, "inte en PDF"), ("avtal.pdf", b"", "är tom")],
)
def test_document_upload_refuses_non_pdf(city: Any, name: str, content: bytes, text: str) -> None:
    with pytest.raises(ValidationError) as error:
        services.agreement_document_upload(
            actor=city.unit_manager, agreement=city.agreement_x, upload=SimpleUploadedFile(name, content)
        )
    assert fields(error) == {"file"}
    assert text in message(error)
    assert not AgreementDocument.objects.exists()


def test_document_upload_size_limit(city: Any, settings: Any) -> None:
    settings.ESTER_MAX_UPLOAD_BYTES = 1024 * 1024
    big = SimpleUploadedFile("stor.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError) as error:
        services.agreement_document_upload(actor=city.unit_manager, agreement=city.agreement_x, upload=big)
    assert "största tillåtna storlek" in message(error)


# --- copying agreements -----------------------------------------------------------------


def test_copy_carries_running_addons_but_not_ended_ones(city: Any) -> None:
    ended = f.ServiceFactory(process=city.process, code="EU", name="EU-redovisning", kind=ServiceKind.ADDON)
    f.AgreementServiceFactory(agreement=city.agreement_x, service=city.addon, start=D(2012, 4, 1), note="Från april")
    f.AgreementServiceFactory(agreement=city.agreement_x, service=ended, end=D(2012, 10, 31))
    f.AgreementServiceFactory(agreement=city.agreement_x, service=ended, start=D(2012, 11, 15), end=D(2012, 12, 30))
    services.lead_time_set(
        actor=city.unit_manager, agreement=city.agreement_x, process=city.process, work_kind="Faktura", resolution_hours=16
    )
    services.interface_text_set(actor=city.unit_manager, agreement=city.agreement_x, process=city.process, text="Vem gör vad")
    services.deviation_add(
        actor=city.unit_manager,
        agreement=city.agreement_x,
        process=city.process,
        description="Avvikelse",
        approved_on=D(2012, 1, 5),
        approved_by="Chef",
    )
    services.agreement_document_upload(
        actor=city.unit_manager, agreement=city.agreement_x, upload=SimpleUploadedFile("a.pdf", PDF)
    )

    result = services.agreements_copy_to_year(actor=city.unit_manager, from_year=2012, to_year=2013)

    assert [a.customer for a in result.created] == [city.customer_x]  # Y is not the unit manager's
    new = result.created[0]
    assert (new.status, new.copied_from, new.signed_on) == (AgreementStatus.DRAFT, city.agreement_x, None)
    items = {(i.service, i.start, i.end, i.note) for i in new.services.all()}
    assert items == {
        (city.mandatory, D(2013, 1, 1), D(2013, 12, 31), ""),
        (city.addon, D(2013, 1, 1), D(2013, 12, 31), "Från april"),
    }
    assert new.lead_times.get().resolution_hours == 16
    assert new.interfaces.get().text == "Vem gör vad"
    assert new.deviations.get().description == "Avvikelse"
    assert not new.documents.exists()


def test_copy_twice_skips_everything_the_second_time(city: Any) -> None:
    first = services.agreements_copy_to_year(actor=city.sysadmin, from_year=2012, to_year=2013)
    assert len(first.created) == 2 and first.skipped == []
    second = services.agreements_copy_to_year(actor=city.sysadmin, from_year=2012, to_year=2013)
    assert second.created == []
    assert {c.pk for c in second.skipped} == {city.customer_x.pk, city.customer_y.pk}
    assert Agreement.objects.filter(year=2013).count() == 2


def test_copy_skips_customers_that_ended(city: Any) -> None:
    city.customer_y.valid_to = D(2012, 12, 31)
    city.customer_y.save(update_fields=["valid_to"])
    result = services.agreements_copy_to_year(actor=city.sysadmin, from_year=2012, to_year=2013)
    assert [a.customer for a in result.created] == [city.customer_x]
    assert result.skipped == [city.customer_y]


def test_copy_only_forward_and_nothing_for_handlers(city: Any) -> None:
    with pytest.raises(ValidationError):
        services.agreements_copy_to_year(actor=city.sysadmin, from_year=2012, to_year=2012)
    result = services.agreements_copy_to_year(actor=city.handler, from_year=2012, to_year=2013)
    assert result.created == [] and result.skipped == []


# --- prices -------------------------------------------------------------------------------


def test_price_version_accepts_decimal_comma_and_records_who(city: Any) -> None:
    version = services.price_version_add(
        actor=city.head_of_area,
        price_list=city.price_list,
        variant=city.variant_electronic,
        unit_price="12,50",
        valid_from=D(2012, 9, 1),
    )
    assert version.unit_price == Decimal("12.50")
    assert version.created_by == city.head_of_area
    assert audit_for(city.price_list).filter(summary__contains="12.50").exists()


@pytest.mark.parametrize(
    ("price", "day", "field"),
    [
        ("14", D(2012, 1, 1), "valid_from"),  # same day as the existing version
        ("14", D(2013, 1, 1), "valid_from"),  # outside the year
        ("-1", D(2012, 5, 1), "unit_price"),
        ("1,005", D(2012, 5, 1), "unit_price"),
        ("femton", D(2012, 5, 1), "unit_price"),
    ],
)
def test_price_version_rules(city: Any, price: str, day: datetime.date, field: str) -> None:
    with pytest.raises(ValidationError) as error:
        services.price_version_add(
            actor=city.head_of_area, price_list=city.price_list, variant=city.variant_electronic, unit_price=price, valid_from=day
        )
    assert fields(error) == {field}
    assert PriceVersion.objects.filter(variant=city.variant_electronic).count() == 1


def test_price_version_never_on_a_billed_day(city: Any) -> None:
    services.price_list_mark_billed(actor=None, price_list=city.price_list, through=D(2012, 8, 31))
    services.price_list_mark_billed(actor=None, price_list=city.price_list, through=D(2012, 6, 30))  # never moves back
    city.price_list.refresh_from_db()
    assert city.price_list.billed_through == D(2012, 8, 31)
    with pytest.raises(ValidationError) as error:
        services.price_version_add(
            actor=city.head_of_area,
            price_list=city.price_list,
            variant=city.variant_manual,
            unit_price="40",
            valid_from=D(2012, 8, 31),
        )
    assert "2012-09-01" in message(error)
    services.price_version_add(
        actor=city.head_of_area,
        price_list=city.price_list,
        variant=city.variant_manual,
        unit_price="40",
        valid_from=D(2012, 9, 1),
    )


def test_price_list_create_rules(city: Any) -> None:
    created = services.price_list_create(actor=city.head_of_area, year=2014, decision_ref="SN 2013/7")
    assert created.name == "Prislista 2014"
    with pytest.raises(ValidationError):
        services.price_list_create(actor=city.head_of_area, year=2014)
    with pytest.raises(ValidationError):
        services.price_list_create(actor=city.head_of_area, year=1999)


def test_price_list_copy_to_year_takes_prices_in_force_on_31_december(city: Any) -> None:
    f.PriceVersionFactory(
        price_list=city.price_list, variant=city.variant_manual, unit_price=Decimal("45.00"), valid_from=D(2012, 9, 1)
    )
    target = services.price_list_copy_to_year(actor=city.head_of_area, from_year=2012, to_year=2013, decision_ref="SN 2012/99")
    assert target.year == 2013 and target.decision_ref == "SN 2012/99"
    versions = {v.variant: v for v in target.versions.all()}
    assert {k: v.unit_price for k, v in versions.items()} == {
        city.variant_electronic: Decimal("15.00"),
        city.variant_manual: Decimal("45.00"),
    }
    assert all(v.valid_from == D(2013, 1, 1) and v.note == "Kopierat från 2012" for v in versions.values())
    # the source is untouched
    assert PriceVersion.objects.filter(price_list=city.price_list).count() == 3


def test_price_list_copy_needs_a_source_and_a_free_year(city: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.price_list_copy_to_year(actor=city.head_of_area, from_year=2010, to_year=2011)
    assert "ingen prislista för 2010" in message(error)
    f.PriceListFactory(year=2013)
    with pytest.raises(ValidationError):
        services.price_list_copy_to_year(actor=city.head_of_area, from_year=2012, to_year=2013)
    assert PriceList.objects.get(year=2013).versions.count() == 0


@pytest.mark.django_db
def test_services_check_authority_too(city):
    import datetime

    from django.core.exceptions import PermissionDenied

    from ester.agreements import services as s

    with pytest.raises(PermissionDenied):
        s.price_version_add(
            actor=city.unit_manager,
            price_list=city.price_list,
            variant=city.variant_manual,
            unit_price="1",
            valid_from=datetime.date(2012, 5, 1),
        )
    with pytest.raises(PermissionDenied):
        s.agreement_service_add(
            actor=city.unit_manager, agreement=city.agreement_y, service=city.addon, start=datetime.date(2012, 5, 1)
        )
    with pytest.raises(PermissionDenied):
        s.price_list_create(actor=city.controller, year=2013)
    with pytest.raises(PermissionDenied):
        s.agreement_create(actor=city.handler, customer=city.customer_x, year=2013)
