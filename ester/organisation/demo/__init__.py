"""The demo city: the service administration (Serviceförvaltningen) of a Swedish city, 2011 to today.

``load_demo_city()`` fills an empty database with an organisation, 33 customer
departments (+ 2 city-owned companies), the service catalogue, price lists and
service agreements, and a handful of logins, and returns the logins to print.

The package: ``data`` holds the static tables (organisation, customers,
services, prices, agreement texts) and their sources, ``people`` the logins
and role assignments, ``loader`` the code that writes the other rows.

The loader is idempotent: rows are found by natural keys (codes, names, dates)
and only missing rows are created, all in one transaction, so a second call
changes nothing.  It writes rows directly through the ORM — this is a data
loader, not a use case, so it writes no audit entries.
"""

from __future__ import annotations

from typing import IO

from django.db import transaction

from ester.intake.demo import load_demo_mail, load_demo_mailboxes
from ester.organisation.demo.cases import load_cases
from ester.organisation.demo.loader import Loader
from ester.organisation.demo.people import LOGINS, PASSWORD, load_roles, load_users

__all__ = ["PASSWORD", "load_demo_city"]


def load_demo_city(*, stdout: IO[str] | None = None) -> list[tuple[str, str, str]]:
    """Load (or complete) the demo city and return the logins to print: (username, password, Swedish description)."""
    loader = Loader(stdout)
    with transaction.atomic():
        load_users(loader)
        loader.load_organisation()
        loader.load_customers()
        load_roles(loader)
        loader.load_prices()
        loader.load_agreements()
        load_cases(loader)  # case types, return reasons, letters; the case history once
        load_demo_mailboxes()  # intake: one functional mailbox per customer
        load_demo_mail()  # and a few hours' mail taken in by the pipeline, once
    loader.say(
        f"Demostaden: {len(loader.customers)} kunder, {len(loader.units)} enheter, {len(loader.teams)} team, "
        f"{len(loader.services)} tjänster; {loader.created} nya rader i massinläsningen."
    )
    return list(LOGINS)
