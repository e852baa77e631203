"""Writing the demo city: organisation, customers, price lists and agreements (users and roles: ``people``).

Rows are found by natural keys (codes, names, dates) and only missing rows are
created; bulk rows go through ``ensure``.  The loader writes rows directly
through the ORM — it is a data loader, not a use case — so it writes no audit
entries.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

from django.db import models
from django.utils import timezone
from stdnum import luhn

from ester.agreements.choices import AgreementStatus
from ester.agreements.models import (
    Agreement,
    AgreementService,
    Deviation,
    InterfaceText,
    LeadTime,
    PriceList,
    PriceVersion,
    Service,
    ServiceVariant,
)
from ester.organisation.choices import ContactRole, CustomerKind
from ester.organisation.demo.data import (
    AGREEMENTS_2011,
    AREAS,
    COMPANIES,
    COMPANIES_FROM,
    CONTACT_CENTRE_REORGANISED,
    CONTACT_ROLE_EXTRA,
    DISTRICTS,
    ECONOMY_REORGANISED,
    FIRST_NAMES,
    GROUP_INDEX,
    INTERFACES,
    KC_MIDYEAR,
    KC_MIDYEAR_CUT,
    KC_MIDYEAR_DECISION,
    LAST_NAMES,
    LEAD_TIMES,
    OPENING_TEXT,
    PRICE_LIST_DECISIONS,
    PRICE_YEARS,
    PROCESSES,
    SERVICES,
    SPECIALISTS,
    STAFF_DOMAIN,
    START,
    TEAMS,
    UNITS,
    D,
)
from ester.organisation.models import (
    Area,
    Customer,
    CustomerContact,
    HandlingAssignment,
    OpeningHours,
    Process,
    Team,
    Unit,
)


def ascii_slug(text: str) -> str:
    """``Enskede-Årsta-Vantör`` -> ``enskede-arsta-vantor``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(ch if ch.isalnum() or ch == "-" else " " for ch in plain.lower()).split())


def org_number(n: int) -> str:
    """A deterministic organisation number ``212000-NNNC`` with a valid Luhn check digit."""
    body = f"212000{(101 + 17 * n) % 1000:03d}"
    return f"{body[:6]}-{body[6:]}{luhn.calc_check_digit(body)}"


def ensure(model: type[models.Model], keys: tuple[str, ...], rows: Iterable[models.Model]) -> int:
    """Bulk-insert the rows whose natural key (``keys``, attribute names) is not yet stored."""
    seen = set(model._default_manager.values_list(*keys))
    new = []
    for row in rows:
        key = tuple(getattr(row, k) for k in keys)
        if key not in seen:
            seen.add(key)
            new.append(row)
    model._default_manager.bulk_create(new)
    return len(new)


class Loader:
    """What has been loaded so far (by key, for the later steps) and how many rows the bulk inserts created."""

    def __init__(self, stdout: IO[str] | None) -> None:
        self.stdout = stdout
        self.year = timezone.localdate().year
        self.users: dict[str, Any] = {}
        self.areas: dict[str, Area] = {}
        self.units: dict[str, Unit] = {}
        self.teams: dict[str, Team] = {}
        self.processes: dict[str, Process] = {}
        self.customers: list[tuple[Customer, str, int]] = []  # (customer, economy group, index)
        self.services: dict[str, Service] = {}
        self.created = 0

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text + "\n")

    # ----------------------------------------------------------------- organisation
    def load_organisation(self) -> None:
        for code, (name, phone, head) in AREAS.items():
            self.areas[code], _ = Area.objects.get_or_create(
                code=code, defaults={"name": name, "phone": phone, "head": self.users[head], "valid_from": START}
            )
        for key, (area, name, (valid_from, valid_to), manager) in UNITS.items():
            self.units[key], _ = Unit.objects.get_or_create(
                area=self.areas[area],
                name=name,
                valid_from=valid_from,
                defaults={"valid_to": valid_to, "manager": self.users[manager]},
            )
        for key, (unit_key, name, phone, local) in TEAMS.items():
            unit = self.units[unit_key]
            valid_from = D(2011, 9, 1) if key == "kc_vaxel" else unit.valid_from  # VB 2011: växeln to KC from 1 Sept
            self.teams[key], _ = Team.objects.get_or_create(
                unit=unit,
                name=name,
                valid_from=valid_from,
                defaults={"valid_to": unit.valid_to, "phone": phone, "email": f"{local}@{STAFF_DOMAIN}"},
            )
        for code, (name, area, owner, valid_from, description) in PROCESSES.items():
            self.processes[code], _ = Process.objects.get_or_create(
                code=code,
                defaults={
                    "area": self.areas[area],
                    "name": name,
                    "owner": self.users[owner],
                    "valid_from": valid_from,
                    "description": description,
                },
            )
        rows = []
        for code, area_row in self.areas.items():
            opens, closes = datetime.time(8), datetime.time(18 if code == "KC" else 16, 0 if code == "KC" else 30)
            rows += [OpeningHours(area=area_row, weekday=day, opens=opens, closes=closes) for day in range(5)]
        self.created += ensure(OpeningHours, ("area_id", "weekday", "opens"), rows)

    def load_customers(self) -> None:
        specs = [(f"{n} stadsdelsförvaltning", n, CustomerKind.DISTRICT, g, START) for n, g in DISTRICTS]
        specs += [(n, n, CustomerKind.SPECIALIST, g, START) for n, g in SPECIALISTS]
        specs += [(n, short, CustomerKind.COMPANY, "", COMPANIES_FROM) for n, short in COMPANIES]
        for index, (name, short, kind, group, valid_from) in enumerate(specs):
            slug = ascii_slug(short)
            unit = self.units[group] if group else self.units["lp2"]
            manager = unit.manager
            our_contact = self.users[
                {"nord": "handlaggare", "vast": "ahmed.ali", "syd": "lisa.wennberg", "city": "oskar.blom", "": "marie.roos"}[
                    group
                ]
            ]
            customer, _ = Customer.objects.get_or_create(
                name=name,
                defaults={
                    "short_name": short,
                    "kind": kind,
                    "org_number": org_number(index),
                    "responsible_unit": unit,
                    "responsible_manager": manager,
                    "our_contact": our_contact,
                    "mailbox": f"{'lon' if kind == CustomerKind.COMPANY else 'ekonomi'}.{slug}@{STAFF_DOMAIN}",
                    "valid_from": valid_from,
                },
            )
            self.customers.append((customer, group, index))
        self._load_handling()
        self._load_contacts()

    def _load_handling(self) -> None:
        old_to = ECONOMY_REORGANISED - datetime.timedelta(days=1)
        kc_to = CONTACT_CENTRE_REORGANISED - datetime.timedelta(days=1)
        rows = []

        def add(customer: Customer, process: str, team: str, valid_from: D, valid_to: D | None = None) -> None:
            rows.append(
                HandlingAssignment(
                    customer=customer,
                    process=self.processes[process],
                    team=self.teams[team],
                    valid_from=valid_from,
                    valid_to=valid_to,
                )
            )

        for customer, group, index in self.customers:
            if not group:  # a company: payroll only
                add(customer, "LON", "lon5", COMPANIES_FROM)
                add(customer, "PENSION", "pension", COMPANIES_FROM)
                continue
            n = GROUP_INDEX[group]
            for process, old, new in [
                ("LEV", f"lev{n}", f"lev_{group}"),
                ("KUND", f"kund{n}", f"kund_{group}"),
                ("KASSA", f"kund{n}", f"kund_{group}"),
                ("REDOV", "redsys0", "redov"),
                ("ANL", "redsys0", "redov"),
                ("SYSF", "redsys0", "sysf"),
                ("TOP", "redsys0", "sysf"),
            ]:
                add(customer, process, old, START, old_to)
                add(customer, process, new, ECONOMY_REORGANISED)
            if customer.kind == CustomerKind.DISTRICT:
                add(customer, "HYRA", "hyra", ECONOMY_REORGANISED)
                add(customer, "AVGIFT", "avgift", ECONOMY_REORGANISED)
            add(customer, "LON", f"lon{index % 4 + 1}", START)
            add(customer, "PENSION", "pension", START)
            add(customer, "KC", "kc0", START, kc_to)
            add(customer, "KC", "kc_medb", CONTACT_CENTRE_REORGANISED)
        self.created += ensure(HandlingAssignment, ("customer_id", "process_id", "team_id", "valid_from"), rows)

    def _load_contacts(self) -> None:
        rows = []
        for customer, _group, index in self.customers:
            slug = ascii_slug(customer.short_name)
            roles = [ContactRole.CONTACT, ContactRole.CONTROLLER]
            extra = CONTACT_ROLE_EXTRA[index % len(CONTACT_ROLE_EXTRA)]
            if extra is not None:
                roles.append(extra)
            for j, role in enumerate(roles):
                first = FIRST_NAMES[(3 * index + 7 * j) % len(FIRST_NAMES)]
                last = LAST_NAMES[(5 * index + 2 * j) % len(LAST_NAMES)]
                user = None
                login = {
                    ("Rinkeby-Kista", ContactRole.CONTACT): "kontakt.rinkeby",
                    ("Bromma", ContactRole.CONTROLLER): "kontakt.bromma",
                }
                if (customer.short_name, role) in login:
                    user = self.users[login[customer.short_name, role]]
                    first, last = user.first_name, user.last_name
                rows.append(
                    CustomerContact(
                        customer=customer,
                        name=f"{first} {last}",
                        role=role,
                        email=f"{ascii_slug(first)}.{ascii_slug(last)}@{slug}.stockholm.example",
                        phone=f"08-508 {30 + index % 60:02d} {100 + 11 * j + index % 7:03d}",
                        user=user,
                    )
                )
        self.created += ensure(CustomerContact, ("customer_id", "name"), rows)

    # ----------------------------------------------------------------- catalogue and prices
    def load_prices(self) -> None:
        variants: dict[str, tuple[ServiceVariant, tuple[str | None, ...], str, str]] = {}
        for code, (process, name, kind, unit, variant_specs) in SERVICES.items():
            service, _ = Service.objects.get_or_create(
                code=code, defaults={"process": self.processes[process], "name": name, "kind": kind, "unit": unit}
            )
            self.services[code] = service
            for order, (suffix, channel, variant_name, variant_unit, prices, note) in enumerate(variant_specs):
                variant, _ = ServiceVariant.objects.get_or_create(
                    code=f"{code}-{suffix}",
                    defaults={"service": service, "name": variant_name, "channel": channel, "unit": variant_unit, "order": order},
                )
                variants[variant.code] = (variant, prices, note, code)
        years = {year: (i, PRICE_LIST_DECISIONS[year]) for i, year in enumerate(PRICE_YEARS)}
        if self.year not in years:  # the current year repeats the 2017 list, so today has prices too
            years[self.year] = (PRICE_YEARS.index(2017), f"Servicenämnden {self.year - 1}-12-15, § 9")
        rows = []
        for year, (column, decision) in sorted(years.items()):
            price_list, _ = PriceList.objects.get_or_create(
                year=year, defaults={"name": f"Prislista {year}", "decision_ref": decision}
            )
            for variant, prices, note, service_code in variants.values():
                listed = prices[column]
                if listed is None:
                    continue
                row_note = note if year in PRICE_YEARS else f"Demo: oförändrat från 2017. {note}".strip()
                price = Decimal(listed)
                if service_code == "KC-ARENDE" and year == 2011:  # the 2011 column holds the price before the cut
                    rows.append(
                        PriceVersion(
                            price_list=price_list,
                            variant=variant,
                            unit_price=price - KC_MIDYEAR_CUT,
                            valid_from=KC_MIDYEAR,
                            decision_ref=KC_MIDYEAR_DECISION,
                            note="Rörligt pris sänkt med 10 kr per ärende och tjänst från 1 september 2011.",
                        )
                    )
                rows.append(
                    PriceVersion(
                        price_list=price_list,
                        variant=variant,
                        unit_price=price,
                        valid_from=D(year, 1, 1),
                        decision_ref=decision,
                        note=row_note,
                    )
                )
        self.created += ensure(PriceVersion, ("price_list_id", "variant_id", "valid_from"), rows)

    # ----------------------------------------------------------------- agreements
    def load_agreements(self) -> None:
        plans: list[tuple[Customer, str, int, int]] = []
        for customer, group, index in self.customers:
            if customer.short_name in AGREEMENTS_2011:
                plans.append((customer, group, index, 2011))
            if group:
                plans.append((customer, group, index, 2012))
            plans.append((customer, group, index, self.year))
        rows = []
        for customer, _group, index, year in plans:
            draft = year == self.year and index % 6 == 5
            signed_on = None if draft else (D(year - 1, 12, 5 + index % 20) if index % 3 else D(year, 1, 10 + index % 15))
            rows.append(
                Agreement(
                    customer=customer,
                    year=year,
                    status=AgreementStatus.DRAFT if draft else AgreementStatus.SIGNED,
                    signed_on=signed_on,
                    opening_hours=OPENING_TEXT,
                )
            )
        self.created += ensure(Agreement, ("customer_id", "year"), rows)
        stored = {(a.customer_id, a.year): a for a in Agreement.objects.filter(customer__in=[c for c, _g, _i in self.customers])}
        services, leads, interfaces, deviations = [], [], [], []
        for customer, group, index, year in plans:
            agreement = stored[customer.pk, year]
            processes: set[str] = set()
            for code, start, end, note in self._agreed_services(customer, group, index, year):
                service = self.services[code]
                processes.add(service.process.code)
                services.append(AgreementService(agreement=agreement, service=service, start=start, end=end, note=note))
            for code in sorted(processes):
                process = self.processes[code]
                if code in INTERFACES:
                    interfaces.append(InterfaceText(agreement=agreement, process=process, text=INTERFACES[code]))
                for work_kind, first, resolution in LEAD_TIMES.get(code, []):
                    leads.append(
                        LeadTime(
                            agreement=agreement,
                            process=process,
                            work_kind=work_kind,
                            first_response_hours=first,
                            resolution_hours=resolution,
                        )
                    )
            deviations += self._deviations(agreement, customer, year)
        self.created += ensure(AgreementService, ("agreement_id", "service_id", "start"), services)
        self.created += ensure(InterfaceText, ("agreement_id", "process_id"), interfaces)
        self.created += ensure(LeadTime, ("agreement_id", "process_id", "work_kind"), leads)
        self.created += ensure(Deviation, ("agreement_id", "process_id", "description"), deviations)

    def _agreed_services(self, customer: Customer, group: str, index: int, year: int) -> list[tuple[str, D, D, str]]:
        """What the customer buys in ``year``: the mandatory services all year, add-ons by a fixed pattern."""
        first, last = D(year, 1, 1), D(year, 12, 31)
        whole = ["LON-LON", "PENSION-HANDL"]
        if year >= 2014:
            whole.append("LON-LONESKULD")
        if not group:  # a company buys payroll only
            return [(code, first, last, "") for code in whole]
        whole += ["KUND-FAKTURA", "LEV-FAKTURA", "LEV-KRAV", "KASSA-BANK", "SYSF-LOPANDE", "KC-VAXEL"]
        district = customer.kind == CustomerKind.DISTRICT
        if district or customer.short_name in ("Utbildningsförvaltningen", "Äldreförvaltningen"):
            whole.append("KC-ARENDE")
        if district and year >= 2017:
            whole += ["HYRA-ANDRAHAND", "AVGIFT-FAMILJ"]
        rows = [(code, first, last, "") for code in whole]
        if index % 3 == 0:
            rows.append(("ADD-ANL", D(year, 4, 1), last, "Tillägg från 1 april enligt överenskommelse under året."))
        if index % 4 == 1:
            rows.append(("ADD-TOP", first, last, ""))
        if index % 5 == 2:
            rows += [("ADD-REDOV", first, last, ""), ("ADD-AVST-BALANS", D(year, 9, 1), last, "Tillägg från 1 september.")]
        if index % 7 == 3:
            rows += [("ADD-BOKF", first, last, ""), ("ADD-AVST-INTERN", first, last, "")]
        if index % 11 == 4:
            rows.append(("ADD-IB", D(year, 1, 1), D(year, 3, 31), "Inläsning av ingående balanser vid byte av kontoplan."))
        if year >= 2017:
            if customer.short_name in ("Socialförvaltningen", "Arbetsmarknadsförvaltningen"):
                rows.append(("ADD-EU", first, last, ""))
            if customer.short_name == "Arbetsmarknadsförvaltningen":
                rows.append(("ADD-AMS", first, last, ""))
            if index % 4 == 0:
                rows.append(("LON-UTB", D(year, 2, 1), last, ""))
            if index % 5 == 0:
                rows.append(("LON-ROLLREG", first, last, ""))
        return rows

    def _deviations(self, agreement: Agreement, customer: Customer, year: int) -> list[Deviation]:
        if year == 2011:
            return []
        approved = D(year, 1, 20)
        if customer.short_name == "Rinkeby-Kista":
            return [
                Deviation(
                    agreement=agreement,
                    process=self.processes["KUND"],
                    description="Underlag för manuella kundfakturor får skickas som Excel-fil enligt förvaltningens mall i "
                    "stället för på stadens blankett, eftersom förvaltningen fakturerar många hyresgäster samtidigt.",
                    approved_on=approved,
                    approved_by="Anders Holm, kundansvarig enhetschef",
                )
            ]
        if customer.short_name == "Socialförvaltningen":
            return [
                Deviation(
                    agreement=agreement,
                    process=self.processes["LEV"],
                    description="Utbetalningsunderlag för bistånd får beslutsattesteras av två handläggare i stället för av "
                    "chef, enligt nämndens delegationsordning.",
                    approved_on=approved,
                    approved_by="Eva Bergström, verksamhetschef",
                )
            ]
        return []
