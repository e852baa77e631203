"""The demo city: the service administration (Serviceförvaltningen) of a Swedish city, 2011 to today.

``load_demo_city()`` fills an empty database with an organisation, 33 customer
departments (+ 2 city-owned companies), the service catalogue, price lists and
service agreements, and a handful of logins, and returns the logins to print.

Sources: the customer's own documents in ``/work/shared/reference`` — the
economy business plans 2011 (VP 2011), 2012 (VP 2012) and 2017 (VP 2017), the
payroll business plan 2014 (VP 2014) and the board's annual report 2011
(VB 2011).  Every price taken from them is marked with its source below; every
invented figure is marked *invented*.  People, phone numbers, e-mail addresses
and organisation numbers are made up (``.example`` domains, a made-up
``212000-NNNN`` series with a valid check digit).

The loader is idempotent: rows are found by natural keys (codes, names, dates)
and only missing rows are created, all in one transaction, so a second call
changes nothing.  It writes rows directly through the ORM — this is a data
loader, not a use case, so it writes no audit entries.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone
from stdnum import luhn

from ester.agreements.choices import AgreementStatus, Channel, ServiceKind, UnitOfMeasure
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
from ester.core.access import Role
from ester.organisation.choices import ContactRole, CustomerKind
from ester.organisation.models import (
    Area,
    Customer,
    CustomerContact,
    HandlingAssignment,
    OpeningHours,
    Process,
    RoleAssignment,
    Team,
    Unit,
)

D = datetime.date
PASSWORD = "Ester-demo-2026!"
#: A fixed salt (22 characters, > 128 bits) makes the demo password hash the
#: same on every run: the loader can see whether a printed login still has
#: the printed password without hashing once per user (PBKDF2 is slow on
#: purpose).  Only for these demo logins.
_DEMO_SALT = "EsterDemoStadLosenord1"
START = D(2011, 1, 1)
#: VP 2017: "En ny organisation startar i mars 2017. Verksamheten kommer då att
#: bestå av sex enheter."  The four economy units end the day before.
ECONOMY_REORGANISED = D(2017, 3, 1)
#: VB 2011: "Från den 1 mars 2011 är verksamheten [kontaktcenter] organiserad i tre enheter".
CONTACT_CENTRE_REORGANISED = D(2011, 3, 1)
#: VP 2014: payroll is also sold to city-owned companies; the two demo companies join in 2014.
COMPANIES_FROM = D(2014, 1, 1)
STAFF_DOMAIN = "serviceforvaltningen.example"
#: Lead times are in working hours; the demo counts a working day as 8 hours
#: (opening hours are 08.00–16.30 with lunch).
DAY = 8

# --------------------------------------------------------------------------- people
# username: (first name, last name, title)
STAFF: dict[str, tuple[str, str, str]] = {
    "handlaggare": ("Sara", "Lindqvist", "Ekonomiadministratör"),
    "enhetschef": ("Anders", "Holm", "Enhetschef"),
    "verksamhetschef": ("Eva", "Bergström", "Verksamhetschef, Ekonomiadministration"),
    "controller": ("Johan", "Ek", "Controller, administrativa avdelningen"),
    "admin": ("Karin", "Sjöberg", "Systemadministratör"),
    "lena.nystrom": ("Lena", "Nyström", "Enhetschef"),
    "mikael.strand": ("Mikael", "Strand", "Enhetschef"),
    "helena.aberg": ("Helena", "Åberg", "Enhetschef"),
    "jonas.falk": ("Jonas", "Falk", "Enhetschef"),
    "maria.ostlund": ("Maria", "Östlund", "Enhetschef"),
    "erik.sundin": ("Erik", "Sundin", "Systemförvaltare"),
    "ulrika.hedlund": ("Ulrika", "Hedlund", "Redovisningsekonom"),
    "nina.karlsson": ("Nina", "Karlsson", "Ekonomiadministratör"),
    "ahmed.ali": ("Ahmed", "Ali", "Ekonomiadministratör"),
    "lisa.wennberg": ("Lisa", "Wennberg", "Ekonomiadministratör"),
    "oskar.blom": ("Oskar", "Blom", "Ekonomiadministratör"),
    "birgitta.sandberg": ("Birgitta", "Sandberg", "Verksamhetschef, Lön och pension"),
    "peter.lund": ("Peter", "Lund", "Enhetschef"),
    "annika.dahl": ("Annika", "Dahl", "Enhetschef"),
    "marie.roos": ("Marie", "Roos", "Löneadministratör"),
    "goran.vik": ("Göran", "Vik", "Pensionshandläggare"),
    "thomas.wikstrom": ("Thomas", "Wikström", "Verksamhetschef, Kontaktcenter"),
    "sofia.nilsson": ("Sofia", "Nilsson", "Enhetschef"),
    "cecilia.berg": ("Cecilia", "Berg", "Enhetschef"),
    "daniel.persson": ("Daniel", "Persson", "Enhetschef"),
    "henrik.olsson": ("Henrik", "Olsson", "Verksamhetschef, Upphandling"),
    "magnus.lindgren": ("Magnus", "Lindgren", "Verksamhetschef, IT-service"),
    "gunnar.hellstrom": ("Gunnar", "Hellström", "Administrativ chef"),
}

# --------------------------------------------------------------------------- organisation
# code: (name, phone, head)
AREAS = {
    "EK": ("Ekonomiadministration", "08-508 29 000", "verksamhetschef"),
    "LP": ("Lön och pension", "08-508 29 100", "birgitta.sandberg"),
    "KC": ("Kontaktcenter", "08-508 29 200", "thomas.wikstrom"),
    "UH": ("Upphandling", "08-508 29 300", "henrik.olsson"),
    "IT": ("IT-service", "08-508 29 400", "magnus.lindgren"),
    "NA": ("Nämnd och administration", "08-508 29 500", "gunnar.hellstrom"),
}
_OLD_EK = (START, ECONOMY_REORGANISED - datetime.timedelta(days=1))
_NEW_EK = (ECONOMY_REORGANISED, None)
_ALWAYS = (START, None)
# key: (area, name, (valid_from, valid_to), manager)
UNITS: dict[str, tuple[str, str, tuple[D, D | None], str]] = {
    "ek1": ("EK", "Enhet 1", _OLD_EK, "enhetschef"),
    "ek2": ("EK", "Enhet 2", _OLD_EK, "lena.nystrom"),
    "ek3": ("EK", "Enhet 3", _OLD_EK, "mikael.strand"),
    "ek4": ("EK", "Enhet 4", _OLD_EK, "helena.aberg"),
    "nord": ("EK", "Ekonomienhet Nord", _NEW_EK, "enhetschef"),
    "vast": ("EK", "Ekonomienhet Väst", _NEW_EK, "lena.nystrom"),
    "syd": ("EK", "Ekonomienhet Syd", _NEW_EK, "mikael.strand"),
    "city": ("EK", "Ekonomienhet City", _NEW_EK, "helena.aberg"),
    "redsys": ("EK", "Enhet Redovisning och systemförvaltning", _NEW_EK, "jonas.falk"),
    "hyra": ("EK", "Enhet Hyres- och avgiftsadministration", _NEW_EK, "maria.ostlund"),
    "lp1": ("LP", "Löneenhet 1", _ALWAYS, "peter.lund"),
    "lp2": ("LP", "Löneenhet 2", _ALWAYS, "annika.dahl"),
    # VB 2011 names three contact-centre units from 1 March 2011; one before is assumed.
    "kc0": ("KC", "Kontaktcenter Stockholm", (START, CONTACT_CENTRE_REORGANISED - datetime.timedelta(days=1)), "sofia.nilsson"),
    "kc1": ("KC", "Enhet Medborgarservice", (CONTACT_CENTRE_REORGANISED, None), "sofia.nilsson"),
    "kc2": ("KC", "Enhet Äldre Direkt", (CONTACT_CENTRE_REORGANISED, None), "cecilia.berg"),
    "kc3": ("KC", "Enhet Växel och e-tjänster", (CONTACT_CENTRE_REORGANISED, None), "daniel.persson"),
    "uh": ("UH", "Upphandlingsenheten", _ALWAYS, "henrik.olsson"),
    "it": ("IT", "IT-serviceenheten", _ALWAYS, "magnus.lindgren"),
    "na": ("NA", "Administrativa avdelningen", _ALWAYS, "gunnar.hellstrom"),
}
# key: (unit, name, group phone number, e-mail local part); valid as its unit (the switchboard team from 2011-09-01)
TEAMS: dict[str, tuple[str, str, str, str]] = {
    **{f"lev{n}": (f"ek{n}", f"Leverantörsreskontra {n}", f"08-508 29 0{n}1", f"leverantorsreskontra{n}") for n in range(1, 5)},
    **{f"kund{n}": (f"ek{n}", f"Kundreskontra {n}", f"08-508 29 0{n}2", f"kundreskontra{n}") for n in range(1, 5)},
    "redsys0": ("ek4", "Redovisning och systemförvaltning", "08-508 29 043", "redovisning.systemforvaltning"),
    "lev_nord": ("nord", "Leverantörsreskontra Nord", "08-508 29 611", "leverantorsreskontra.nord"),
    "kund_nord": ("nord", "Kundreskontra Nord", "08-508 29 612", "kundreskontra.nord"),
    "lev_vast": ("vast", "Leverantörsreskontra Väst", "08-508 29 621", "leverantorsreskontra.vast"),
    "kund_vast": ("vast", "Kundreskontra Väst", "08-508 29 622", "kundreskontra.vast"),
    "lev_syd": ("syd", "Leverantörsreskontra Syd", "08-508 29 631", "leverantorsreskontra.syd"),
    "kund_syd": ("syd", "Kundreskontra Syd", "08-508 29 632", "kundreskontra.syd"),
    "lev_city": ("city", "Leverantörsreskontra City", "08-508 29 641", "leverantorsreskontra.city"),
    "kund_city": ("city", "Kundreskontra City", "08-508 29 642", "kundreskontra.city"),
    "redov": ("redsys", "Redovisning och anläggning", "08-508 29 651", "redovisning"),
    "sysf": ("redsys", "Systemförvaltning och Tid och projekt", "08-508 29 652", "systemforvaltning"),
    "hyra": ("hyra", "Hyresadministration", "08-508 29 661", "hyresadministration"),
    "avgift": ("hyra", "Avgiftshantering förskola och fritidshem", "08-508 29 662", "avgiftshantering"),
    **{f"lon{n}": ("lp1" if n <= 3 else "lp2", f"Löneteam {n}", f"08-508 29 1{n}0", f"loneteam{n}") for n in range(1, 5)},
    "lon5": ("lp2", "Löneteam 5 (bolag)", "08-508 29 150", "loneteam.bolag"),
    "pension": ("lp2", "Pensionsteam", "08-508 29 160", "pension"),
    "kc0": ("kc0", "Kontaktcenter", "08-508 29 210", "kontaktcenter"),
    "kc_medb": ("kc1", "Medborgarservice", "08-508 29 220", "medborgarservice"),
    "kc_aldre": ("kc2", "Äldre Direkt", "08-508 29 230", "aldredirekt"),
    "kc_vaxel": ("kc3", "Gemensam växel och Tyck till", "08-508 29 240", "vaxel"),
    "uh": ("uh", "Upphandling och avtalsförvaltning", "08-508 29 310", "upphandling"),
    "it": ("it", "IT-support", "08-508 29 410", "itsupport"),
    "na": ("na", "Nämndsekretariat och ekonomi", "08-508 29 510", "administration"),
}
# code: (name, area, owner, valid_from, description)
PROCESSES: dict[str, tuple[str, str, str, D, str]] = {
    "LEV": ("Leverantörsreskontra", "EK", "lena.nystrom", START, "Inköp till betalning: leverantörsfakturor, utbetalningsunderlag, påminnelser."),
    "KUND": ("Kundreskontra", "EK", "mikael.strand", START, "Fakturering till inbetalning: kundfakturor, bevakning, påminnelser, inkasso."),
    "KASSA": ("Kassa-Bank", "EK", "helena.aberg", START, "Stadskassan: in- och utbetalningar, förskottskassor, bankavstämning."),
    "REDOV": ("Redovisning till rapportering", "EK", "jonas.falk", START, "Bokslut, avstämningar, bokföringsorder och interndebitering."),
    "SYSF": ("Systemförvaltning", "EK", "erik.sundin", START, "Löpande systemförvaltning av Agresso och LIS, behörigheter, ingående balanser."),
    "TOP": ("Tid och projekt", "EK", "ulrika.hedlund", START, "Projekt och tidredovisning i Agresso Tid och projekt."),
    "ANL": ("Anläggning", "EK", "enhetschef", START, "Anläggningsredovisning och korttidsinventarier."),
    # VP 2017 is the first document that names these two processes.
    "HYRA": ("Hyresadministration", "EK", "maria.ostlund", D(2017, 1, 1), "Andrahandsuthyrning till brukare, ca 8 800 avtal."),
    "AVGIFT": ("Avgiftshantering förskola/fritidshem", "EK", "nina.karlsson", D(2017, 1, 1), "Avgifter för ca 55 000 familjer, inkomstkontroll för ca 20 000."),
    "LON": ("Lön", "LP", "peter.lund", START, "Löneadministration i Lisa för förvaltningar och bolag."),
    "PENSION": ("Pension", "LP", "annika.dahl", START, "Ålders- och efterlevandepension, avtalsförsäkringar."),
    "KC": ("Kontaktcenter", "KC", "sofia.nilsson", START, "Medborgarkontakt per telefon, e-post och brev; gemensam växel."),
    "UPPH": ("Upphandling", "UH", "henrik.olsson", START, "Central upphandling och avtalsförvaltning."),
    "ITS": ("IT-service", "IT", "magnus.lindgren", START, "Gemensam IT-service för förvaltningarna."),
}  # fmt: skip

# name, short name, economy group (nord/vast/syd/city); VP 2011: "33 stycken, varav 14 är stadsdelsförvaltningar".
DISTRICTS = [
    ("Rinkeby-Kista", "nord"), ("Spånga-Tensta", "nord"), ("Hässelby-Vällingby", "nord"), ("Bromma", "vast"),
    ("Kungsholmen", "city"), ("Norrmalm", "city"), ("Östermalm", "city"), ("Södermalm", "city"),
    ("Enskede-Årsta-Vantör", "syd"), ("Skarpnäck", "syd"), ("Farsta", "syd"), ("Älvsjö", "syd"),
    ("Hägersten-Liljeholmen", "vast"), ("Skärholmen", "vast"),
]  # fmt: skip
SPECIALISTS = [
    ("Socialförvaltningen", "nord"), ("Utbildningsförvaltningen", "vast"), ("Kulturförvaltningen", "vast"),
    ("Idrottsförvaltningen", "vast"), ("Miljöförvaltningen", "syd"), ("Exploateringskontoret", "city"),
    ("Fastighetskontoret", "city"), ("Trafikkontoret", "syd"), ("Stadsbyggnadskontoret", "city"),
    ("Stadsledningskontoret", "city"), ("Arbetsmarknadsförvaltningen", "nord"), ("Äldreförvaltningen", "nord"),
    ("Överförmyndarförvaltningen", "nord"), ("Revisionskontoret", "syd"), ("Kyrkogårdsförvaltningen", "syd"),
    ("Stadsarkivet", "vast"), ("Valnämndens kansli", "nord"), ("Kommunfullmäktiges kansli", "syd"),
    ("Skönhetsrådets kansli", "vast"),
]  # fmt: skip
#: A few customers also have their 2011 agreement.
AGREEMENTS_2011 = ("Rinkeby-Kista", "Bromma", "Socialförvaltningen")
# Companies buy payroll only (VP 2014); they are not among the 33 departments.
COMPANIES = [("Micasa Fastigheter i Stockholm AB", "Micasa"), ("Skolfastigheter i Stockholm AB", "SISAB")]
_GROUP_INDEX = {"nord": 1, "vast": 2, "syd": 3, "city": 4}

FIRST_NAMES = [
    "Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Elin", "Mikael", "Sofia", "Björn", "Emma", "Magnus", "Linnea",
    "Fredrik", "Ingrid", "Hassan", "Leila", "Hanna", "Nils", "Maja", "Gustav", "Ida", "Yusuf", "Camilla", "Patrik", "Jenny",
    "Kristina", "Tomas", "Sanna",
]  # fmt: skip
LAST_NAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson",
    "Pettersson", "Jonsson", "Hansson", "Bengtsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Axelsson",
    "Berglund", "Lundgren", "Mohammed", "Lind", "Holmberg", "Engström", "Öberg", "Sundberg",
]  # fmt: skip
CONTACT_ROLE_EXTRA = [ContactRole.ASSISTANT, ContactRole.MANAGER, ContactRole.ACCOUNTING, None]

# --------------------------------------------------------------------------- services and prices
M, A = ServiceKind.MANDATORY, ServiceKind.ADDON
U = UnitOfMeasure
C = Channel
#: Price columns: the price lists of 2011, 2012, 2014 and 2017.  The current
#: year's list repeats 2017.  None = not in that list.
#:   2011 economy: VP 2011 "Priser 2011"; 2012 economy: VP 2012 "Priser 2012".
#:   2014 payroll: VP 2014 "Prislista 2014".
#:   2017 economy: VP 2017 only says "Serviceförvaltningens prislista finns på
#:   intranätet", so 2017 is *derived*: 2012 piece prices unchanged, hourly
#:   rates indexed about 2 % a year (480 -> 530, 380 -> 420 kr).
#:   Payroll 2011/2012 is *invented* (VB 2011: cost per salary 70 kr, prices
#:   lowered); 2017 repeats 2014.  Contact centre, switchboard, procurement,
#:   IT, rentals and fees are *invented*.
_R_HIGH = ("400", "480", None, "530")  # redovisningsekonom, systemförvaltare / T&P, redovisning, bokslut, avstämningar
_R_LOW = ("360", "380", None, "420")  # ekonomiadministratör / bokföringsorder, interndebitering
_ADDON_HOUR = ((C.STANDARD, "Per timme"),)
# code: (process, name, kind, unit, [(variant code suffix, channel, name, unit or "", (2011, 2012, 2014, 2017), note)])
Variant = tuple[str, str, str, str, tuple[str | None, ...], str]
SERVICES: dict[str, tuple[str, str, str, str, list[Variant]]] = {
    "KUND-FAKTURA": ("KUND", "Kundfaktura", M, U.INVOICE, [
        ("FORSYSTEM", C.UPSTREAM, "Via försystem", "", ("9", "9", None, "9"), ""),
        ("MANUELL", C.MANUAL, "Manuell med eller utan bilaga", "", ("55", "60", None, "60"), ""),
        ("ABONNEMANG", C.SUBSCRIPTION, "Abonnemang", "", (None, "50", None, "50"), ""),
        ("MAKULERAD", C.VOIDED, "Makulerad/delmakulerad", "", ("55", "100", None, "100"), ""),
        ("ATERBETALD", C.REFUNDED, "Återbetald till kund", "", ("55", "100", None, "100"), ""),
    ]),
    "LEV-FAKTURA": ("LEV", "Leverantörsfaktura", M, U.INVOICE, [
        ("ELEKTRONISK", C.ELECTRONIC, "Elektronisk", "", ("16", "15", None, "15"), ""),
        ("MANUELL", C.MANUAL, "Manuell, utbetalningsunderlag", "", ("50", "50", None, "50"), ""),
    ]),
    "LEV-KRAV": ("LEV", "Påminnelse och inkassokrav", M, U.CASE, [
        ("PAMINNELSE", C.STANDARD, "Hantering av påminnelse", "", ("60", "100", None, "100"), ""),
        ("INKASSOKRAV", C.STANDARD, "Hantering av inkassokrav", "", ("100", "100", None, "100"), ""),
    ]),
    "KASSA-BANK": ("KASSA", "Kassa/bank", M, U.CASE, [
        ("FORSKOTT", C.STANDARD, "Hantering av förskottskassa", "", (None, "100", None, "100"), ""),
    ]),
    "SYSF-LOPANDE": ("SYSF", "Löpande systemförvaltning Agresso", M, U.MONTH, [
        ("STANDARD", C.STANDARD, "Per månad", "", ("0", "0", None, "0"), "Ingår i styckpriserna för kund- och leverantörsreskontra."),
    ]),
    "TIM-REDOVISNINGSEKONOM": ("REDOV", "Övriga uppdrag: redovisningsekonom, systemförvaltare", A, U.HOUR, [
        ("TIMME", C.STANDARD, "Per timme", "", _R_HIGH, ""),
    ]),
    "TIM-EKONOMIADMINISTRATOR": ("REDOV", "Övriga uppdrag: ekonomiadministratör", A, U.HOUR, [
        ("TIMME", C.STANDARD, "Per timme", "", _R_LOW, ""),
    ]),
    "ADD-REDOV": ("REDOV", "Redovisning till rapportering inkl. bokslut", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", _R_HIGH, "")]),
    "ADD-AVST-BALANS": ("REDOV", "Avstämning av balanskonton", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", _R_HIGH, "")]),
    "ADD-AVST-INTERN": ("REDOV", "Avstämning av interna mellanhavanden", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", _R_HIGH, "")]),
    "ADD-BOKF": ("REDOV", "Bokföringsorder/interndebitering", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", _R_LOW, "")]),
    "ADD-AMS": ("REDOV", "Rekvisition av AMS-bidrag", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", (None, None, None, "420"), "")]),
    "ADD-EU": ("REDOV", "Stöd till EU-projekt/EU-redovisning", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", (None, None, None, "530"), "")]),
    "ADD-IB": ("SYSF", "Inläsning av ingående balanser", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", _R_HIGH, "")]),
    "ADD-TOP": ("TOP", "Tid och projekt", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", _R_HIGH, "")]),
    "ADD-ANL": ("ANL", "Anläggningsredovisning", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", _R_HIGH, "")]),
    "ADD-KORTTID": ("ANL", "Korttidsinventarier", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", (None, None, None, "420"), "")]),
    "HYRA-ANDRAHAND": ("HYRA", "Hyresadministration av andrahandsuthyrning", M, U.CONTRACT, [
        ("MANAD", C.STANDARD, "Per hyresavtal och månad", "", (None, None, None, "85"), "Pris påhittat för demo."),
    ]),
    "HYRA-TILLAGG": ("HYRA", "Hyresadministration av försöks- och träningslägenheter samt bostäder för nyanlända", A, U.CONTRACT, [
        ("MANAD", C.STANDARD, "Per hyresavtal och månad", "", (None, None, None, "95"), "Pris påhittat för demo."),
    ]),
    "AVGIFT-FAMILJ": ("AVGIFT", "Avgiftshantering förskola och fritidshem", M, U.FAMILY, [
        ("MANAD", C.STANDARD, "Per familj och månad", "", (None, None, None, "11"), "Pris påhittat för demo."),
        ("INKOMSTKONTROLL", C.STANDARD, "Inkomstkontroll", U.CASE, (None, None, None, "60"), "Pris påhittat för demo."),
    ]),
    "LON-LON": ("LON", "Lön/ersättning", M, U.SALARY, [
        ("SJALVSERVICE", C.SELF_SERVICE, "Via Lisa självservice eller Lisa Tid", "", ("62", "60", "57", "57"), ""),
        ("MANUELL", C.MANUAL, "Via manuell rapportering", "", ("118", "114", "110", "110"), "57 + 53 kr"),
        ("AGRESSO", C.UPSTREAM, "Via Agresso", "", (None, None, "190", "190"), "110 + 80 kr per utbetald lön"),
        ("GIROVISION", C.URGENT, "Akut löneutbetalning via Girovision", "", (None, None, "710", "710"), "110 + 600 kr per utbetald lön"),
    ]),
    "LON-LONESKULD": ("LON", "Löneskuld som ej kan kvittas mot lön", M, U.CASE, [
        ("STANDARD", C.STANDARD, "Per löneskuld", "", (None, None, "500", "500"), ""),
    ]),
    "LON-ROLLREG": ("LON", "Underhåll av roll- och organisationsregister i Lisa", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", (None, None, "420", "420"), "")]),
    "LON-UTB": ("LON", "Utbildning, t.ex. i Lisa självservice", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", (None, None, "420", "420"), "")]),
    "LON-OMKONT": ("LON", "Omkontering av registrerade uppgifter i Lisa", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", (None, None, "420", "420"), "")]),
    "LON-RATTNING": ("LON", "Rättning och registrering av redan lönebearbetade händelser i Lisa", A, U.HOUR, [
        ("TIMME", C.STANDARD, "Per timme", "", (None, None, "420", "420"), ""),
    ]),
    "LON-HEDER": ("LON", "Beräkning av tid för hedersbelöning", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", (None, None, "440", "440"), "")]),
    "PENSION-HANDL": ("PENSION", "Pensionshandläggning", M, U.CASE, [
        ("ARENDE", C.STANDARD, "Per pensionsärende", "", ("0", "0", "0", "0"), "Ingår i priset per lön (prislistan 2014 har inget eget pris)."),
    ]),
    # VB 2011: variable per-case prices for förskola and Äldre Direkt, cut by 10 kr
    # per case and service from 1 September 2011 (see KC_MIDYEAR).  Base prices invented.
    "KC-ARENDE": ("KC", "Ärendehantering kontaktcenter", A, U.CASE, [
        ("FORSKOLA", C.STANDARD, "Ärende förskola och fritidshem", "", ("58", "48", None, "48"), "Pris påhittat för demo."),
        ("ALDRE", C.STANDARD, "Ärende äldreomsorg (Äldre Direkt)", "", ("74", "64", None, "64"), "Pris påhittat för demo."),
    ]),
    "KC-VAXEL": ("KC", "Gemensam växel", M, U.CALL, [
        ("SAMTAL", C.STANDARD, "Per besvarat samtal", "", ("4.50", "4.50", None, "4.80"), "Pris påhittat för demo."),
    ]),
    "UPPH-STOD": ("UPPH", "Upphandlingsstöd", A, U.HOUR, [("TIMME", C.STANDARD, "Per timme", "", ("650", "680", None, "750"), "Pris påhittat för demo.")]),
    "ITS-ARBETSPLATS": ("ITS", "IT-arbetsplats", A, U.MONTH, [
        ("MANAD", C.STANDARD, "Per arbetsplats och månad", "", ("320", "320", None, "350"), "Pris påhittat för demo."),
    ]),
}  # fmt: skip
PRICE_YEARS = (2011, 2012, 2014, 2017)
PRICE_LIST_DECISIONS = {  # invented references
    2011: "Servicenämnden 2010-12-14, § 5",
    2012: "Servicenämnden 2011-12-13, § 6",
    2014: "Servicenämnden 2013-12-17, § 7",
    2017: "Servicenämnden 2016-12-13, § 8",
}
#: VB 2011: "Servicenämnden beslutade därför att från den 1 september minska det
#: rörliga priset med 10 kronor per ärende och tjänst" (decided with tertial report 2).
KC_MIDYEAR = D(2011, 9, 1)
KC_MIDYEAR_DECISION = "Servicenämnden 2011-09-20, § 14 (tertialrapport 2)"
KC_MIDYEAR_CUT = Decimal("10")

# --------------------------------------------------------------------------- agreement texts
INTERFACES = {
    "LEV": "Förvaltningen beställer, mottagningsattesterar och beslutsattesterar i Agresso i rätt tid och anger alltid förfallodag på "
    "utbetalningsunderlag. Serviceförvaltningen tar emot e-fakturor, skannar pappersfakturor med ankomststämpel, kontrollerar "
    "attest och betalar på förfallodagen. Ofullständiga underlag returneras med standardbrev som anger vad som saknas och "
    "teamets gruppnummer.",
    "KUND": "Förvaltningen skickar fullständiga underlag för kundfakturor (kund, belopp, kontering, momskod) till "
    "funktionsbrevlådan eller via försystem. Serviceförvaltningen fakturerar, bevakar inbetalningar, skickar påminnelser och "
    "inkassokrav enligt stadens regler. Begäran om anstånd, makulering eller avbetalningsplan hanteras skyndsamt så att "
    "ärendet aldrig går till inkasso.",
    "KASSA": "Förvaltningen beslutar om förskottskassor och utser kassaansvarig. Stadskassan hanterar in- och utbetalningar, "
    "redovisning av förskottskassor och avstämning mot bank.",
    "SYSF": "Serviceförvaltningen sköter löpande systemförvaltning av Agresso: behörigheter, registervård och användarstöd. "
    "Förvaltningen beställer behörigheter på stadens blankett och håller attestförteckningen aktuell.",
    "REDOV": "Serviceförvaltningen utför avtalade redovisningsuppdrag (bokslut, avstämningar, bokföringsorder) enligt en tidplan "
    "som bestäms med förvaltningens controller. Förvaltningen ansvarar för analys och rapportering till sin nämnd.",
    "TOP": "Serviceförvaltningen lägger upp projekt och aktiviteter i Agresso på beställning och stämmer av dem varje månad. "
    "Förvaltningen ansvarar för attesterade beställningar och för att tidrapporteringen är riktig.",
    "ANL": "Serviceförvaltningen aktiverar anläggningstillgångar, bokför avskrivningar och stämmer av anläggningsregistret mot "
    "huvudboken. Förvaltningen anmäler investeringar, utrangeringar och försäljningar på stadens blankett.",
    "HYRA": "Förvaltningen beslutar om andrahandsuthyrning och skickar kontrakt och uppsägningar till funktionsbrevlådan. "
    "Serviceförvaltningen registrerar avtal, aviserar hyror och bevakar betalningar.",
    "AVGIFT": "Förskolan och fritidshemmet rapporterar placeringar och uppsägningar. Serviceförvaltningen debiterar avgifter, gör "
    "inkomstkontroll och besvarar familjernas frågor om avgifter.",
    "LON": "Förvaltningens chefer rapporterar anställningar, avvikelser och tid i Lisa självservice eller Lisa Tid före "
    "brytdatum. Serviceförvaltningen registrerar manuella underlag, kör lön och svarar på frågor i löneservice och chefsstöd. "
    "Ofullständiga underlag returneras med besked om vad som saknas.",
    "PENSION": "Förvaltningen anmäler pensionsavgångar senast tre månader i förväg. Serviceförvaltningen handlägger kommunala "
    "ålders- och efterlevandepensioner enligt gällande pensionsavtal och ansvarar för stadens del av avtalsförsäkringarna.",
    "KC": "Kontaktcenter svarar på frågor från medborgare per telefon, e-post och brev och löser ärendet vid första kontakten "
    "när det går. Ärenden som kontaktcenter inte får lösa lämnas samma dag över till förvaltningens kontaktperson enligt "
    "gränssnittet. Förvaltningen håller informationen i kunskapsdatabasen aktuell.",
}
# process: [(work kind, first response hours, resolution hours)]
LEAD_TIMES: dict[str, list[tuple[str, int | None, int]]] = {
    "LEV": [
        ("E-post till funktionsbrevlådan", DAY, DAY),
        ("Leverantörsfaktura, elektronisk", None, 2 * DAY),
        ("Leverantörsfaktura, manuell/utbetalningsunderlag", None, 3 * DAY),
    ],
    "KUND": [
        ("E-post till funktionsbrevlådan", DAY, DAY),
        ("Kundfaktura, manuell", None, 3 * DAY),
        ("Anstånd, makulering eller avbetalningsplan", 4, DAY),
    ],
    "KASSA": [("Förskottskassa, redovisning", None, 2 * DAY)],
    "SYSF": [("Behörighetsbeställning Agresso", DAY, 3 * DAY)],
    "REDOV": [("Bokföringsorder", None, 3 * DAY)],
    "TOP": [("Nytt projekt i Agresso", DAY, 2 * DAY)],
    "ANL": [("Aktivering av anläggningstillgång", None, 5 * DAY)],
    "HYRA": [("Nytt andrahandskontrakt", DAY, 3 * DAY)],
    "AVGIFT": [("Fråga om avgift", DAY, 2 * DAY)],
    # VP 2014: "Ledtiden för att besvara e-post till funktionsbrevlådorna är ett dygn".
    "LON": [
        ("E-post till funktionsbrevlådan", DAY, DAY),
        ("Manuellt löneunderlag", None, 3 * DAY),
        ("Akut löneutbetalning", 2, DAY),
    ],
    "PENSION": [("Ansökan om ålderspension", DAY, 20 * DAY)],
    "KC": [("Överlämnande till förvaltningen", None, DAY)],
}
OPENING_TEXT = (
    "Ekonomiadministration och Lön och pension: måndag–fredag 08.00–16.30. Kontaktcenter: måndag–fredag 08.00–18.00. "
    "Grupptelefonnummer och funktionsbrevlåda enligt kontaktuppgifterna."
)


def ascii_slug(text: str) -> str:
    """``Enskede-Årsta-Vantör`` -> ``enskede-arsta-vantor``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(ch if ch.isalnum() or ch == "-" else " " for ch in plain.lower()).split())


def org_number(n: int) -> str:
    """A deterministic organisation number ``212000-NNNC`` with a valid Luhn check digit."""
    body = f"212000{(101 + 17 * n) % 1000:03d}"
    return f"{body[:6]}-{body[6:]}{luhn.calc_check_digit(body)}"


def _ensure(model: type[models.Model], keys: tuple[str, ...], rows: Iterable[models.Model]) -> int:
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


class _Loader:
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

    # ----------------------------------------------------------------- people
    def load_users(self) -> None:
        User = get_user_model()
        hashed = make_password(PASSWORD, salt=_DEMO_SALT)
        for username, (first, last, title) in STAFF.items():
            email = f"{ascii_slug(first)}.{ascii_slug(last)}@{STAFF_DOMAIN}"
            self.users[username] = self._user(User, username, first, last, title, email, hashed)
        for username, first, last, title, slug in [
            ("kontakt.rinkeby", "Amina", "Hassan", "Ekonomihandläggare", "rinkeby-kista"),
            ("kontakt.bromma", "Per", "Wallin", "Controller", "bromma"),
        ]:
            email = f"{ascii_slug(first)}.{ascii_slug(last)}@{slug}.stockholm.example"
            self.users[username] = self._user(User, username, first, last, title, email, hashed)
        admin = self.users["admin"]
        if not (admin.is_staff and admin.is_superuser):
            admin.is_staff = admin.is_superuser = True
            admin.save(update_fields=["is_staff", "is_superuser"])

    def _user(self, User: Any, username: str, first: str, last: str, title: str, email: str, hashed: str) -> Any:
        defaults = {"first_name": first, "last_name": last, "title": title, "email": email, "password": hashed}
        user, created = User.objects.get_or_create(username=username, defaults=defaults)
        if not created and (user.password != hashed or not user.is_active):
            user.password, user.is_active = hashed, True  # the printed password must work
            user.save(update_fields=["password", "is_active"])
        return user

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
        self.created += _ensure(OpeningHours, ("area_id", "weekday", "opens"), rows)

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
            n = _GROUP_INDEX[group]
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
        self.created += _ensure(HandlingAssignment, ("customer_id", "process_id", "team_id", "valid_from"), rows)

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
        self.created += _ensure(CustomerContact, ("customer_id", "name"), rows)

    def load_roles(self) -> None:
        by_name = {customer.short_name: customer for customer, _g, _i in self.customers}
        rows = []

        def add(username: str, role: str, *, valid_from: D = START, valid_to: D | None = None, **scope: Any) -> None:
            rows.append(RoleAssignment(user=self.users[username], role=role, valid_from=valid_from, valid_to=valid_to, **scope))

        for unit in self.units.values():
            if unit.manager is not None:
                add(unit.manager.username, Role.UNIT_MANAGER, unit=unit, valid_from=unit.valid_from, valid_to=unit.valid_to)
        for area in self.areas.values():
            if area.head is not None:
                add(area.head.username, Role.HEAD_OF_AREA, area=area)
        for username, old, new in [
            ("handlaggare", "lev1", "lev_nord"),
            ("ahmed.ali", "lev2", "lev_vast"),
            ("lisa.wennberg", "kund3", "kund_syd"),
            ("oskar.blom", "kund4", "kund_city"),
            ("erik.sundin", "redsys0", "sysf"),
            ("ulrika.hedlund", "redsys0", "redov"),
        ]:
            add(username, Role.HANDLER, team=self.teams[old], valid_to=self.teams[old].valid_to)
            add(username, Role.HANDLER, team=self.teams[new], valid_from=self.teams[new].valid_from)
        add("nina.karlsson", Role.HANDLER, team=self.teams["avgift"], valid_from=ECONOMY_REORGANISED)
        add("marie.roos", Role.HANDLER, team=self.teams["lon5"])
        add("goran.vik", Role.HANDLER, team=self.teams["pension"])
        add("controller", Role.CONTROLLER)
        add("admin", Role.SYSADMIN)
        add("kontakt.rinkeby", Role.CUSTOMER_CONTACT, customer=by_name["Rinkeby-Kista"])
        add("kontakt.bromma", Role.CUSTOMER_CONTACT, customer=by_name["Bromma"])
        keys = ("user_id", "role", "area_id", "unit_id", "team_id", "customer_id", "valid_from")
        self.created += _ensure(RoleAssignment, keys, rows)

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
        self.created += _ensure(PriceVersion, ("price_list_id", "variant_id", "valid_from"), rows)

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
        self.created += _ensure(Agreement, ("customer_id", "year"), rows)
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
        self.created += _ensure(AgreementService, ("agreement_id", "service_id", "start"), services)
        self.created += _ensure(InterfaceText, ("agreement_id", "process_id"), interfaces)
        self.created += _ensure(LeadTime, ("agreement_id", "process_id", "work_kind"), leads)
        self.created += _ensure(Deviation, ("agreement_id", "process_id", "description"), deviations)

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


def load_demo_city(*, stdout: IO[str] | None = None) -> list[tuple[str, str, str]]:
    """Load (or complete) the demo city and return the logins to print: (username, password, Swedish description)."""
    loader = _Loader(stdout)
    with transaction.atomic():
        loader.load_users()
        loader.load_organisation()
        loader.load_customers()
        loader.load_roles()
        loader.load_prices()
        loader.load_agreements()
    loader.say(
        f"Demostaden: {len(loader.customers)} kunder, {len(loader.units)} enheter, {len(loader.teams)} team, "
        f"{len(loader.services)} tjänster; {loader.created} nya rader i massinläsningen."
    )
    return [
        ("handlaggare", PASSWORD, "Handläggare, team Leverantörsreskontra Nord (handlägger bl.a. Rinkeby-Kista)"),
        ("enhetschef", PASSWORD, "Enhetschef, Ekonomienhet Nord (kundansvarig för Rinkeby-Kista m.fl.)"),
        ("verksamhetschef", PASSWORD, "Verksamhetschef, Ekonomiadministration"),
        ("controller", PASSWORD, "Controller, hela förvaltningen"),
        ("admin", PASSWORD, "Systemadministratör, hela förvaltningen (även Django admin)"),
        ("kontakt.rinkeby", PASSWORD, "Kundkontakt, Rinkeby-Kista stadsdelsförvaltning"),
        ("kontakt.bromma", PASSWORD, "Kundkontakt, Bromma stadsdelsförvaltning"),
    ]
