"""The demo city's static tables: dates, organisation, customers, services, prices and agreement texts.

Sources: the customer's own documents in ``/work/shared/reference`` — the
economy business plans 2011 (VP 2011), 2012 (VP 2012) and 2017 (VP 2017), the
payroll business plan 2014 (VP 2014) and the board's annual report 2011
(VB 2011).  Every price taken from them is marked with its source below; every
invented figure is marked *invented*.  Phone numbers and e-mail addresses are
made up (``.example`` domains).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from ester.agreements.choices import Channel, ServiceKind, UnitOfMeasure
from ester.organisation.choices import ContactRole

D = datetime.date
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

# --------------------------------------------------------------------------- organisation
# Heads, managers and owners are usernames in ``people.STAFF``.
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

# --------------------------------------------------------------------------- customers
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
GROUP_INDEX = {"nord": 1, "vast": 2, "syd": 3, "city": 4}

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
