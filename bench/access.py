"""Benchmark: scoped customer list and API list with 10 000 customers and 50 000 role assignments.

Prints, per persona, the number of SQL queries per request (must be the
same at every data size) and the median / p95 server time.  Runs on SQLite
by default, on PostgreSQL when ESTER_DATABASE_URL is set (a throw-away test
database is created and dropped either way).

    .venv/bin/python bench/access.py [--customers 10000] [--assignments 50000] [--requests 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ESTER_DEBUG", "1")
os.environ.setdefault("ESTER_TASK_BACKEND", "immediate")

import django

django.setup()

import datetime  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from django.urls import reverse  # noqa: E402

START = datetime.date(2011, 1, 1)


def build(customers: int, assignments: int) -> dict[str, object]:
    from stdnum import luhn

    from ester.accounts.models import User
    from ester.core.access import Role
    from ester.organisation.models import Area, Customer, HandlingAssignment, Process, RoleAssignment, Team, Unit

    area = Area.objects.create(code="EK", name="Ekonomiadministration", valid_from=START)
    units = Unit.objects.bulk_create([Unit(area=area, name=f"Enhet {i}", valid_from=START) for i in range(50)])
    teams = Team.objects.bulk_create([Team(unit=units[i % 50], name=f"Team {i}", valid_from=START) for i in range(200)])
    processes = Process.objects.bulk_create(
        [Process(area=area, code=code, name=code, valid_from=START) for code in ("LEV", "KUND", "KASSA")]
    )

    def orgnr(n: int) -> str:
        body = f"21{n:07d}"
        return f"{body[:6]}-{body[6:]}{luhn.calc_check_digit(body)}"

    rows = [
        Customer(
            name=f"Förvaltning {i:05d}",
            kind="fackforvaltning",
            org_number=orgnr(i),
            responsible_unit=units[i % 50],
            valid_from=START,
        )
        for i in range(customers)
    ]
    created = Customer.objects.bulk_create(rows, batch_size=2000)
    HandlingAssignment.objects.bulk_create(
        [
            HandlingAssignment(customer=c, process=p, team=teams[(i + j) % 200], valid_from=START)
            for i, c in enumerate(created)
            for j, p in enumerate(processes)
        ],
        batch_size=5000,
    )
    users = User.objects.bulk_create([User(username=f"u{i}", password="!") for i in range(assignments // 5)], batch_size=5000)
    ras = []
    for i in range(assignments):
        user = users[i % len(users)]
        kind = i % 10
        if kind < 6:
            ras.append(RoleAssignment(user=user, role=Role.CUSTOMER_CONTACT, customer=created[i % customers], valid_from=START))
        elif kind < 9:
            ras.append(RoleAssignment(user=user, role=Role.HANDLER, team=teams[i % 200], valid_from=START))
        else:
            ras.append(RoleAssignment(user=user, role=Role.UNIT_MANAGER, unit=units[i % 50], valid_from=START))
    RoleAssignment.objects.bulk_create(ras, batch_size=5000)

    personas = {}
    for name, role, scope in (
        ("handläggare (team)", Role.HANDLER, {"team": teams[7]}),
        ("enhetschef (enhet)", Role.UNIT_MANAGER, {"unit": units[3]}),
        ("controller (global)", Role.CONTROLLER, {}),
        ("kundkontakt (kund)", Role.CUSTOMER_CONTACT, {"customer": created[42]}),
    ):
        user = User.objects.create(username=f"bench-{role}")
        RoleAssignment.objects.create(user=user, role=role, valid_from=START, **scope)
        personas[name] = user
    return personas


def measure(client: Client, url: str, n: int) -> tuple[int, float, float, int]:
    times, queries, status = [], [], 0
    for _ in range(n):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        status = response.status_code
        queries.append(len(ctx))
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    assert len(set(queries)) == 1, f"query count varies between identical requests: {queries}"
    return queries[0], statistics.median(times), p95, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--assignments", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    settings.DEBUG = False
    old = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"database: {connection.vendor}")
        results: dict[tuple[str, str], list[tuple[int, int, float, float, int]]] = {}
        from ester.organisation.models import Customer, RoleAssignment

        for size in (args.customers // 10, args.customers):
            from django.core.management import call_command

            call_command("flush", interactive=False, verbosity=0)
            t0 = time.perf_counter()
            personas = build(size, args.assignments * size // args.customers)
            print(
                f"\n{Customer.objects.count():>6} customers, {RoleAssignment.objects.count():>6} role assignments "
                f"(built in {time.perf_counter() - t0:.1f} s)"
            )
            print(f"{'persona':<22} {'page':<16} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'status':>6}")
            for name, user in personas.items():
                client = Client()
                client.force_login(user)
                pages = [("API /customers/", reverse("api-customer-list") + "?limit=100")]
                if "kundkontakt" not in name:
                    pages.insert(0, ("kundregister", reverse("organisation:customer-list")))
                for label, url in pages:
                    q, med, p95, status = measure(client, url, args.requests)
                    results.setdefault((name, label), []).append((size, q, med, p95, status))
                    print(f"{name:<22} {label:<16} {q:>7} {med:>10.1f} {p95:>8.1f} {status:>6}")
        print("\nqueries per request at each size (must be equal):")
        constant = True
        for (name, label), rows in results.items():
            counts = [r[1] for r in rows]
            constant &= len(set(counts)) == 1
            print(f"  {name:<22} {label:<16} {' → '.join(str(c) for c in counts)}")
        print("constant query count:", "yes" if constant else "NO")
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
