"""The service catalogue, the yearly price lists and the customers' service agreements."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ester.agreements.choices import AgreementStatus, Channel, ServiceKind, UnitOfMeasure
from ester.core.access import AccessPolicy, ScopedManager
from ester.organisation.models import Customer, Process


class Service(models.Model):
    """A tjänst sold by a process: mandatory for every customer or an add-on."""

    access = AccessPolicy(area="process__area", public_to_contacts=True)

    process = models.ForeignKey(Process, verbose_name=_("process"), on_delete=models.PROTECT, related_name="services")
    code = models.CharField(_("kod"), max_length=40, unique=True)
    name = models.CharField(_("namn"), max_length=150)
    kind = models.CharField(_("typ"), max_length=20, choices=ServiceKind.choices)
    unit = models.CharField(_("enhet"), max_length=30, choices=UnitOfMeasure.choices)
    description = models.TextField(_("beskrivning"), blank=True)
    active = models.BooleanField(_("aktiv"), default=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("tjänst")
        verbose_name_plural = _("tjänster")
        ordering = ["process__area__name", "process__name", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_mandatory(self) -> bool:
        return self.kind == ServiceKind.MANDATORY


class ServiceVariant(models.Model):
    """A priced channel of a service (elektronisk, manuell, abonnemang, makulerad ...)."""

    access = AccessPolicy(area="service__process__area", public_to_contacts=True)

    service = models.ForeignKey(Service, verbose_name=_("tjänst"), on_delete=models.PROTECT, related_name="variants")
    code = models.CharField(_("kod"), max_length=60, unique=True)
    name = models.CharField(_("namn"), max_length=150)
    channel = models.CharField(_("kanal"), max_length=20, choices=Channel.choices)
    unit = models.CharField(
        _("enhet"), max_length=30, choices=UnitOfMeasure.choices, blank=True, help_text=_("Tomt = tjänstens enhet.")
    )
    order = models.PositiveSmallIntegerField(_("ordning"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("tjänstevariant")
        verbose_name_plural = _("tjänstevarianter")
        ordering = ["service__process__name", "service__name", "order", "name"]

    def __str__(self) -> str:
        return f"{self.service.name} – {self.name}"

    @property
    def unit_of_measure(self) -> str:
        return self.unit or self.service.unit

    def get_unit_of_measure_display(self) -> str:
        return str(UnitOfMeasure(self.unit_of_measure).label)


class PriceList(models.Model):
    """The prices decided for one calendar year (självkostnadsprincipen).

    ``billed_through``: the last day that a billing run has priced; no new
    price version may take effect on or before it, so billed prices never
    change.
    """

    access = AccessPolicy(public_to_contacts=True)

    year = models.PositiveSmallIntegerField(_("år"), unique=True)
    name = models.CharField(_("namn"), max_length=150)
    decision_ref = models.CharField(_("beslut"), max_length=200, blank=True, help_text=_("T.ex. nämndbeslut med diarienummer."))
    billed_through = models.DateField(_("fakturerat till och med"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("prislista")
        verbose_name_plural = _("prislistor")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.name or f"Prislista {self.year}"

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def last_day(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)


class PriceVersion(models.Model):
    """The unit price of a variant from a date; it holds until the next version
    of the same variant in the same price list.  Never edited: a change is a
    new version, with the decision that made it."""

    access = AccessPolicy(area="variant__service__process__area", public_to_contacts=True)

    price_list = models.ForeignKey(PriceList, verbose_name=_("prislista"), on_delete=models.PROTECT, related_name="versions")
    variant = models.ForeignKey(ServiceVariant, verbose_name=_("tjänstevariant"), on_delete=models.PROTECT, related_name="prices")
    unit_price = models.DecimalField(_("pris (kr)"), max_digits=12, decimal_places=2)
    valid_from = models.DateField(_("gäller från"))
    decision_ref = models.CharField(_("beslut"), max_length=200, blank=True)
    note = models.CharField(_("kommentar"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("registrerad"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrerad av"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("prisversion")
        verbose_name_plural = _("prisversioner")
        ordering = ["variant", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "variant", "valid_from"], name="priceversion_one_per_day"),
            models.CheckConstraint(name="priceversion_price_not_negative", condition=Q(unit_price__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.variant} {self.unit_price} kr från {self.valid_from}"


class Agreement(models.Model):
    """A serviceavtal between the service administration and one customer for one year."""

    access = AccessPolicy(customer="customer")

    customer = models.ForeignKey(Customer, verbose_name=_("kund"), on_delete=models.PROTECT, related_name="agreements")
    year = models.PositiveSmallIntegerField(_("år"))
    status = models.CharField(_("status"), max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)
    signed_on = models.DateField(_("undertecknat"), null=True, blank=True)
    opening_hours = models.TextField(
        _("öppettider"), blank=True, help_text=_("Öppettider och telefontider som gäller enligt avtalet.")
    )
    notes = models.TextField(_("övrigt"), blank=True)
    copied_from = models.ForeignKey(
        "self", verbose_name=_("kopierat från"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("serviceavtal")
        verbose_name_plural = _("serviceavtal")
        ordering = ["-year", "customer__name"]
        constraints = [models.UniqueConstraint(fields=["customer", "year"], name="agreement_one_per_customer_year")]

    def __str__(self) -> str:
        return f"Serviceavtal {self.year} – {self.customer}"

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def last_day(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)


class AgreementService(models.Model):
    """A service included in an agreement, from ``start`` to ``end`` (both inclusive)."""

    access = AccessPolicy(customer="agreement__customer")

    agreement = models.ForeignKey(Agreement, verbose_name=_("avtal"), on_delete=models.CASCADE, related_name="services")
    service = models.ForeignKey(Service, verbose_name=_("tjänst"), on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("från"))
    end = models.DateField(_("till"))
    note = models.CharField(_("kommentar"), max_length=300, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("avtalad tjänst")
        verbose_name_plural = _("avtalade tjänster")
        ordering = ["service__process__name", "service__name", "start"]
        constraints = [models.CheckConstraint(name="agreementservice_start_before_end", condition=Q(start__lte=models.F("end")))]

    def __str__(self) -> str:
        return f"{self.service} {self.start}–{self.end}"


class LeadTime(models.Model):
    """An agreed lead time (ledtid) for a kind of work, in working hours on the Swedish calendar."""

    access = AccessPolicy(customer="agreement__customer")

    agreement = models.ForeignKey(Agreement, verbose_name=_("avtal"), on_delete=models.CASCADE, related_name="lead_times")
    process = models.ForeignKey(Process, verbose_name=_("process"), on_delete=models.PROTECT, related_name="+")
    work_kind = models.CharField(_("typ av arbete"), max_length=150)
    first_response_hours = models.PositiveIntegerField(_("första svar (arbetstimmar)"), null=True, blank=True)
    resolution_hours = models.PositiveIntegerField(_("klart inom (arbetstimmar)"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("ledtid")
        verbose_name_plural = _("ledtider")
        ordering = ["process__name", "work_kind"]
        constraints = [models.UniqueConstraint(fields=["agreement", "process", "work_kind"], name="leadtime_unique_kind")]

    def __str__(self) -> str:
        return f"{self.work_kind}: {self.resolution_hours} h"


class InterfaceText(models.Model):
    """The gränssnitt of one process in an agreement: who does what."""

    access = AccessPolicy(customer="agreement__customer")

    agreement = models.ForeignKey(Agreement, verbose_name=_("avtal"), on_delete=models.CASCADE, related_name="interfaces")
    process = models.ForeignKey(Process, verbose_name=_("process"), on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("gränssnitt"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("gränssnitt")
        verbose_name_plural = _("gränssnitt")
        ordering = ["process__name"]
        constraints = [models.UniqueConstraint(fields=["agreement", "process"], name="interface_one_per_process")]

    def __str__(self) -> str:
        return f"{self.process}"


class Deviation(models.Model):
    """An approved deviation from the standard routine, documented per customer."""

    access = AccessPolicy(customer="agreement__customer")

    agreement = models.ForeignKey(Agreement, verbose_name=_("avtal"), on_delete=models.CASCADE, related_name="deviations")
    process = models.ForeignKey(Process, verbose_name=_("process"), on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("avvikelse"))
    approved_on = models.DateField(_("godkänd"))
    approved_by = models.CharField(_("godkänd av"), max_length=150)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("godkänd avvikelse")
        verbose_name_plural = _("godkända avvikelser")
        ordering = ["process__name", "approved_on"]

    def __str__(self) -> str:
        return self.description[:60]


def agreement_document_path(instance: AgreementDocument, filename: str) -> str:
    return f"agreements/{instance.agreement.year}/{instance.sha256[:2]}/{instance.sha256}.pdf"


class AgreementDocument(models.Model):
    """The signed agreement as uploaded: bytes never altered, identified by SHA-256."""

    access = AccessPolicy(customer="agreement__customer")

    agreement = models.ForeignKey(Agreement, verbose_name=_("avtal"), on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(_("fil"), upload_to=agreement_document_path, max_length=300)
    original_name = models.CharField(_("filnamn"), max_length=255)
    content_type = models.CharField(_("filtyp"), max_length=100)
    size = models.PositiveBigIntegerField(_("storlek (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uppladdad"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uppladdad av"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("avtalsdokument")
        verbose_name_plural = _("avtalsdokument")
        ordering = ["-uploaded_at"]
        constraints = [models.UniqueConstraint(fields=["agreement", "sha256"], name="agreementdocument_unique_content")]

    def __str__(self) -> str:
        return self.original_name
