"""The demo city's cases: case types, return reasons and standard letters, and a few months of casework.

``load_case_setup`` writes the reference rows (idempotent by code, and by
process, kind and language for letters).  ``load_demo_cases`` writes about
300 cases over the last ~60 working days for nine customers, THROUGH the
case services, so numbers, due times, pauses and timelines are real: a mix
of new, in progress, waiting for the customer (returned with reasons),
completed and closed, voided, urgent, overdue and phone calls solved at
first contact.  A few fixed ``SHOWCASE`` cases make sure every demo login
finds work (Rinkeby-Kista and Bromma, the ``handlaggare`` queue) whatever
the draw.

Time: the cases must look current when the demo starts, so the history is
laid out backwards from ``timezone.now()`` on each area's working calendar.
While it is written, the services' clock (``ester.core.clock.use_clock``) is
set to the instant of each step — registration, assignment, return, the
customer's completion, the reply, closing — and no step is taken that would
lie in the future: what the clock has not reached yet is still open.  The
notifications the services queue for after the commit (receipts, letters,
assignment mails) are not sent (``clock.notifications_suppressed``): the
history happened "back then".  Calendars and handling teams are read once
(``clock.memoized``; nothing changes them during the load), which keeps the
load fast.  Row stamps the database layer writes itself (a case's
``updated_at``) keep the wall clock: they say when the row was written.

Idempotency: the case history is written once.  If any case from a demo
sender (a customer contact at ``*.stockholm.example``) exists, no cases are
generated.  The random choices use a fixed seed; the dates follow today.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ester.cases import services
from ester.cases.choices import CaseChannel, Filing, LetterKind, RetentionClass
from ester.cases.models import Case, CaseType, LetterTemplate, ReturnReason
from ester.core.access import Role
from ester.core.businesscalendar import SwedishBusinessCalendar
from ester.core.clock import memoized, notifications_suppressed, use_clock
from ester.organisation.demo.data import DAY
from ester.organisation.demo.loader import Loader, ensure
from ester.organisation.models import Area, Customer, CustomerContact, Process, RoleAssignment, Team

#: Demo senders write from ``<name>@<department>.stockholm.example``; a case from such an address marks the history as loaded.
DEMO_SENDER_DOMAIN = ".stockholm.example"
#: How far back the history goes, in working days, and about how many cases it holds.
HISTORY_WORKING_DAYS = 60
HISTORY_CASES = 300
SEED = 20110301

# --------------------------------------------------------------------------- case types

Field = tuple[str, str, bool]  # name, label, required
R10, KEEP, OBSOLETE, R2 = (
    RetentionClass.DISPOSE_10Y,
    RetentionClass.KEEP,
    RetentionClass.DISPOSE_WHEN_OBSOLETE,
    RetentionClass.DISPOSE_2Y,
)
REGISTERED, IN_ORDER = Filing.REGISTERED, Filing.KEPT_IN_ORDER


@dataclass(frozen=True)
class T:
    """A case type: lead times in working hours (``DAY`` = one working day); ``first`` None = no first-response time."""

    code: str
    name: str
    resolution: int
    first: int | None = DAY
    urgent: bool = False
    billable: bool = False
    retention: str = R10
    filing: str = IN_ORDER
    fields: tuple[Field, ...] = ()
    portal: bool = True
    description: str = ""


_INVOICE_NO: Field = ("fakturanummer", "Fakturanummer", True)
_AMOUNT: Field = ("belopp", "Belopp (kr)", False)
_PERIOD: Field = ("period", "Period (ÅÅÅÅ-MM)", True)
_QUESTION = "Frågor per telefon eller e-post. Löses helst vid första kontakten; e-post besvaras inom en arbetsdag."

# Retention: räkenskapsinformation is kept 7 years by law (bokföringslagen) -> "gallras efter 10 år";
# personnel and pension decisions are kept (bevaras); questions are disposed of when no longer needed.
# Billable: the case types the price lists price per case (VP 2011, VP 2012, VP 2014).
CASE_TYPES: dict[str, list[T]] = {
    "LEV": [
        T("LEV-MANUELL", "Manuell leverantörsfaktura", 3 * DAY, None, billable=True,
          fields=(_INVOICE_NO, ("leverantor", "Leverantör", True), _AMOUNT, ("forfallodatum", "Förfallodatum", True)),
          description="Pappersfaktura eller PDF som registreras manuellt. Pris per faktura (50 kr, VP 2012)."),
        T("LEV-UTBETALNING", "Utbetalningsunderlag", 3 * DAY, None, billable=True,
          fields=(("mottagare", "Betalningsmottagare", True), ("belopp", "Belopp (kr)", True),
                  ("forfallodatum", "Förfallodatum", True), ("kontering", "Kontering", False)),
          description="Utbetalning utan faktura, t.ex. arvoden och bistånd. Beslutsattesterat, med förfallodatum."),
        T("LEV-FORSKOTT", "Förskottskassa", 2 * DAY, DAY, billable=True,
          fields=(("kassaansvarig", "Kassaansvarig", True), _AMOUNT, ("atgard", "Ny, påfyllning eller avslut", False)),
          description="Inrättande, påfyllning, redovisning och avslut av förskottskassor (100 kr per ärende, VP 2012)."),
        T("LEV-FRAGA", "Fråga om betalning", DAY, DAY, retention=OBSOLETE,
          fields=(("fakturanummer", "Fakturanummer", False), ("leverantor", "Leverantör", False)), description=_QUESTION),
    ],
    "KUND": [
        T("KUND-MANUELL", "Kundfaktura, manuell", 3 * DAY, None, billable=True,
          fields=(("kund", "Fakturamottagare", True), ("belopp", "Belopp (kr)", True), ("kontering", "Kontering", True),
                  ("momskod", "Momskod", False)),
          description="Underlag för manuell kundfaktura (60 kr per faktura, VP 2012)."),
        T("KUND-PAMINNELSE", "Påminnelse", 2 * DAY, DAY, billable=True, fields=(_INVOICE_NO,),
          description="Påminnelse på obetald kundfaktura enligt stadens regler (100 kr per ärende, VP 2012)."),
        T("KUND-ANSTAND", "Anstånd", DAY, 4, urgent=True, filing=REGISTERED,
          fields=(_INVOICE_NO, ("anstand_till", "Anstånd till och med", True), ("skal", "Skäl", False)),
          description="Begäran om anstånd med betalning. Bevakas så att fakturan aldrig går till inkasso."),
        T("KUND-MAKULERING", "Makulering/kreditering", DAY, 4, urgent=True, billable=True,
          fields=(_INVOICE_NO, ("belopp", "Belopp att kreditera (kr)", False), ("orsak", "Orsak", True)),
          description="Makulering eller kreditering av kundfaktura (100 kr per faktura, VP 2012). Bevakas mot inkasso."),
        T("KUND-AVBETALNING", "Avbetalningsplan", DAY, 4, urgent=True, filing=REGISTERED,
          fields=(_INVOICE_NO, ("antal_manader", "Antal månader", True)),
          description="Överenskommelse om avbetalningsplan. Bevakas så att fakturan aldrig går till inkasso."),
        T("KUND-INKASSO", "Inkassoärende", 3 * DAY, DAY, billable=True, filing=REGISTERED, fields=(_INVOICE_NO,),
          description="Obetald faktura som lämnas till inkasso efter påminnelse (100 kr per ärende, VP 2012)."),
        T("KUND-FRAGA", "Fråga om kundfaktura", DAY, DAY, retention=OBSOLETE, fields=(("fakturanummer", "Fakturanummer", False),),
          description=_QUESTION),
    ],
    "KASSA": [
        T("KASSA-RAPPORT", "Kassarapport", 2 * DAY, None, fields=(_PERIOD, ("kassa", "Kassa", False), _AMOUNT),
          description="Redovisning av kontantkassa eller förskottskassa."),
        T("KASSA-BANKAVSTAMNING", "Bankavstämning", 3 * DAY, None, portal=False, fields=(_PERIOD,),
          description="Avstämning av bankkonto mot huvudboken; differenser utreds med förvaltningen."),
    ],
    "REDOV": [
        T("REDOV-BOKFORINGSORDER", "Bokföringsorder", 3 * DAY, None,
          fields=(("kontering", "Kontering", True), _AMOUNT, ("text", "Verifikationstext", False)),
          description="Rättelse- eller omföringsverifikation (timpris, VP 2012)."),
        T("REDOV-INTERNDEBITERING", "Interndebitering", 3 * DAY, None,
          fields=(("mottagare", "Mottagande förvaltning", True), ("belopp", "Belopp (kr)", True), ("kontering", "Kontering", True)),
          description="Debitering mellan stadens förvaltningar (timpris, VP 2012)."),
        T("REDOV-BOKSLUT", "Bokslutsunderlag", 5 * DAY, DAY, fields=(_PERIOD,),
          description="Underlag till månads-, tertial- och årsbokslut enligt tidplanen."),
    ],
    "SYSF": [
        T("SYSF-BEHORIGHET", "Behörighetsbeställning Agresso", 3 * DAY, DAY, retention=R2,
          fields=(("anvandare", "Användare", True), ("behorighet", "Roll/behörighet", True), ("attestniva", "Attestnivå", False)),
          description="Beställning, ändring och borttag av behörigheter i Agresso på stadens blankett."),
        T("SYSF-FRAGA", "Fråga om Agresso", 2 * DAY, DAY, retention=OBSOLETE, description=_QUESTION),
    ],
    "TOP": [T("TOP-FRAGA", "Fråga om tid och projekt", 2 * DAY, DAY, retention=OBSOLETE, description=_QUESTION)],
    "ANL": [T("ANL-FRAGA", "Fråga om anläggningsredovisning", 2 * DAY, DAY, retention=OBSOLETE, description=_QUESTION)],
    "HYRA": [T("HYRA-FRAGA", "Fråga om andrahandsuthyrning", 2 * DAY, DAY, retention=OBSOLETE, description=_QUESTION)],
    # Named as the agreements' lead-time row ("Fråga om avgift"), so an agreement's lead time applies.
    "AVGIFT": [T("AVGIFT-FRAGA", "Fråga om avgift", 2 * DAY, DAY, retention=OBSOLETE, description=_QUESTION)],
    "LON": [
        T("LON-RAPPORT", "Lönerapport", 3 * DAY, None, fields=(_PERIOD, ("antal_anstallda", "Antal anställda", False)),
          description="Manuellt löneunderlag, in före brytdatum för att följa med månadens lön."),
        T("LON-NYANSTALLNING", "Nyanställning", 3 * DAY, None, retention=KEEP,
          fields=(("namn", "Namn", True), ("startdatum", "Första anställningsdag", True), ("befattning", "Befattning", False)),
          description="Anmälan om ny anställning som inte registreras i Lisa självservice."),
        T("LON-UPPHOR", "Anställning upphör", 3 * DAY, None, retention=KEEP,
          fields=(("namn", "Namn", True), ("slutdatum", "Sista anställningsdag", True), ("orsak", "Orsak", False)),
          description="Avslut av anställning; slutlön och eventuell löneskuld."),
        T("LON-RATTNING", "Rättning", 3 * DAY, DAY, fields=(_PERIOD, ("beskrivning", "Vad ska rättas", True)),
          description="Rättning av redan lönebearbetade händelser i Lisa (tilläggstjänst, timpris VP 2014)."),
        T("LON-BRADSKANDE", "Brådskande löneutbetalning", DAY, 2, urgent=True, billable=True, filing=REGISTERED,
          fields=(("namn", "Namn", True), ("belopp", "Belopp (kr)", True), ("orsak", "Orsak", False)),
          description="Akut utbetalning via Girovision (110 + 600 kr per utbetald lön, VP 2014)."),
        T("LON-LONESKULD", "Löneskuld", 5 * DAY, DAY, billable=True, filing=REGISTERED, fields=(("namn", "Namn", True), _AMOUNT),
          description="Löneskuld som inte kan kvittas mot lön (500 kr per ärende, VP 2014)."),
        T("LON-FRAGA", "Fråga om lön", DAY, DAY, retention=OBSOLETE, description=_QUESTION),
    ],
    "PENSION": [
        T("PENSION-ANSOKAN", "Pensionsansökan", 20 * DAY, DAY, retention=KEEP, filing=REGISTERED,
          fields=(("sokande", "Sökande", True), ("pensionsdatum", "Önskat pensionsdatum", True)),
          description="Ansökan om ålders- eller efterlevandepension; anmäls senast tre månader i förväg."),
        T("PENSION-FRAGA", "Fråga om pension", 2 * DAY, DAY, retention=OBSOLETE, description=_QUESTION),
    ],
    "KC": [
        T("KC-OVERLAMNAT", "Ärende till förvaltning", DAY, None, billable=True, retention=R2, portal=False,
          description="Ett ärende kontaktcenter inte får lösa och lämnar över till förvaltningen enligt gränssnittet (VB 2011)."),
    ],
    "UPPH": [T("UPPH-FRAGA", "Fråga om upphandling", 2 * DAY, DAY, retention=OBSOLETE, description=_QUESTION)],
    "ITS": [T("ITS-FRAGA", "Fråga om IT-service", DAY, DAY, retention=OBSOLETE, description=_QUESTION)],
}  # fmt: skip

# --------------------------------------------------------------------------- return reasons
# code: (process or None for every process, text in the letter)
RETURN_REASONS: dict[str, tuple[str | None, str]] = {
    "ATTEST": (None, "Attest saknas: underlaget ska vara beslutsattesterat av behörig attestant enligt attestförteckningen."),
    "KONTERING": (None, "Kontering saknas eller är ofullständig (konto, ansvar och verksamhet)."),
    "OFULLSTANDIG": (None, "Blanketten är inte fullständigt ifylld."),
    "UNDERSKRIFT": (None, "Underskrift saknas."),
    "BILAGA": (None, "Bilaga saknas (den faktura, det kvitto eller avtal som underlaget hänvisar till)."),
    "FEL-MOTTAGARE": (
        None,
        "Underlaget har kommit till fel mottagare. Skicka det till rätt funktionsbrevlåda enligt kundwebben.",
    ),
    "LEV-FORFALLODATUM": ("LEV", "Förfallodatum saknas: utan förfallodatum kan vi inte betala i rätt tid."),
    "LEV-MOTTAGARE": ("LEV", "Betalningsmottagare eller bankgiro-/plusgiro-/kontonummer saknas."),
    "KUND-KUNDUPPGIFTER": ("KUND", "Fakturamottagarens namn, adress eller organisations-/personnummer saknas."),
    "KUND-MOMS": ("KUND", "Momskod saknas."),
    "KASSA-PERIOD": ("KASSA", "Period saknas: ange vilken period kassarapporten gäller."),
    "LON-PERIOD": ("LON", "Period saknas: ange vilken löneperiod underlaget gäller."),
    "LON-ANSTALLNINGSNUMMER": ("LON", "Anställningsnummer eller personnummer saknas."),
    "PENSION-INTYG": ("PENSION", "Beslut om pensionsavgång eller anställningsintyg saknas."),
    "SYSF-GODKANNANDE": ("SYSF", "Chefens godkännande av behörigheten saknas."),
}

# --------------------------------------------------------------------------- standard letters
# Django template syntax; variables: kund, arendenummer, rubrik, saknas (list), handlaggare, team,
# gruppnummer, kund_omrade (the area), avsandare.  See ester.cases.services.render_letter.
_SIGNATURE = """Med vänlig hälsning
{% if handlaggare %}{{ handlaggare }}
{% endif %}{{ team }}, {{ kund_omrade }}
Serviceförvaltningen
Gruppnummer: {{ gruppnummer }}"""
_MISSING = """{% for rad in saknas %}- {{ rad }}
{% endfor %}"""


def _return_letter(consequence: str) -> str:
    return (
        "Hej {{ avsandare }}!\n\n"
        "Vi har tagit emot underlaget i ärende {{ arendenummer }} ({{ rubrik }}) från {{ kund }}, "
        "men kan inte handlägga det förrän följande har kompletterats:\n\n" + _MISSING + "\n" + consequence + "\n\n"
        "Komplettera genom att svara på det här meddelandet (behåll ärendenumret i ämnesraden) eller i kundportalen. "
        "Handläggningstiden räknas inte medan ärendet väntar på kompletteringen.\n\n"
        "Har du frågor, ring oss på gruppnummer {{ gruppnummer }}.\n\n" + _SIGNATURE
    )


# (process or None, kind): (subject, body)
LETTERS: dict[tuple[str | None, str], tuple[str, str]] = {
    (None, LetterKind.ACKNOWLEDGEMENT): (
        "Vi har tagit emot ditt ärende {{ arendenummer }}",
        "Hej {{ avsandare }}!\n\n"
        "Tack! Vi har tagit emot ditt ärende och registrerat det för {{ kund }} med nummer {{ arendenummer }} "
        "({{ rubrik }}). Ange ärendenumret om du kontaktar oss. Du kan följa ärendet i kundportalen.\n\n"
        "E-post besvaras inom en arbetsdag.\n\n" + _SIGNATURE,
    ),
    (None, LetterKind.RETURN): ("Komplettering behövs: ärende {{ arendenummer }}", _return_letter("Ärendet vilar tills kompletteringen har kommit in.")),
    (None, LetterKind.REPLY): (
        "Svar i ärende {{ arendenummer }}: {{ rubrik }}",
        "Hej {{ avsandare }}!\n\nTack för din fråga i ärende {{ arendenummer }}.\n\n\n\n"
        "Har du fler frågor, svara på det här meddelandet eller ring oss på gruppnummer {{ gruppnummer }}.\n\n" + _SIGNATURE,
    ),
    ("LEV", LetterKind.RETURN): (
        "Komplettering behövs innan betalning: ärende {{ arendenummer }}",
        _return_letter("Vi betalar inte förrän underlaget är komplett. Komplettera snarast, så undviker ni påminnelseavgift och dröjsmålsränta."),
    ),
    ("KUND", LetterKind.RETURN): (
        "Komplettering behövs: kundfakturaärende {{ arendenummer }}",
        _return_letter("Fakturan skickas inte ut, och ingen påminnelse eller inkasso stoppas, förrän underlaget är komplett."),
    ),
    ("LON", LetterKind.ACKNOWLEDGEMENT): (
        "Vi har tagit emot ditt löneunderlag, ärende {{ arendenummer }}",
        "Hej {{ avsandare }}!\n\n"
        "Vi har tagit emot löneunderlaget för {{ kund }} och registrerat det med nummer {{ arendenummer }} ({{ rubrik }}). "
        "Underlag som kommer in efter brytdatum följer med nästa lönekörning.\n\n" + _SIGNATURE,
    ),
    ("LON", LetterKind.RETURN): (
        "Komplettering av löneunderlag behövs: ärende {{ arendenummer }}",
        _return_letter("Underlaget registreras inte i Lisa förrän det är komplett. Kommer kompletteringen efter brytdatum följer den med nästa lönekörning."),
    ),
    ("PENSION", LetterKind.RETURN): (
        "Komplettering av pensionsärende {{ arendenummer }}",
        _return_letter("Pensionen kan inte beräknas förrän uppgifterna har kommit in. Skicka dem i god tid före pensionsdatum."),
    ),
}  # fmt: skip


def load_case_setup(loader: Loader) -> dict[str, CaseType]:
    """Case types, return reasons and standard letters (idempotent); returns the case types by code."""
    processes = loader.processes
    types = [
        CaseType(
            process=processes[process],
            code=t.code,
            name=t.name,
            description=t.description,
            urgent=t.urgent,
            billable=t.billable,
            first_response_hours=t.first,
            resolution_hours=t.resolution,
            retention_class=t.retention,
            filing=t.filing,
            portal_enabled=t.portal,
            portal_fields=[{"name": n, "label": label, "required": req} for n, label, req in t.fields],
            order=order,
        )
        for process, specs in CASE_TYPES.items()
        for order, t in enumerate(specs)
    ]
    loader.created += ensure(CaseType, ("code",), types)
    reasons = [
        ReturnReason(code=code, process=processes[process] if process else None, text=text, order=order)
        for order, (code, (process, text)) in enumerate(RETURN_REASONS.items())
    ]
    loader.created += ensure(ReturnReason, ("code",), reasons)
    letters = [
        LetterTemplate(process=processes[process] if process else None, kind=kind, language="sv", subject=subject, body=body)
        for (process, kind), (subject, body) in LETTERS.items()
    ]
    loader.created += ensure(LetterTemplate, ("process_id", "kind", "language"), letters)
    return {t.code: t for t in CaseType.objects.select_related("process__area")}


# --------------------------------------------------------------------------- the case history

#: (customer short name, share of the cases)
CUSTOMERS = [
    ("Rinkeby-Kista", 28),
    ("Bromma", 18),
    ("Socialförvaltningen", 12),
    ("Södermalm", 10),
    ("Farsta", 10),
    ("Utbildningsförvaltningen", 8),
    ("Micasa", 6),
    ("SISAB", 4),
    ("Kungsholmen", 7),
]
#: How the cases of a customer spread over the processes (only those that serve the customer are used).
PROCESS_WEIGHTS = {
    "LEV": 30, "KUND": 20, "LON": 13, "KASSA": 4, "REDOV": 5, "SYSF": 5, "TOP": 1, "ANL": 1,
    "HYRA": 2, "AVGIFT": 3, "PENSION": 5, "KC": 3,
}  # fmt: skip
TYPE_WEIGHTS = {
    "LEV-MANUELL": 5, "LEV-UTBETALNING": 3, "LEV-FORSKOTT": 1, "LEV-FRAGA": 3,
    "KUND-MANUELL": 5, "KUND-PAMINNELSE": 1, "KUND-ANSTAND": 1, "KUND-MAKULERING": 1, "KUND-AVBETALNING": 1,
    "KUND-INKASSO": 1, "KUND-FRAGA": 3,
    "LON-RAPPORT": 4, "LON-NYANSTALLNING": 3, "LON-UPPHOR": 2, "LON-RATTNING": 2, "LON-BRADSKANDE": 1, "LON-LONESKULD": 1,
    "LON-FRAGA": 5,
    "PENSION-ANSOKAN": 2, "PENSION-FRAGA": 3,
}  # fmt: skip
QUESTIONS = {"LEV-FRAGA", "KUND-FRAGA", "SYSF-FRAGA", "TOP-FRAGA", "ANL-FRAGA", "HYRA-FRAGA", "AVGIFT-FRAGA", "LON-FRAGA",
             "PENSION-FRAGA", "UPPH-FRAGA", "ITS-FRAGA"}  # fmt: skip

SUPPLIERS = [
    "Kontorsvaruhuset i Stockholm AB", "Nordisk Städservice AB", "Kista Bygg & Fastighetsservice AB", "Lekmaterial Norden AB",
    "Stockholms Taxi Ekonomisk Förening", "Matleverantören Mälardalen AB", "Hemtjänst Plus i Stockholm AB",
    "Vällingby Måleri AB", "Tolkservice Sverige AB", "IT-Konsult Järva AB", "Stadsgrönt Entreprenad AB",
]  # fmt: skip
INVOICE_CUSTOMERS = [
    "Bostadsrättsföreningen Tenstahöjden", "Kista Idrottsförening", "Järva Kulturförening", "Hyresgäst (andrahand)",
    "Föreningen Västerorts Seniorer", "Akalla Företagscenter AB", "Bromma Scoutkår",
]  # fmt: skip
PEOPLE = ["Fatima Ahmadi", "Jonas Berg", "Elin Strand", "Mehmet Yilmaz", "Karin Holm", "Sven Lundqvist", "Aisha Omar",
          "Peter Sjögren", "Ulla Dahlberg", "Nour Haddad", "Lars Ek", "Maja Forsberg"]  # fmt: skip
MONTHS = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
]

SUBJECTS: dict[str, list[str]] = {
    "LEV-MANUELL": ["Faktura {nr} från {lev}", "Pappersfaktura {lev}, {nr}", "Faktura att betala: {lev}"],
    "LEV-UTBETALNING": ["Utbetalningsunderlag arvode {person}", "Utbetalning bistånd, beslut {nr}", "Utbetalningsunderlag förtroendevald {person}"],
    "LEV-FORSKOTT": ["Påfyllning förskottskassa {enhet}", "Redovisning förskottskassa {enhet}", "Ny förskottskassa {enhet}"],
    "LEV-FRAGA": ["Är faktura {nr} från {lev} betald?", "Leverantören {lev} har skickat påminnelse", "Fråga om betalning till {lev}"],
    "KUND-MANUELL": ["Underlag kundfaktura {kund}", "Fakturera lokalhyra {kund}, {manad}", "Kundfaktura {kund} – avgift {manad}"],
    "KUND-PAMINNELSE": ["Påminnelse på faktura {nr} till {kund}", "Skicka påminnelse, {kund}"],
    "KUND-ANSTAND": ["Anstånd med faktura {nr}, {kund}", "Begäran om anstånd – {kund}"],
    "KUND-MAKULERING": ["Makulera faktura {nr}", "Kreditera faktura {nr} till {kund}", "Felaktig faktura {nr} ska krediteras"],
    "KUND-AVBETALNING": ["Avbetalningsplan faktura {nr}", "{kund} vill dela upp betalningen av {nr}"],
    "KUND-INKASSO": ["Faktura {nr} till inkasso?", "Obetald faktura {nr}, {kund}"],
    "KUND-FRAGA": ["Fråga om kundfaktura {nr}", "Har {kund} betalat faktura {nr}?", "Fel adress på kundfaktura {nr}"],
    "KASSA-RAPPORT": ["Kassarapport {enhet} {manad}", "Kassarapport kontantkassa {enhet}"],
    "KASSA-BANKAVSTAMNING": ["Bankavstämning {manad}", "Differens i bankavstämning {manad}"],
    "REDOV-BOKFORINGSORDER": ["Bokföringsorder: omföring {manad}", "Rättelse av kontering, verifikation {nr}"],
    "REDOV-INTERNDEBITERING": ["Interndebitering till Socialförvaltningen, {manad}", "Interndebitering lokalvård {manad}"],
    "REDOV-BOKSLUT": ["Underlag tertialbokslut", "Periodiseringar inför bokslut {manad}", "Underlag månadsbokslut {manad}"],
    "SYSF-BEHORIGHET": ["Behörighet Agresso för {person}", "Ny attestant: {person}", "Ta bort behörighet, {person} har slutat"],
    "SYSF-FRAGA": ["Kan inte attestera i Agresso", "Fråga om rapport i Agresso", "Felmeddelande vid inloggning i Agresso"],
    "TOP-FRAGA": ["Nytt projekt i Agresso: {enhet}", "Fråga om tidrapportering på projekt"],
    "ANL-FRAGA": ["Aktivering av investering {enhet}", "Fråga om avskrivningstid för inventarier"],
    "HYRA-FRAGA": ["Fråga om hyresavi, andrahandskontrakt {nr}", "Uppsägning andrahandskontrakt {nr}"],
    "AVGIFT-FRAGA": ["Fråga om förskoleavgift {manad}", "Inkomstuppgift saknas, familj {nr}", "Fel avgift för fritidshem"],
    "LON-RAPPORT": ["Lönerapport timanställda {manad}", "Lönerapport {enhet}, {manad}", "Manuellt löneunderlag {manad}"],
    "LON-NYANSTALLNING": ["Nyanställning {person}", "Anställningsavtal {person}", "Ny medarbetare {enhet}: {person}"],
    "LON-UPPHOR": ["Anställning upphör: {person}", "Slutlön {person}"],
    "LON-RATTNING": ["Rättning OB-tillägg {manad}", "Fel semesterersättning {person}", "Rättning av frånvaro {manad}"],
    "LON-BRADSKANDE": ["Akut utbetalning till {person}", "Lön uteblev för {person} – brådskande"],
    "LON-LONESKULD": ["Löneskuld {person}", "Återbetalning av för mycket utbetald lön, {person}"],
    "LON-FRAGA": ["Fråga om lönespecifikation", "Varför har skatten ändrats?", "Fråga om semesterdagar {person}", "Fråga om OB-ersättning"],
    "PENSION-ANSOKAN": ["Ansökan om ålderspension {person}", "Pensionsavgång {person}"],
    "PENSION-FRAGA": ["Fråga om tjänstepension", "Fråga om efterlevandepension", "När kan jag gå i pension?"],
    "KC-OVERLAMNAT": ["Överlämnat från kontaktcenter: fråga om förskoleplats", "Överlämnat: klagomål på hemtjänst",
                      "Överlämnat från kontaktcenter: fråga om bygglov", "Överlämnat: felanmälan lekplats"],
}  # fmt: skip
REPLIES = [
    "Fakturan betalades på förfallodagen; betalningen syns hos leverantören inom två bankdagar.",
    "Vi har kontrollerat ärendet och rättat uppgiften. Ändringen syns i nästa körning.",
    "Svaret finns i rutinen på kundwebben; vi har skickat länken och förklarat de steg som gäller er.",
    "Vi har gått igenom frågan per telefon och skickar här en sammanfattning.",
]
CLOSING_NOTES = {
    "LEV": "Fakturan är registrerad och betalas på förfallodagen.",
    "KUND": "Klart: fakturan är hanterad och bevakningen uppdaterad.",
    "KASSA": "Avstämt och bokfört.",
    "REDOV": "Verifikationen är bokförd.",
    "SYSF": "Behörigheten är upplagd och användaren underrättad.",
    "LON": "Registrerat i Lisa; följer med månadens lönekörning.",
    "PENSION": "Beslut skickat till den sökande.",
    "KC": "Förvaltningens kontaktperson har tagit över ärendet enligt gränssnittet.",
}
VOID_REASONS = [
    "Dubblett: samma underlag hade redan kommit in per e-post.",
    "Skickat av misstag; förvaltningen har återkallat underlaget.",
    "Inget ärende: reklam till funktionsbrevlådan.",
    "Kunden har inte kompletterat och har dragit tillbaka underlaget.",
]
NOTES = [
    "Kontrollerat attestförteckningen; attestanten är behörig.",
    "Ringt kontaktpersonen, de återkommer med uppgifterna.",
    "Stämt av beloppet mot avtalet.",
    "Väntar på svar från leverantören om rätt belopp.",
]


class _Clock:
    """The services' clock (``ester.core.clock.now``) while the history is written."""

    def __init__(self, real_now: datetime.datetime) -> None:
        self.real_now = real_now
        self.at = real_now

    def __call__(self) -> datetime.datetime:
        return self.at


@contextmanager
def _back_then(clock: _Clock) -> Iterator[None]:
    """Run the services at the clock's time and send none of the after-commit notifications:
    the receipts and letters of the history were sent back then, not at load time."""
    with use_clock(clock), notifications_suppressed():
        yield


@dataclass
class _Plan:
    """One case to write: what happens to it and when (local, aware instants)."""

    customer: Customer
    case_type: CaseType
    received: datetime.datetime
    fate: str
    rng: random.Random
    channel: str = ""  # chosen at random when empty
    reasons: tuple[str, ...] = ()  # return reasons (codes); chosen at random when empty


#: Cases that are always there, whatever the random draw, so every demo login finds work:
#: (customer, case type, fate, working days ago or None = 40 minutes ago, channel, return reasons).
SHOWCASE: list[tuple[str, str, str, int | None, str, tuple[str, ...]]] = [
    ("Rinkeby-Kista", "LEV-MANUELL", "new", None, CaseChannel.EMAIL, ()),
    ("Rinkeby-Kista", "KUND-ANSTAND", "new", None, CaseChannel.EMAIL, ()),
    ("Rinkeby-Kista", "LEV-MANUELL", "in_progress", 1, CaseChannel.PORTAL, ()),
    ("Rinkeby-Kista", "LEV-UTBETALNING", "waiting", 3, CaseChannel.EMAIL, ("LEV-FORFALLODATUM", "ATTEST")),
    ("Rinkeby-Kista", "LEV-MANUELL", "in_progress", 15, CaseChannel.POST, ()),  # overdue
    ("Rinkeby-Kista", "LON-BRADSKANDE", "closed", 4, CaseChannel.PHONE, ()),
    ("Rinkeby-Kista", "LEV-MANUELL", "voided", 6, CaseChannel.EMAIL, ()),
    ("Bromma", "LEV-MANUELL", "new", None, CaseChannel.PORTAL, ()),
    ("Bromma", "LEV-FRAGA", "in_progress", 1, CaseChannel.EMAIL, ()),
    ("Bromma", "LON-RAPPORT", "waiting", 2, CaseChannel.EFORM, ("LON-PERIOD",)),
]


# fate -> weight, by the age of the case in working days: (up to 1 day, 2–5 days, 6–10 days, older)
FATES: dict[str, tuple[int, int, int, int]] = {
    "new": (60, 16, 2, 1),  # unassigned; an old one is overdue
    "in_progress": (25, 14, 6, 2),  # assigned, not done; an old one is overdue
    "waiting": (10, 18, 12, 2),  # returned for completion, the customer has not answered
    "completed": (0, 5, 4, 0),  # returned, completed by the customer, back with the handler
    "closed": (10, 38, 54, 64),
    "returned_closed": (0, 6, 10, 13),
    "phone": (30, 30, 30, 30),  # a phone call resolved at first contact (questions only)
    "voided": (0, 2, 2, 3),
}


#: Of the cases drawn to be open although past their lead time, the share left open (overdue).
OVERDUE_SHARE = 0.25


def load_demo_cases(loader: Loader, case_types: dict[str, CaseType]) -> int:
    """Write the case history through the services, once; return the number of cases written."""
    if Case.objects.filter(sender_email__endswith=DEMO_SENDER_DOMAIN).exists():
        return 0
    with memoized():  # calendars and handling teams: read once, for the plan and the services alike
        history = _History(loader, case_types)
        plans = history.plan()
        clock = _Clock(timezone.now())
        with _back_then(clock):
            written = [history.write(plan, clock) for plan in plans]
    return sum(1 for case in written if case is not None)


class _History:
    """Plans the history (``plan``) and writes it case by case (``write``)."""

    def __init__(self, loader: Loader, case_types: dict[str, CaseType]) -> None:
        self.loader = loader
        self.case_types = case_types
        self.rng = random.Random(SEED)
        self.now = timezone.localtime()
        by_name = {customer.short_name: customer for customer, _group, _index in loader.customers}
        self.customers = [(by_name[name], weight) for name, weight in CUSTOMERS if name in by_name]
        self.reasons: dict[int | None, list[ReturnReason]] = {}
        for reason in ReturnReason.objects.filter(active=True).order_by("order"):
            self.reasons.setdefault(reason.process_id, []).append(reason)
        self.contacts: dict[int, list[CustomerContact]] = {}
        for contact in CustomerContact.objects.filter(customer__in=[c for c, _w in self.customers], active=True).order_by("pk"):
            self.contacts.setdefault(contact.customer_id, []).append(contact)
        today = self.now.date()
        self.handlers: dict[int, list[Any]] = {}
        for assignment in (
            RoleAssignment.objects.filter(role=Role.HANDLER, team__isnull=False, user__is_active=True)
            .valid_on(today)
            .select_related("user")
            .order_by("user__username")
        ):
            assert assignment.team_id is not None
            self.handlers.setdefault(assignment.team_id, []).append(assignment.user)

    # ----------------------------------------------------------------- planning
    def calendar(self, area: Area) -> SwedishBusinessCalendar:
        """The area's calendar, as the services read it (once, inside ``memoized``)."""
        calendar: SwedishBusinessCalendar = services.area_calendar(area)
        return calendar

    def team(self, customer: Customer, process: Process) -> Team | None:
        """The team handling ``process`` for ``customer`` today (the real today, also while the clock is back then)."""
        return services.handling_team_on(customer, process, self.now.date())

    def plan(self) -> list[_Plan]:
        """Who sends what when, and what becomes of it: sorted by arrival, so numbers follow time."""
        ek = self.calendar(self.loader.areas["EK"])
        days: list[datetime.date] = []
        day = self.now.date()
        while len(days) < HISTORY_WORKING_DAYS:
            if ek.is_working_day(day):
                days.append(day)
            day -= datetime.timedelta(days=1)
        by_process: dict[str, list[CaseType]] = {}
        for case_type in self.case_types.values():
            by_process.setdefault(case_type.process.code, []).append(case_type)
        plans = self._showcase(days)
        customers, weights = zip(*self.customers, strict=True)
        while len(plans) < HISTORY_CASES:
            customer = self.rng.choices(customers, weights)[0]
            processes = [p for p in PROCESS_WEIGHTS if p in by_process and self.team(customer, self.loader.processes[p])]
            process = self.rng.choices(processes, [PROCESS_WEIGHTS[p] for p in processes])[0]
            types = by_process[process]
            case_type = self.rng.choices(types, [TYPE_WEIGHTS.get(t.code, 1) for t in types])[0]
            age = min(int(self.rng.triangular(0, HISTORY_WORKING_DAYS, 0)), HISTORY_WORKING_DAYS - 1)  # more recent than old
            received = self._arrival(days[age], case_type)
            if received is None:
                continue
            plans.append(_Plan(customer, case_type, received, self._fate(age, case_type), random.Random(self.rng.random())))
        plans.sort(key=lambda p: p.received)
        return plans

    def _showcase(self, days: list[datetime.date]) -> list[_Plan]:
        by_name = dict(self.customers)
        customers = {customer.short_name: customer for customer in by_name}
        plans = []
        for index, (name, code, fate, ago, channel, reasons) in enumerate(SHOWCASE):
            if name not in customers or code not in self.case_types:
                continue
            if ago is None:
                received = timezone.localtime(self.now.astimezone(datetime.UTC) - datetime.timedelta(minutes=40 + 7 * index))
            else:
                day = days[min(ago + (days[0] == self.now.date()), len(days) - 1)]
                received = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 10 + 3 * index)))
            case_type = self.case_types[code]
            plans.append(_Plan(customers[name], case_type, received, fate, random.Random(SEED + index), channel, reasons))
        return plans

    def _arrival(self, day: datetime.date, case_type: CaseType) -> datetime.datetime | None:
        hour = self.rng.triangular(7.0, 17.5, 9.5)
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(0)) + datetime.timedelta(hours=hour))
        if at > self.now - datetime.timedelta(minutes=20):
            return None  # not yet arrived today
        return at

    def _fate(self, age: int, case_type: CaseType) -> str:
        column = 0 if age <= 1 else 1 if age <= 5 else 2 if age <= 10 else 3
        fates = dict(FATES)
        if case_type.code not in QUESTIONS:
            fates.pop("phone")
        if case_type.urgent and column:  # urgent kinds are never left lying
            fates = {k: v for k, v in fates.items() if k in ("closed", "returned_closed", "voided")}
        elif case_type.process.code == "KC":
            fates = {k: v for k, v in fates.items() if k in ("new", "in_progress", "closed")}
        names = list(fates)
        weights = [fates[name][column] for name in names]
        if not any(weights):
            return "closed"
        fate = self.rng.choices(names, weights)[0]
        # Open past its lead time: a few on purpose (the overdue list), most such cases were done by now.
        past_due = age * 8.5 > case_type.resolution_hours + 8.5
        if fate in ("new", "in_progress") and past_due and self.rng.random() > OVERDUE_SHARE:
            return "closed"
        return fate

    # ----------------------------------------------------------------- writing
    def write(self, plan: _Plan, clock: _Clock) -> Case | None:
        """Register the case and take its steps through the services, each at its own time, none after now."""
        rng, case_type, customer = plan.rng, plan.case_type, plan.customer
        process = case_type.process
        calendar = self.calendar(process.area)
        team = self.team(customer, process)
        assert team is not None
        handler = self._handler(team, rng)

        def work(start: datetime.datetime, hours: float) -> datetime.datetime:
            return calendar.add_working_time(start, datetime.timedelta(hours=hours))

        def at(when: datetime.datetime) -> bool:
            """Set the clock to ``when``; False if that lies in the future (the step has not happened yet)."""
            if when > clock.real_now:
                return False
            clock.at = max(when, clock.at).astimezone(datetime.UTC)  # UTC: adding minutes never lands in a DST gap
            return True

        phone = plan.fate == "phone" or plan.channel == CaseChannel.PHONE or (case_type.code in QUESTIONS and rng.random() < 0.15)
        channel, sender, actor = self._channel_and_sender(plan, handler, phone)
        values = _values(rng, plan.received)
        subject = rng.choice(SUBJECTS.get(case_type.code, [case_type.name])).format(**values)
        fields = {f["name"]: values.get(f["name"], "") for f in case_type.portal_fields if f["name"] in values}
        received = plan.received
        register_at = received.astimezone(datetime.UTC) + datetime.timedelta(minutes=rng.randint(1, 25))
        if channel == CaseChannel.POST:  # the arrival stamp's day; scanned and registered later that day
            received = received.replace(hour=8, minute=0)
            register_at = work(received, rng.uniform(1, 6))
        clock.at = received.astimezone(datetime.UTC)
        if not at(register_at):
            return None
        case = services.case_register(
            actor=actor,
            customer=customer,
            case_type=case_type,
            channel=channel,
            sender_name=sender[0],
            sender_email=sender[1],
            sender_phone=sender[2],
            subject=subject,
            description=_description(case_type, values),
            received_at=received,
            fields=fields,
            personal_data=process.code in ("LON", "PENSION"),
            secret=case_type.code == "KC-OVERLAMNAT" and "hemtjänst" in subject,
        )
        if plan.fate == "new":
            return case
        resolution = float(case_type.resolution_hours)
        if plan.fate == "phone":
            if at(register_at + datetime.timedelta(minutes=rng.randint(3, 12))):
                services.case_assign(actor=handler, case=case, assignee=handler)
                services.case_close(actor=handler, case=case, text="Besvarat i telefon.", first_contact_resolved=True)
            return case
        if not at(work(clock.at, rng.uniform(0.2, min(6.0, resolution / 3)))):
            return case
        services.case_assign(actor=handler, case=case, assignee=handler)  # the handler takes the case
        if rng.random() < 0.3 and at(work(clock.at, rng.uniform(0.2, 2))):
            services.case_add_note(actor=handler, case=case, text=rng.choice(NOTES))
        if plan.fate == "in_progress":
            return case
        if plan.fate == "voided":
            if at(work(clock.at, rng.uniform(0.2, 3))):
                services.case_void(actor=handler, case=case, reason=rng.choice(VOID_REASONS))
            return case
        paused = 0.0
        if plan.fate in ("waiting", "completed", "returned_closed"):
            if not at(work(clock.at, rng.uniform(0.3, 4))):
                return case
            services.case_return_for_completion(actor=handler, case=case, reasons=self._reasons(process, rng, plan.reasons))
            if plan.fate == "waiting":
                return case
            paused = rng.uniform(3, 40)
            if not at(work(clock.at, paused)):
                return case
            contact = next((c.user for c in self.contacts.get(customer.pk, []) if c.user_id), None)
            services.case_complete_by_customer(actor=contact, case=case, text=_completion(rng))
            if plan.fate == "completed":
                return case
        # Most cases are done within the lead time, about one in ten a little late.
        share = rng.uniform(0.15, 0.9) if rng.random() < 0.9 else rng.uniform(1.05, 1.6)
        done = work(received, resolution * share + paused)
        if done <= clock.at:
            done = work(clock.at, rng.uniform(0.2, 2))
        if not at(done):
            return case
        if case_type.code in QUESTIONS or (case.first_response_at is None and case_type.first_response_hours):
            services.case_reply(actor=handler, case=case, text=rng.choice(REPLIES))
        clock.at += datetime.timedelta(minutes=rng.randint(1, 10))
        if clock.at > clock.real_now:
            return case
        services.case_close(actor=handler, case=case, text=CLOSING_NOTES.get(process.code, "Klart."))
        return case

    def _handler(self, team: Team, rng: random.Random) -> Any:
        """A handler of the team; teams without a demo handler are worked by their unit manager."""
        if team.pk not in self.handlers:
            self.handlers[team.pk] = [team.unit.manager]
        return rng.choice(self.handlers[team.pk])

    def _channel_and_sender(self, plan: _Plan, handler: Any, phone: bool) -> tuple[str, tuple[str, str, str], Any]:
        """(channel, (sender name, e-mail, phone), the registering user: None for automatic intake)."""
        rng, case_type = plan.rng, plan.case_type
        if case_type.process.code == "KC":
            mobile = f"070-{rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            return CaseChannel.PHONE, (f"{rng.choice(PEOPLE)} (via Kontaktcenter)", "", mobile), handler
        if case_type.code == "KASSA-BANKAVSTAMNING":
            return CaseChannel.INTERNAL, (handler.get_full_name() or handler.username, "", ""), handler
        contacts = self.contacts.get(plan.customer.pk, [])
        with_login = [c for c in contacts if c.user_id]
        channel = plan.channel
        if not channel:
            roll = rng.random()
            if phone:
                channel = CaseChannel.PHONE
            elif with_login and case_type.portal_enabled and case_type.portal_fields and roll < 0.35:
                channel = CaseChannel.PORTAL
            elif case_type.process.code == "LON" and roll < 0.45:
                channel = CaseChannel.EFORM
            elif case_type.code not in QUESTIONS and roll > 0.85:
                channel = CaseChannel.POST
            else:
                channel = CaseChannel.EMAIL
        if channel == CaseChannel.PORTAL and with_login:  # a contact with a login submits in the portal
            user = rng.choice(with_login)
            return channel, (user.name, user.email, user.phone), user.user
        contact = rng.choice(contacts) if contacts else None
        sender = (contact.name, contact.email, contact.phone) if contact else (plan.customer.short_name, "", "")
        # A handler registers a call; e-mail, e-forms and scanned post (with its arrival stamp) come in by the intake.
        return channel, sender, handler if channel == CaseChannel.PHONE else None

    def _reasons(self, process: Process, rng: random.Random, codes: Sequence[str] = ()) -> list[ReturnReason]:
        if codes:
            return [r for pool in self.reasons.values() for r in pool if r.code in codes]
        own = self.reasons.get(process.pk, [])
        general = self.reasons.get(None, [])
        pool = own + general
        first = rng.choice(own) if own and rng.random() < 0.6 else rng.choice(general)
        chosen = [first]
        if rng.random() < 0.3:
            second = rng.choice(pool)
            if second != first:
                chosen.append(second)
        return chosen


def _values(rng: random.Random, received: datetime.datetime) -> dict[str, str]:
    """Made-up particulars for subjects and form fields."""
    day = received.date()
    due = day + datetime.timedelta(days=rng.choice((10, 20, 30)))
    month = (day.replace(day=1) - datetime.timedelta(days=1)) if day.day < 15 else day
    amount = Decimal(rng.randint(300, 180_000)) + Decimal(rng.choice((0, 50, 25))) / 100
    person = rng.choice(PEOPLE)
    return {
        "nr": (number := str(rng.randint(1_000_000, 9_999_999))),
        "fakturanummer": number,
        "lev": (lev := rng.choice(SUPPLIERS)),
        "leverantor": lev,
        "kund": rng.choice(INVOICE_CUSTOMERS),
        "belopp": f"{amount:.2f}",
        "forfallodatum": due.isoformat(),
        "period": f"{month:%Y-%m}",
        "manad": f"{MONTHS[month.month - 1]} {month.year}",
        "person": person,
        "namn": person,
        "sokande": person,
        "anvandare": person,
        "behorighet": rng.choice(("Beslutsattestant", "Mottagningsattestant", "Registrerare kundfaktura", "Rapportläsare")),
        "enhet": rng.choice(
            ("förskolan Solrosen", "hemtjänsten Kista", "fritidsgården Tensta", "biblioteket", "äldreboendet Eken")
        ),
        "startdatum": (day + datetime.timedelta(days=rng.randint(7, 40))).isoformat(),
        "slutdatum": (day + datetime.timedelta(days=rng.randint(3, 30))).isoformat(),
        "pensionsdatum": (day.replace(day=1) + datetime.timedelta(days=rng.randint(95, 200))).replace(day=1).isoformat(),
        "anstand_till": (due + datetime.timedelta(days=30)).isoformat(),
        "antal_manader": str(rng.choice((3, 6, 12))),
        "antal_anstallda": str(rng.randint(1, 40)),
        "kontering": f"{rng.choice((4010, 5460, 6110, 6420, 3510))}-{rng.randint(100, 999)}",
        "mottagare": rng.choice([person, *SUPPLIERS[:3]]),
        "kassaansvarig": person,
        "orsak": rng.choice(("Fel belopp", "Fel kund", "Tjänsten levererades inte", "Dubbelfakturering")),
    }


def _description(case_type: CaseType, values: dict[str, str]) -> str:
    if case_type.code in QUESTIONS:
        return "Se rubriken. Kontaktpersonen vill ha svar per e-post eller telefon."
    return f"Underlag bifogat. Kontaktperson på förvaltningen: se avsändare. Belopp {values['belopp']} kr."


def _completion(rng: random.Random) -> str:
    return rng.choice(
        (
            "Här kommer det som saknades.",
            "Kompletterat med attesterat underlag.",
            "Förfallodatum och kontering tillagda, se bifogad fil.",
            "Rättad blankett bifogad.",
        )
    )


def load_cases(loader: Loader) -> None:
    """Case types, return reasons, letters and (once) the case history."""
    case_types = load_case_setup(loader)
    written = load_demo_cases(loader, case_types)
    loader.say(f"Ärenden: {len(case_types)} ärendetyper; {written} nya demoärenden.")
