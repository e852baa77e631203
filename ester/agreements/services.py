"""Writes to agreements and price lists.

Rules the customer's documents imply: mandatory services are always in an
agreement; add-ons can be agreed and ended mid-year but only inside the
agreement year; a price never changes in place — a change is a new price
version from a date, and nothing may take effect on a day already billed.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import formats
from django.utils.translation import gettext as _

from ester.accounts.models import User
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
    Service,
    ServiceVariant,
)
from ester.core.access import Action
from ester.core.audit import audit_record, snapshot
from ester.core.models import AuditEntry
from ester.core.services import audited_create, audited_update, require, require_permission
from ester.organisation.models import Customer, Process


def _d(day: datetime.date) -> str:
    return formats.date_format(day, "Y-m-d")


# --- agreements -----------------------------------------------------------------


@transaction.atomic
def agreement_create(
    *, actor: User, customer: Customer, year: int, status: str = AgreementStatus.DRAFT, **fields: Any
) -> Agreement:
    """A new agreement for ``customer`` and ``year``, with every mandatory service for the whole year."""
    require_permission(actor, customer)
    require(2000 <= year <= 2100, _("Ange ett år mellan 2000 och 2100."), "year")
    require(
        not Agreement.objects.filter(customer=customer, year=year).exists(),
        _("%(customer)s har redan ett serviceavtal för %(year)s.") % {"customer": customer, "year": year},
        "year",
    )
    allowed = {"signed_on", "opening_hours", "notes", "copied_from"}
    agreement = audited_create(
        Agreement, actor=actor, customer=customer, year=year, status=status, **{k: v for k, v in fields.items() if k in allowed}
    )
    for service in Service.objects.filter(kind=ServiceKind.MANDATORY, active=True).select_related("process"):
        audited_create(
            AgreementService,
            actor=actor,
            owner=agreement,
            agreement=agreement,
            service=service,
            start=agreement.first_day,
            end=agreement.last_day,
        )
    return agreement


@transaction.atomic
def agreement_update(*, actor: User, agreement: Agreement, **fields: Any) -> list[str]:
    allowed = {"status", "signed_on", "opening_hours", "notes"}
    require_permission(actor, agreement)
    unknown = set(fields) - allowed
    require(not unknown, f"Okända fält: {', '.join(sorted(unknown))}")
    if fields.get("status") == AgreementStatus.SIGNED and not (fields.get("signed_on") or agreement.signed_on):
        require(False, _("Ange datum för underskrift när avtalet markeras som undertecknat."), "signed_on")
    return audited_update(agreement, actor=actor, fields=fields)


def _check_period_in_year(agreement: Agreement, start: datetime.date, end: datetime.date) -> None:
    require(
        agreement.first_day <= start <= agreement.last_day,
        _("Startdatum %(start)s ligger utanför avtalsåret %(year)s. Välj ett datum mellan %(first)s och %(last)s.")
        % {"start": _d(start), "year": agreement.year, "first": _d(agreement.first_day), "last": _d(agreement.last_day)},
        "start",
    )
    require(
        agreement.first_day <= end <= agreement.last_day,
        _("Slutdatum %(end)s ligger utanför avtalsåret %(year)s. Välj ett datum senast %(last)s.")
        % {"end": _d(end), "year": agreement.year, "last": _d(agreement.last_day)},
        "end",
    )
    require(start <= end, _("Slutdatum måste vara samma dag som eller efter startdatum."), "end")


@transaction.atomic
def agreement_service_add(
    *, actor: User, agreement: Agreement, service: Service, start: datetime.date, end: datetime.date | None = None, note: str = ""
) -> AgreementService:
    """Agree an add-on service from ``start`` (mid-year too) until ``end`` (default: year end)."""
    require_permission(actor, agreement)
    end = end or agreement.last_day
    require(agreement.status != AgreementStatus.ENDED, _("Avtalet är avslutat och kan inte ändras."))
    require(service.active, _("Tjänsten %(service)s erbjuds inte längre.") % {"service": service}, "service")
    require(
        service.kind == ServiceKind.ADDON,
        _("%(service)s är en obligatorisk tjänst och ingår redan i avtalet.") % {"service": service},
        "service",
    )
    _check_period_in_year(agreement, start, end)
    overlapping = AgreementService.objects.filter(agreement=agreement, service=service, start__lte=end, end__gte=start).first()
    require(
        overlapping is None,
        _("%(service)s är redan avtalad %(start)s–%(end)s; perioderna får inte överlappa.")
        % {"service": service, "start": _d(overlapping.start), "end": _d(overlapping.end)}
        if overlapping
        else "",
        "start",
    )
    return audited_create(
        AgreementService,
        actor=actor,
        owner=agreement,
        summary=_("Tilläggstjänst %(service)s från %(start)s") % {"service": service, "start": _d(start)},
        agreement=agreement,
        service=service,
        start=start,
        end=end,
        note=note,
    )


@transaction.atomic
def agreement_service_end(*, actor: User, item: AgreementService, end: datetime.date) -> AgreementService:
    """End an add-on early (the customer cancels mid-year)."""
    agreement = item.agreement
    require_permission(actor, agreement)
    require(item.service.kind == ServiceKind.ADDON, _("Obligatoriska tjänster kan inte avslutas under avtalsåret."))
    _check_period_in_year(agreement, item.start, end)
    audited_update(item, actor=actor, owner=agreement, fields={"end": end}, summary=_("Tilläggstjänst avslutad"))
    return item


@transaction.atomic
def lead_time_set(
    *,
    actor: User,
    agreement: Agreement,
    process: Process,
    work_kind: str,
    resolution_hours: int,
    first_response_hours: int | None = None,
) -> LeadTime:
    require_permission(actor, agreement)
    require(bool(work_kind.strip()), _("Ange vilken typ av arbete ledtiden gäller."), "work_kind")
    require(resolution_hours > 0, _("Ledtiden måste vara minst en arbetstimme."), "resolution_hours")
    require(
        first_response_hours is None or first_response_hours <= resolution_hours,
        _("Första svar kan inte komma efter att ärendet ska vara klart."),
        "first_response_hours",
    )
    existing = LeadTime.objects.filter(agreement=agreement, process=process, work_kind=work_kind.strip()).first()
    if existing:
        audited_update(
            existing,
            actor=actor,
            owner=agreement,
            fields={"resolution_hours": resolution_hours, "first_response_hours": first_response_hours},
        )
        return existing
    return audited_create(
        LeadTime,
        actor=actor,
        owner=agreement,
        agreement=agreement,
        process=process,
        work_kind=work_kind.strip(),
        resolution_hours=resolution_hours,
        first_response_hours=first_response_hours,
    )


@transaction.atomic
def interface_text_set(*, actor: User, agreement: Agreement, process: Process, text: str) -> InterfaceText:
    require_permission(actor, agreement)
    require(bool(text.strip()), _("Beskriv gränssnittet: vem gör vad i processen."), "text")
    existing = InterfaceText.objects.filter(agreement=agreement, process=process).first()
    if existing:
        audited_update(existing, actor=actor, owner=agreement, fields={"text": text.strip()})
        return existing
    return audited_create(InterfaceText, actor=actor, owner=agreement, agreement=agreement, process=process, text=text.strip())


@transaction.atomic
def deviation_add(
    *, actor: User, agreement: Agreement, process: Process, description: str, approved_on: datetime.date, approved_by: str
) -> Deviation:
    require_permission(actor, agreement)
    require(bool(description.strip()), _("Beskriv avvikelsen från standardrutinen."), "description")
    require(bool(approved_by.strip()), _("Ange vem som godkände avvikelsen."), "approved_by")
    return audited_create(
        Deviation,
        actor=actor,
        owner=agreement,
        agreement=agreement,
        process=process,
        description=description.strip(),
        approved_on=approved_on,
        approved_by=approved_by.strip(),
    )


PDF_MAGIC = b"%PDF-"


@transaction.atomic
def agreement_document_upload(*, actor: User, agreement: Agreement, upload: UploadedFile) -> AgreementDocument:
    """Store the signed agreement exactly as uploaded, identified by its SHA-256."""
    require_permission(actor, agreement)
    name = upload.name or "avtal.pdf"
    size = upload.size or 0
    limit = settings.ESTER_MAX_UPLOAD_BYTES
    require(size > 0, _("Filen ”%(name)s” är tom. Välj den undertecknade avtalsfilen (PDF).") % {"name": name}, "file")
    require(
        size <= limit,
        _("Filen ”%(name)s” är %(size)s MB; största tillåtna storlek är %(limit)s MB.")
        % {"name": name, "size": round(size / 1024 / 1024, 1), "limit": limit // 1024 // 1024},
        "file",
    )
    upload.seek(0)
    head = upload.read(1024)
    require(
        PDF_MAGIC in head[:1024] and name.lower().endswith(".pdf"),
        _("Filen ”%(name)s” är inte en PDF. Ladda upp det undertecknade avtalet som PDF-fil.") % {"name": name},
        "file",
    )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    sha = digest.hexdigest()
    duplicate = AgreementDocument.objects.filter(agreement=agreement, sha256=sha).first()
    require(
        duplicate is None,
        _("Samma fil är redan uppladdad som ”%(name)s”.") % {"name": duplicate.original_name} if duplicate else "",
        "file",
    )
    document = AgreementDocument(
        agreement=agreement,
        original_name=name[:255],
        content_type="application/pdf",
        size=size,
        sha256=sha,
        uploaded_by=actor,
    )
    upload.seek(0)
    document.file.save(f"{sha}.pdf", ContentFile(upload.read()), save=False)
    document.save()
    audit_record(actor=actor, obj=document, kind=AuditEntry.Kind.CREATE, after=snapshot(document), owner=agreement)
    return document


@dataclass
class CopyResult:
    created: list[Agreement] = field(default_factory=list)
    skipped: list[Customer] = field(default_factory=list)


def _shift_year(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


#: What a new year's agreement takes over from the previous one, besides running add-ons.
_COPIED_PARTS: tuple[tuple[str, type[models.Model], tuple[str, ...]], ...] = (
    ("lead_times", LeadTime, ("process_id", "work_kind", "first_response_hours", "resolution_hours")),
    ("interfaces", InterfaceText, ("process_id", "text")),
    ("deviations", Deviation, ("process_id", "description", "approved_on", "approved_by")),
)


@transaction.atomic
def agreements_copy_to_year(*, actor: User, from_year: int, to_year: int) -> CopyResult:
    """Copy every agreement of ``from_year`` that the actor may change into ``to_year`` as drafts.

    Add-ons still running at the end of ``from_year`` carry over from 1
    January (those ended during the year do not); lead times, interface
    texts and approved deviations are copied; documents are not (a new year
    is signed anew).  Customers that already have a ``to_year`` agreement,
    and customers no longer valid, are skipped.
    """
    require(to_year > from_year, _("Avtal kan bara kopieras framåt i tiden."), "to_year")
    result = CopyResult()
    first_new = datetime.date(to_year, 1, 1)
    sources = (
        Agreement.objects.visible_to(actor, Action.CHANGE)
        .filter(year=from_year)
        .select_related("customer")
        .prefetch_related("services__service", "lead_times", "interfaces", "deviations")
        .order_by("customer__name")
    )
    taken = set(Agreement.objects.filter(year=to_year).values_list("customer_id", flat=True))
    for source in sources:
        customer = source.customer
        if customer.pk in taken or not (customer.valid_to is None or customer.valid_to >= first_new):
            result.skipped.append(customer)
            continue
        new = agreement_create(
            actor=actor,
            customer=customer,
            year=to_year,
            opening_hours=source.opening_hours,
            notes=source.notes,
            copied_from=source,
        )
        for item in source.services.all():
            if item.service.kind != ServiceKind.ADDON or not item.service.active or item.end < source.last_day:
                continue
            audited_create(
                AgreementService,
                actor=actor,
                owner=new,
                agreement=new,
                service=item.service,
                start=new.first_day,
                end=new.last_day,
                note=item.note,
            )
        for related, model, fields in _COPIED_PARTS:
            for row in getattr(source, related).all():
                audited_create(model, actor=actor, owner=new, agreement=new, **{f: getattr(row, f) for f in fields})
        result.created.append(new)
    return result


# --- price lists ------------------------------------------------------------------


def _money(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).replace(" ", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        require(False, _("Priset ”%(value)s” är inte ett belopp. Skriv t.ex. 55 eller 12,50.") % {"value": value}, "unit_price")
        raise  # unreachable
    require(amount.is_finite() and amount >= 0, _("Priset kan inte vara negativt."), "unit_price")
    require(amount == amount.quantize(Decimal("0.01")), _("Ange priset med högst två decimaler (öre)."), "unit_price")
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def price_list_create(*, actor: User, year: int, name: str = "", decision_ref: str = "") -> PriceList:
    from ester.agreements.selectors import may_manage_price_lists

    if actor is not None and not may_manage_price_lists(actor):
        raise PermissionDenied(f"{actor} may not start price lists")
    require(2000 <= year <= 2100, _("Ange ett år mellan 2000 och 2100."), "year")
    require(
        not PriceList.objects.filter(year=year).exists(), _("Det finns redan en prislista för %(year)s.") % {"year": year}, "year"
    )
    return audited_create(PriceList, actor=actor, year=year, name=name.strip() or f"Prislista {year}", decision_ref=decision_ref)


@transaction.atomic
def price_version_add(
    *,
    actor: User,
    price_list: PriceList,
    variant: ServiceVariant,
    unit_price: Any,
    valid_from: datetime.date,
    decision_ref: str = "",
    note: str = "",
) -> PriceVersion:
    """A new price for ``variant`` from ``valid_from``; the previous one holds until the day before."""
    require_permission(actor, variant)
    amount = _money(unit_price)
    require(
        price_list.first_day <= valid_from <= price_list.last_day,
        _("Datumet %(day)s ligger utanför prislistans år %(year)s.") % {"day": _d(valid_from), "year": price_list.year},
        "valid_from",
    )
    if price_list.billed_through is not None:
        require(
            valid_from > price_list.billed_through,
            _(
                "Priser till och med %(day)s är redan fakturerade och får inte ändras. "
                "Ett nytt pris kan gälla från %(next)s; rättelser av fakturerade perioder görs som kreditering."
            )
            % {"day": _d(price_list.billed_through), "next": _d(price_list.billed_through + datetime.timedelta(days=1))},
            "valid_from",
        )
    clash = PriceVersion.objects.filter(price_list=price_list, variant=variant, valid_from=valid_from).first()
    require(
        clash is None,
        _(
            "Det finns redan ett pris för %(variant)s från %(day)s (%(price)s kr). Priser ändras aldrig i efterhand: "
            "lägg till en ny version med ett senare datum."
        )
        % {"variant": variant, "day": _d(valid_from), "price": clash.unit_price}
        if clash
        else "",
        "valid_from",
    )
    return audited_create(
        PriceVersion,
        actor=actor,
        owner=price_list,
        summary=_("Nytt pris %(price)s kr för %(variant)s från %(day)s")
        % {"price": amount, "variant": variant, "day": _d(valid_from)},
        price_list=price_list,
        variant=variant,
        unit_price=amount,
        valid_from=valid_from,
        decision_ref=decision_ref.strip(),
        note=note.strip(),
        created_by=actor,
    )


@transaction.atomic
def price_list_copy_to_year(*, actor: User, from_year: int, to_year: int, decision_ref: str = "") -> PriceList:
    """Start next year's price list from the prices in force on 31 December of ``from_year``."""
    source = PriceList.objects.filter(year=from_year).first()
    require(source is not None, _("Det finns ingen prislista för %(year)s att utgå från.") % {"year": from_year})
    assert source is not None
    target = price_list_create(actor=actor, year=to_year, decision_ref=decision_ref)
    latest: dict[int, PriceVersion] = {}
    for version in source.versions.order_by("variant_id", "valid_from"):
        latest[version.variant_id] = version
    for version in latest.values():
        price_version_add(
            actor=actor,
            price_list=target,
            variant=version.variant,
            unit_price=version.unit_price,
            valid_from=target.first_day,
            decision_ref=decision_ref,
            note=_("Kopierat från %(year)s") % {"year": from_year},
        )
    return target


@transaction.atomic
def price_list_mark_billed(*, actor: User | None, price_list: PriceList, through: datetime.date) -> None:
    """Called by a billing run: prices up to ``through`` are now fixed."""
    if price_list.billed_through is None or through > price_list.billed_through:
        audited_update(
            price_list,
            actor=actor,
            fields={"billed_through": through},
            summary=_("Fakturerat till och med %(day)s") % {"day": _d(through)},
        )
