"""The organisation: who the service administration is, who its customers are,
which team handles what, and who may see what (role assignments)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ester.core.access import AccessPolicy, Role, ScopedManager
from ester.core.models import ValidityMixin
from ester.organisation.choices import ContactRole, CustomerKind, Weekday


class Area(ValidityMixin):
    """A verksamhetsområde (Ekonomiadministration, Lön och pension, ...)."""

    access = AccessPolicy(area="")

    code = models.CharField(_("kod"), max_length=8, unique=True, help_text=_("Används i ärendenummer, t.ex. EK."))
    name = models.CharField(_("namn"), max_length=100)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verksamhetschef"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    phone = models.CharField(_("telefon"), max_length=40, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("verksamhetsområde")
        verbose_name_plural = _("verksamhetsområden")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(ValidityMixin):
    """An enhet within an area; its manager (enhetschef) is responsible for customers."""

    access = AccessPolicy(area="area", unit="")

    area = models.ForeignKey(Area, verbose_name=_("verksamhetsområde"), on_delete=models.PROTECT, related_name="units")
    name = models.CharField(_("namn"), max_length=100)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("enhetschef"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("enhet")
        verbose_name_plural = _("enheter")
        ordering = ["area__name", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name", "valid_from"], name="unit_unique_name_from")]

    def __str__(self) -> str:
        return self.name


class Team(ValidityMixin):
    """A team within a unit; customers' work is routed to teams."""

    access = AccessPolicy(area="unit__area", unit="unit")

    unit = models.ForeignKey(Unit, verbose_name=_("enhet"), on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("namn"), max_length=100)
    phone = models.CharField(_("gruppnummer"), max_length=40, blank=True)
    email = models.EmailField(_("e-post"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("team")
        ordering = ["unit__name", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name", "valid_from"], name="team_unique_name_from")]

    def __str__(self) -> str:
        return self.name


class Process(ValidityMixin):
    """A process (Leverantörsreskontra, Lön, ...) with its process owner."""

    access = AccessPolicy(area="area", public_to_contacts=True)

    area = models.ForeignKey(Area, verbose_name=_("verksamhetsområde"), on_delete=models.PROTECT, related_name="processes")
    code = models.CharField(_("kod"), max_length=20, unique=True)
    name = models.CharField(_("namn"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("processansvarig"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_processes",
    )
    description = models.TextField(_("beskrivning"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("process")
        verbose_name_plural = _("processer")
        ordering = ["area__name", "name"]

    def __str__(self) -> str:
        return self.name


class Customer(ValidityMixin):
    """A kund: a department (förvaltning) or city-owned company (bolag) that buys services."""

    access = AccessPolicy(customer="")

    name = models.CharField(_("namn"), max_length=150, unique=True)
    short_name = models.CharField(_("kortnamn"), max_length=40, blank=True)
    kind = models.CharField(_("typ"), max_length=30, choices=CustomerKind.choices)
    org_number = models.CharField(_("organisationsnummer"), max_length=11, help_text=_("Format NNNNNN-NNNN."))
    responsible_unit = models.ForeignKey(
        Unit, verbose_name=_("ansvarig enhet"), on_delete=models.PROTECT, related_name="customers"
    )
    responsible_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("kundansvarig enhetschef"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_customers",
    )
    our_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vår kontaktperson"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_for_customers",
    )
    mailbox = models.EmailField(_("funktionsbrevlåda"), blank=True)
    notes = models.TextField(_("anteckningar"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("kund")
        verbose_name_plural = _("kunder")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HandlingAssignment(ValidityMixin):
    """Which team handles which process for a customer, and from when."""

    access = AccessPolicy(customer="customer")

    customer = models.ForeignKey(Customer, verbose_name=_("kund"), on_delete=models.CASCADE, related_name="handling_assignments")
    process = models.ForeignKey(Process, verbose_name=_("process"), on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="handling_assignments")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("handläggande team")
        verbose_name_plural = _("handläggande team")
        ordering = ["process__name", "-valid_from"]
        indexes = [models.Index(fields=["team", "customer"], name="handling_team_customer")]

    def __str__(self) -> str:
        return f"{self.customer} · {self.process} → {self.team}"


class CustomerContact(models.Model):
    """A person at the customer (kontaktperson, controller, ...); may have a portal login."""

    access = AccessPolicy(customer="customer")

    customer = models.ForeignKey(Customer, verbose_name=_("kund"), on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("namn"), max_length=150)
    role = models.CharField(_("roll"), max_length=30, choices=ContactRole.choices)
    email = models.EmailField(_("e-post"), blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inloggning"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer_contacts",
    )
    active = models.BooleanField(_("aktiv"), default=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("kundkontakt")
        verbose_name_plural = _("kundkontakter")
        ordering = ["customer__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class RoleAssignment(ValidityMixin):
    """A role given to a user on a scope: one area, unit, team or customer — or,
    with no scope at all, the whole administration (system administrators,
    central controllers)."""

    access = AccessPolicy(area="area")  # only read through services and the admin

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("användare"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("roll"), max_length=30, choices=Role.choices)
    area = models.ForeignKey(
        Area, verbose_name=_("verksamhetsområde"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("enhet"), null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        Customer, verbose_name=_("kund"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("rolltilldelning")
        verbose_name_plural = _("rolltilldelningar")
        ordering = ["user__username", "role"]
        indexes = [models.Index(fields=["user", "role"], name="roleassignment_user_role")]
        constraints = [
            models.CheckConstraint(
                name="roleassignment_at_most_one_scope",
                condition=(
                    Q(area__isnull=True, unit__isnull=True, team__isnull=True)
                    | Q(area__isnull=True, unit__isnull=True, customer__isnull=True)
                    | Q(area__isnull=True, team__isnull=True, customer__isnull=True)
                    | Q(unit__isnull=True, team__isnull=True, customer__isnull=True)
                ),
            ),
            models.CheckConstraint(
                name="roleassignment_contact_has_customer",
                condition=~Q(role=Role.CUSTOMER_CONTACT) | Q(customer__isnull=False),
            ),
        ]

    @property
    def scope(self) -> models.Model | None:
        return self.area or self.unit or self.team or self.customer

    def __str__(self) -> str:
        scope = self.scope
        return f"{self.user} · {self.get_role_display()} · {scope if scope else _('hela förvaltningen')}"


class OpeningHours(models.Model):
    """Opening hours per area and weekday; the lead-time clock runs only inside them."""

    access = AccessPolicy(area="area", public_to_contacts=True)

    area = models.ForeignKey(Area, verbose_name=_("verksamhetsområde"), on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("veckodag"), choices=Weekday.choices)
    opens = models.TimeField(_("öppnar"))
    closes = models.TimeField(_("stänger"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("öppettid")
        verbose_name_plural = _("öppettider")
        ordering = ["area", "weekday", "opens"]
        constraints = [models.CheckConstraint(name="openinghours_opens_before_closes", condition=Q(opens__lt=models.F("closes")))]

    def __str__(self) -> str:
        return f"{self.area} {self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class ClosedDay(models.Model):
    """A local day off beyond the Swedish public holidays (e.g. a staff day)."""

    access = AccessPolicy(area="area", public_to_contacts=True)

    area = models.ForeignKey(Area, verbose_name=_("verksamhetsområde"), on_delete=models.CASCADE, related_name="closed_days")
    day = models.DateField(_("dag"))
    reason = models.CharField(_("anledning"), max_length=150)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("stängd dag")
        verbose_name_plural = _("stängda dagar")
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["area", "day"], name="closedday_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.reason}"
