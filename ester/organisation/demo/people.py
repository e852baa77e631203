"""The demo city's people: the staff and customer-contact logins and their role assignments.

People, phone numbers and e-mail addresses are made up (``.example`` domains).
Every demo login has the password ``PASSWORD``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from ester.core.access import Role
from ester.organisation.demo.data import ECONOMY_REORGANISED, STAFF_DOMAIN, START, D
from ester.organisation.demo.loader import Loader, ascii_slug, ensure
from ester.organisation.models import RoleAssignment

PASSWORD = "Ester-demo-2026!"
#: A fixed salt (22 characters, > 128 bits) makes the demo password hash the
#: same on every run: the loader can see whether a printed login still has
#: the printed password without hashing once per user (PBKDF2 is slow on
#: purpose).  Only for these demo logins.
_DEMO_SALT = "EsterDemoStadLosenord1"

#: The logins ``load_demo_city`` returns to print: (username, password, Swedish description).
LOGINS = (
    ("handlaggare", PASSWORD, "Handläggare, team Leverantörsreskontra Nord (handlägger bl.a. Rinkeby-Kista)"),
    ("enhetschef", PASSWORD, "Enhetschef, Ekonomienhet Nord (kundansvarig för Rinkeby-Kista m.fl.)"),
    ("verksamhetschef", PASSWORD, "Verksamhetschef, Ekonomiadministration"),
    ("controller", PASSWORD, "Controller, hela förvaltningen"),
    ("admin", PASSWORD, "Systemadministratör, hela förvaltningen (även Django admin)"),
    ("kontakt.rinkeby", PASSWORD, "Kundkontakt, Rinkeby-Kista stadsdelsförvaltning"),
    ("kontakt.bromma", PASSWORD, "Kundkontakt, Bromma stadsdelsförvaltning"),
)

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


def load_users(loader: Loader) -> None:
    """Create the staff and customer-contact logins, all with ``PASSWORD``; make ``admin`` a superuser."""
    User = get_user_model()
    hashed = make_password(PASSWORD, salt=_DEMO_SALT)
    for username, (first, last, title) in STAFF.items():
        email = f"{ascii_slug(first)}.{ascii_slug(last)}@{STAFF_DOMAIN}"
        loader.users[username] = _user(User, username, first, last, title, email, hashed)
    for username, first, last, title, slug in [
        ("kontakt.rinkeby", "Amina", "Hassan", "Ekonomihandläggare", "rinkeby-kista"),
        ("kontakt.bromma", "Per", "Wallin", "Controller", "bromma"),
    ]:
        email = f"{ascii_slug(first)}.{ascii_slug(last)}@{slug}.stockholm.example"
        loader.users[username] = _user(User, username, first, last, title, email, hashed)
    admin = loader.users["admin"]
    if not (admin.is_staff and admin.is_superuser):
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])


def _user(User: Any, username: str, first: str, last: str, title: str, email: str, hashed: str) -> Any:
    defaults = {"first_name": first, "last_name": last, "title": title, "email": email, "password": hashed}
    user, created = User.objects.get_or_create(username=username, defaults=defaults)
    if not created and (user.password != hashed or not user.is_active):
        user.password, user.is_active = hashed, True  # the printed password must work
        user.save(update_fields=["password", "is_active"])
    return user


def load_roles(loader: Loader) -> None:
    """The role assignments: managers and heads from the organisation, some handlers, controller, admin, contacts."""
    by_name = {customer.short_name: customer for customer, _g, _i in loader.customers}
    rows = []

    def add(username: str, role: str, *, valid_from: D = START, valid_to: D | None = None, **scope: Any) -> None:
        rows.append(RoleAssignment(user=loader.users[username], role=role, valid_from=valid_from, valid_to=valid_to, **scope))

    for unit in loader.units.values():
        if unit.manager is not None:
            add(unit.manager.username, Role.UNIT_MANAGER, unit=unit, valid_from=unit.valid_from, valid_to=unit.valid_to)
    for area in loader.areas.values():
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
        add(username, Role.HANDLER, team=loader.teams[old], valid_to=loader.teams[old].valid_to)
        add(username, Role.HANDLER, team=loader.teams[new], valid_from=loader.teams[new].valid_from)
    add("nina.karlsson", Role.HANDLER, team=loader.teams["avgift"], valid_from=ECONOMY_REORGANISED)
    add("marie.roos", Role.HANDLER, team=loader.teams["lon5"])
    add("goran.vik", Role.HANDLER, team=loader.teams["pension"])
    add("controller", Role.CONTROLLER)
    add("admin", Role.SYSADMIN)
    add("kontakt.rinkeby", Role.CUSTOMER_CONTACT, customer=by_name["Rinkeby-Kista"])
    add("kontakt.bromma", Role.CUSTOMER_CONTACT, customer=by_name["Bromma"])
    keys = ("user_id", "role", "area_id", "unit_id", "team_id", "customer_id", "valid_from")
    loader.created += ensure(RoleAssignment, keys, rows)
