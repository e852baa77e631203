"""Benchmark: cases at scale — team queue, word search, case detail, registrations, memory.

Loads the demo city, then bulk-inserts N cases (several timeline events each,
a document for some) over the demo customers with the search triggers off
(``search_index_suspended``: the index is rebuilt once at the end), and
prints for the current database, at a small size and at N: queries per
request and median / p95 server time of

* the team queue page (``cases:workspace``, the team's open cases by due
  time; the selector query when the page does not exist),
* word searches through ``ester.cases.search.search_cases``,
* the case detail page (``cases:detail``; else case + timeline + documents),

then cases registered per second through ``case_register`` (1 000, search
triggers on, the acknowledgement enqueued as in production) and the peak
memory of the process.  Runs on SQLite by default, on PostgreSQL when
ESTER_DATABASE_URL is set; a throw-away test database is created and dropped.

    .venv/bin/python bench/cases.py [--cases 1000000] [--small 10000] [--requests 30] [--registrations 1000] [--keep]

``--keep`` leaves the loaded database; ``--measure DATABASE`` measures the requests
again on such a database without loading anything (a SQLite file path, or a
PostgreSQL database name on the server of ESTER_DATABASE_URL), e.g. after a change
to a query or on an idle machine:

    .venv/bin/python bench/cases.py --measure var/test-ester-1234.sqlite3
    ESTER_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ester_bench .venv/bin/python bench/cases.py --measure test_ester_bench
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ESTER_DEBUG", "1")
os.environ.setdefault("ESTER_TASK_BACKEND", "database")  # as in production: registration enqueues the receipt

import django

django.setup()

import datetime  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

UTC = datetime.UTC
SEED = 20260401
BATCH = 20_000

# --- words ------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


SUPPLIERS = [
    f"{a}{b} AB"
    for a in _words(
        "Telia Skanska Dustin Atea Lyreco Staples Coor ISS Sodexo Securitas Bravida Assemblin Caverion Ramirent Cramo "
        "Ahlsell Onninen Elektroskandia Bergendahls Martin&Servera Menigo Svensk Cater Tele2 Telenor Ricoh Canon Konica "
        "Tieto CGI Visma Evry Sogeti Knowit Softronic Office Depot Papyrus Antalis Bring Postnord Schenker"
    )
    for b in ("", " Sverige", " Nordic", " Stockholm", " Service", " Norr", " Syd")
]
FIRST = _words(
    "Anna Eva Maria Karin Sara Lena Kerstin Emma Ingrid Marie Lars Mikael Anders Johan Erik Per Karl Peter Thomas Jan Amina Ali Omar Fatima Yusuf Leila Hassan Sofia Nils Oskar"
)
LAST = _words(
    "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Pettersson Jonsson Jansson Hansson Bengtsson Lindberg Lindqvist Holm Berg Sandberg Ali Hassan Mohammed Nyström Åberg Öberg Wikström Falk Strand Lund"
)
KINDS = [
    ("Leverantörsfaktura", "faktura"),
    ("Påminnelse", "påminnelse"),
    ("Utbetalningsunderlag", "utbetalning"),
    ("Anstånd med betalning", "anstånd"),
    ("Makulering av faktura", "makulering"),
    ("Avbetalningsplan", "avbetalningsplan"),
    ("Fråga om faktura", "fråga"),
    ("Lönerapport", "lönerapport"),
    ("Nyanställning", "anställningsavtal"),
    ("Avslut av anställning", "avslut"),
    ("Pensionsansökan", "pensionsansökan"),
    ("Kundfaktura att skicka", "kundfaktura"),
]
PHRASES = [
    "Attest saknas på fakturan och kontering behöver kompletteras.",
    "Förfallodatum har passerat, leverantören har skickat påminnelse med avgift.",
    "Beställaren har godkänt leveransen, fakturan kan betalas.",
    "Fakturan är ställd till fel förvaltning och ska skickas tillbaka.",
    "Beloppet stämmer inte med avtalet, kontrollera prislistan.",
    "Underlaget kom med post och har skannats in.",
    "Kunden vill dela upp betalningen på sex månader.",
    "Ny medarbetare börjar första måndagen i nästa månad.",
    "Semesterersättning ska betalas ut med sista lönen.",
    "Ansökan om tjänstepension enligt kollektivavtalet.",
    "Rättelse av tidigare utbetalning, dubbelbetalning upptäckt vid avstämning.",
    "Momsen är felaktigt beräknad på delbetalningen.",
]
NOTES = [
    "Kontrollerat attest med {person}.",
    "Ringt {person}, återkommer i morgon.",
    "Väntar på besked från beställaren om kontering.",
    "Dubbelkollat mot leverantörsreskontran, ingen tidigare betalning.",
    "Stämt av med {person} på enheten.",
]
REPLIES = [
    "Hej! Vi har tagit emot ert underlag från {supplier} och handlägger det nu. Vänliga hälsningar",
    "Hej! Fakturan från {supplier} är betald. Vänliga hälsningar",
    "Hej! Vi behöver attest från beställaren innan vi kan betala {supplier}.",
]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _supplier(rng: random.Random) -> str:
    # Zipf-like: a few suppliers are everywhere, most are rare.
    return SUPPLIERS[min(int(rng.paretovariate(1.2)) - 1, len(SUPPLIERS) - 1) * 7 % len(SUPPLIERS)]


# --- the data set ---------------------------------------------------------------------------


class Columns:
    """INSERT columns of a model from its concrete fields, with each default prepared once, so
    a field added to the model by someone else still gets a value."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        # Generated columns (the queues' open_team_id …) are the database's to fill.
        self.fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
        self.names = [f.column for f in self.fields]
        self.defaults: dict[str, Any] = {}
        for f in self.fields:
            default = f.get_default()
            self.defaults[f.attname] = None if default is None else f.get_db_prep_save(default, connection)
        self.attnames = [f.attname for f in self.fields]

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(values[a] if a in values else self.defaults[a] for a in self.attnames)


def _dt(value: datetime.datetime | None) -> Any:
    """How the backend stores a datetime: naive UTC text on SQLite, the aware value for COPY."""
    if value is None or connection.vendor == "postgresql":
        return value
    return str(value.astimezone(UTC).replace(tzinfo=None))


class World:
    """The demo city's cast for the benchmark: customer/case type/team triples, handlers, personas."""

    def __init__(self) -> None:
        from ester.accounts.models import User
        from ester.cases.models import CaseNumberSequence, CaseType
        from ester.core.access import Role
        from ester.organisation.models import HandlingAssignment, Process, RoleAssignment

        today = timezone.localdate()
        if not CaseType.objects.exists():
            for process in Process.objects.all():
                CaseType.objects.create(process=process, code=f"BENCH-{process.code}", name=f"Underlag {process.name}")
        types_by_process: dict[int, list[Any]] = {}
        for case_type in CaseType.objects.filter(active=True).select_related("process__area"):
            types_by_process.setdefault(case_type.process_id, []).append(case_type)
        self.triples = [
            (ha.customer, case_type, ha.team)
            for ha in HandlingAssignment.objects.valid_on(today).select_related("customer", "team")
            for case_type in types_by_process.get(ha.process_id, [])
        ]
        assert self.triples, "the demo city has no handling assignments"
        handler_ids = list(RoleAssignment.objects.filter(role=Role.HANDLER).values_list("user_id", flat=True))
        self.handlers_by_team: dict[int, list[int]] = {}
        for team_id, user_id in RoleAssignment.objects.filter(role=Role.HANDLER, team__isnull=False).values_list(
            "team_id", "user_id"
        ):
            self.handlers_by_team.setdefault(team_id, []).append(user_id)
        self.any_handlers = handler_ids or list(User.objects.values_list("pk", flat=True)[:5])
        self.handler = User.objects.get(username="handlaggare")
        self.contact = User.objects.get(username="kontakt.rinkeby")
        self.controller = User.objects.get(username="controller")
        self.team = RoleAssignment.objects.filter(user=self.handler, role=Role.HANDLER).valid_on(today).get().team
        self.numbers: dict[tuple[int, int], int] = {
            (area_id, year): last for area_id, year, last in CaseNumberSequence.objects.values_list("area_id", "year", "last")
        }


def generate(
    world: World, first: tuple[int, int, int], count: int, rng: random.Random
) -> Iterator[tuple[list[tuple], list[tuple], list[tuple]]]:
    """Batches of (case rows, event rows, document rows); ids from ``first`` (case, event,
    document), received over the last ten years."""
    from ester.cases.choices import CaseChannel, CaseStatus, EventKind
    from ester.cases.models import Case, CaseDocument, CaseEvent

    cases_c, events_c, docs_c = Columns(Case), Columns(CaseEvent), Columns(CaseDocument)
    now = timezone.now()
    start = now - datetime.timedelta(days=3650)
    span = (now - start).total_seconds()
    channels = [c for c in CaseChannel.values]
    first_case, event_id, doc_id = first
    cases: list[tuple] = []
    events: list[tuple] = []
    docs: list[tuple] = []
    for i in range(count):
        case_id = first_case + i
        customer, case_type, team = world.triples[rng.randrange(len(world.triples))]
        received = start + datetime.timedelta(seconds=span * rng.random())
        age = now - received
        year = timezone.localtime(received).year
        key = (case_type.process.area_id, year)
        world.numbers[key] = world.numbers.get(key, 0) + 1
        number = f"{case_type.process.area.code}-{year}-{world.numbers[key]:06d}"
        kind, word = KINDS[rng.randrange(len(KINDS))]
        supplier = _supplier(rng)
        sender = _person(rng)
        invoice = rng.randrange(10_000, 9_999_999)
        subject = f"{kind} {supplier} nr {invoice}"
        description = f"{rng.choice(PHRASES)} {rng.choice(PHRASES)} Avser {word} {invoice} från {supplier}."
        handlers = world.handlers_by_team.get(team.pk) or world.any_handlers
        assignee = rng.choice(handlers)
        recent = age < datetime.timedelta(days=45)
        is_open = (recent and rng.random() < 0.8) or rng.random() < 0.004
        if is_open:
            status = rng.choice((CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.IN_PROGRESS, CaseStatus.WAITING))
            assignee_id = None if status == CaseStatus.NEW else assignee
            resolved = None
        else:
            status, assignee_id = CaseStatus.CLOSED, assignee
            resolved = received + datetime.timedelta(hours=rng.randrange(2, 200))
        due = received + datetime.timedelta(hours=rng.randrange(24, 120))
        cases.append(
            cases_c.row(
                {
                    "id": case_id,
                    "number": number,
                    "area_id": case_type.process.area_id,
                    "customer_id": customer.pk,
                    "process_id": case_type.process_id,
                    "case_type_id": case_type.pk,
                    "channel": channels[i % len(channels)],
                    "sender_name": sender,
                    "sender_email": f"{sender.split()[0].lower()}@{customer.pk}.stockholm.example",
                    "subject": subject[:300],
                    "description": description,
                    "received_at": _dt(received),
                    "registered_at": _dt(received),
                    "status": status,
                    "urgent": case_type.urgent,
                    "team_id": team.pk,
                    "assignee_id": assignee_id,
                    "due_at": _dt(due),
                    "first_response_at": _dt(received + datetime.timedelta(hours=3)),
                    "paused_since": _dt(received) if status == CaseStatus.WAITING else None,
                    "resolved_at": _dt(resolved),
                    "updated_at": _dt(resolved or received),
                    "fields": "{}",
                }
            )
        )
        at = received + datetime.timedelta(minutes=1)
        timeline: list[tuple[str, bool, str, int | None]] = [(EventKind.CREATED, False, subject, None)]
        if assignee_id or not is_open:
            timeline.append((EventKind.ASSIGNED, True, "", assignee))
        if rng.random() < 0.6:
            timeline.append((EventKind.NOTE, True, rng.choice(NOTES).format(person=_person(rng)), assignee))
        if rng.random() < 0.7:
            timeline.append((EventKind.MESSAGE_OUT, False, rng.choice(REPLIES).format(supplier=supplier), assignee))
        if rng.random() < 0.3:
            timeline.append((EventKind.MESSAGE_IN, False, f"Bifogar kompletterande underlag för {word} {invoice}.", None))
        if not is_open:
            timeline.append((EventKind.CLOSED, False, "Klart.", assignee))
        for kind_, internal, text, actor in timeline:
            events.append(
                events_c.row(
                    {
                        "id": event_id,
                        "case_id": case_id,
                        "at": _dt(at),
                        "actor_id": actor,
                        "kind": kind_,
                        "internal": internal,
                        "text": text,
                        "payload": "{}",
                    }
                )
            )
            event_id += 1
            at += datetime.timedelta(minutes=rng.randrange(5, 600))
        if rng.random() < 0.4:
            docs.append(
                docs_c.row(
                    {
                        "id": doc_id,
                        "case_id": case_id,
                        "file": f"cases/bench/{doc_id}",
                        "original_name": f"{word}_{invoice}_{supplier.split()[0].lower()}.pdf",
                        "content_type": "application/pdf",
                        "size": 50_000 + doc_id % 100_000,
                        "sha256": f"{doc_id:064x}",
                        "internal": rng.random() < 0.1,
                        "uploaded_at": _dt(received),
                        "uploaded_by_id": None,
                    }
                )
            )
            doc_id += 1
        if len(cases) >= BATCH:
            yield cases, events, docs
            cases, events, docs = [], [], []
    if cases:
        yield cases, events, docs


def _insert(table: str, names: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in names)
            cursor.cursor.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)


def load(world: World, count: int, rng: random.Random) -> tuple[int, int, float, float]:
    """Insert ``count`` more cases; (cases, events, seconds to load, seconds to index)."""
    from ester.cases.models import Case, CaseDocument, CaseEvent, CaseNumberSequence
    from ester.cases.search import search_index_suspended

    first = tuple((m.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1 for m in (Case, CaseEvent, CaseDocument))
    n_events = 0
    t0 = time.perf_counter()
    indexed_at = t0
    cases_c, events_c, docs_c = Columns(Case), Columns(CaseEvent), Columns(CaseDocument)
    # A throw-away database and rows that are consistent by construction: the usual bulk-load
    # shortcuts (no fsync on SQLite; no foreign-key trigger per row on PostgreSQL).
    session = {
        "sqlite": ("PRAGMA synchronous = OFF", "PRAGMA synchronous = NORMAL"),
        "postgresql": ("SET session_replication_role = replica", "RESET session_replication_role"),
    }[connection.vendor]
    with search_index_suspended():
        with connection.cursor() as cursor:
            cursor.execute(session[0])
        try:
            for cases, events, docs in generate(world, first, count, rng):  # type: ignore[arg-type]
                with transaction.atomic():
                    _insert(Case._meta.db_table, cases_c.names, cases)
                    _insert(CaseEvent._meta.db_table, events_c.names, events)
                    _insert(CaseDocument._meta.db_table, docs_c.names, docs)
                n_events += len(events)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(session[1])
        indexed_at = time.perf_counter()
    t_index = time.perf_counter() - indexed_at
    for (area_id, year), last in world.numbers.items():
        CaseNumberSequence.objects.update_or_create(area_id=area_id, year=year, defaults={"last": last})
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for model in (Case, CaseEvent, CaseDocument):
                table = model._meta.db_table
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load: hint bits, visibility map, statistics
        else:
            cursor.execute("ANALYZE")
    return count, n_events, indexed_at - t0, t_index


# --- measuring -------------------------------------------------------------------------------


def measure(call: Callable[[int], Any], n: int) -> tuple[str, float, float, float, str]:
    """(queries per call, median ms, p95 ms, slowest first call ms, results of the last call).

    A first pass asks each distinct request once (the probes repeat every 10 at most):
    those are the cold figures — pages not yet in PostgreSQL's or SQLite's cache, or in
    the operating system's, which on this machine keeps little of a 2.5 GB database.
    Then ``n`` calls are timed warm."""
    cold = []
    for i in range(10):
        t0 = time.perf_counter()
        call(i)
        cold.append((time.perf_counter() - t0) * 1000)
    times, queries = [], []
    result: Any = None
    for i in range(n):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            result = call(i)
            times.append((time.perf_counter() - t0) * 1000)
        queries.append(len(ctx))
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    count = str(min(queries)) if min(queries) == max(queries) else f"{min(queries)}-{max(queries)}"
    return count, statistics.median(times), p95, max(cold), str(len(result)) if isinstance(result, list) else ""


def pages_exist() -> bool:
    try:
        reverse("cases:workspace")
        reverse("cases:detail", args=[1])
    except NoReverseMatch:
        return False
    return True


class Probes:
    """What the requests ask for, picked once at the first size and asked again at every
    size: cases of the handler's team to open, and words that occur in cases the
    handler and the contact can see (so each search finds something at every size)."""

    def __init__(self, world: World) -> None:
        from ester.cases.models import Case

        mine = Case.objects.visible_to(world.handler).filter(team=world.team).order_by("-pk")
        self.detail_ids = list(mine.values_list("pk", flat=True)[:200:20])  # ten
        self.numbers = list(Case.objects.filter(pk__in=self.detail_ids).values_list("number", flat=True))
        self.senders = list(mine.values_list("sender_name", flat=True)[:10])
        self.suppliers = [self.supplier(s) for s in mine.values_list("subject", flat=True)[:10]]
        theirs = Case.objects.visible_to(world.contact).order_by("-pk")
        self.contact_suppliers = [self.supplier(s) for s in theirs.values_list("subject", flat=True)[:10]]

    @staticmethod
    def supplier(subject: str) -> str:
        """ "Påminnelse Ricoh Norr AB nr 4711" → "Ricoh Norr"."""
        for label, _word in KINDS:
            if subject.startswith(label + " "):
                return subject[len(label) + 1 :].split(" AB nr ")[0]
        return subject.split()[1]


def scenarios(world: World, probes: Probes, use_pages: bool) -> list[tuple[str, Callable[[int], Any]]]:
    from ester.cases.choices import OPEN_STATUSES
    from ester.cases.models import Case
    from ester.cases.search import search_cases
    from ester.core.access import forget_scope

    def search(user: Any, query: str) -> Any:
        forget_scope(user)  # as in a request: the user's scope is looked up afresh
        return search_cases(user, query)

    handler = world.handler
    detail_ids, numbers = probes.detail_ids, probes.numbers
    senders, suppliers, contact_suppliers = probes.senders, probes.suppliers, probes.contact_suppliers
    result: list[tuple[str, Callable[[int], Any]]] = []
    client = Client()
    client.force_login(handler)

    def ok(response: Any) -> Any:
        assert response.status_code == 200, response.status_code
        return response

    if use_pages:
        queue_url = reverse("cases:workspace") + f"?ko=alla&team={world.team.pk}"
        result.append(("kö: teamets öppna (sida)", lambda i: ok(client.get(queue_url))))
        result.append(
            ("ärende (sida)", lambda i: ok(client.get(reverse("cases:detail", args=[detail_ids[i % len(detail_ids)]]))))
        )
    else:

        def queue(i: int) -> Any:
            return list(
                Case.objects.visible_to(handler)
                .filter(team=world.team, status__in=OPEN_STATUSES)
                .select_related("customer", "case_type", "assignee", "team")
                .order_by("-urgent", models.F("due_at").asc(nulls_last=True), "received_at", "id")[:50]
            )

        def detail(i: int) -> Any:
            from ester.core.access import access_object

            case = access_object(
                Case.objects.select_related("customer", "case_type", "assignee", "team"), handler, detail_ids[i % len(detail_ids)]
            )
            return case, list(case.events.visible_to(handler).select_related("actor")), list(case.documents.visible_to(handler))

        result.append(("kö: teamets öppna (selektor)", queue))
        result.append(("ärende (selektorer)", detail))
    result += [
        ("sök leverantör (handl.)", lambda i: search(handler, suppliers[i % len(suppliers)])),
        ("sök avsändare (handl.)", lambda i: search(handler, senders[i % len(senders)])),
        ("sök 'fakturor' (handl.)", lambda i: search(handler, ["fakturor", "påminnelser", "attesten"][i % 3])),
        ("sök nummer (handl.)", lambda i: search(handler, numbers[i % len(numbers)])),
        ("sök leverantör (kontakt)", lambda i: search(world.contact, contact_suppliers[i % len(contact_suppliers)])),
        ("sök leverantör (controller)", lambda i: search(world.controller, suppliers[i % len(suppliers)])),
        ("sök 'faktura' (controller)", lambda i: search(world.controller, "faktura")),
    ]
    return result


def register(world: World, n: int) -> float:
    from ester.cases import services
    from ester.cases.choices import CaseChannel

    rng = random.Random(SEED + 1)
    own = [(c, t) for c, t, team in world.triples if team.pk == world.team.pk] or [(c, t) for c, t, _team in world.triples]
    t0 = time.perf_counter()
    for i in range(n):
        customer, case_type = own[i % len(own)]
        services.case_register(
            actor=world.handler,
            customer=customer,
            case_type=case_type,
            channel=CaseChannel.EMAIL,
            sender_name=_person(rng),
            subject=f"Leverantörsfaktura {_supplier(rng)} nr {rng.randrange(10_000, 9_999_999)}",
            description=rng.choice(PHRASES),
        )
    return n / (time.perf_counter() - t0)


def measure_kept(database: str, requests: int) -> None:
    """The requests of ``scenarios`` on a kept database, nothing written."""
    from ester.cases.models import Case

    settings.DEBUG = False
    connection.close()
    connection.settings_dict["NAME"] = str(Path(database).resolve()) if connection.vendor == "sqlite" else database
    world = World()
    probes = Probes(world)
    print(f"database: {connection.vendor} {database}; {Case.objects.count():,} cases, {db_size()}")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"{'request':<32} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'cold max':>9} {'hits':>5}")
    for label, call in scenarios(world, probes, pages_exist()):
        q, med, p95, cold, hits = measure(call, requests)
        print(f"{label:<32} {q:>7} {med:>10.1f} {p95:>8.1f} {cold:>9.1f} {hits:>5}")


def db_size() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
        else:
            cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        return f"{cursor.fetchone()[0] / 2**30:.2f} GB"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000, help="the first size measured (query counts must match)")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--registrations", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the test database (to look into it); drop it yourself")
    parser.add_argument("--measure", metavar="DATABASE", help="only measure the requests on a database kept by --keep")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if args.measure:
        measure_kept(args.measure, args.requests)
        return

    settings.DEBUG = False
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from ester.organisation.demo import load_demo_city

        print(f"database: {connection.vendor}")
        t0 = time.perf_counter()
        load_demo_city()
        world = World()
        print(f"demo city loaded in {time.perf_counter() - t0:.1f} s; {len(world.triples)} customer/case type pairs")
        use_pages = pages_exist()
        if not use_pages:
            print("cases:workspace / cases:detail do not exist: measuring the equivalent selector queries")
        rng = random.Random(SEED)
        counts: dict[str, list[str]] = {}
        loaded = 0
        probes: Probes | None = None
        for size in sorted({min(args.small, args.cases), args.cases}):
            n, n_events, t_load, t_index = load(world, size - loaded, rng)
            loaded = size
            print(
                f"\n{size:,} cases: +{n:,} cases and {n_events:,} events in {t_load:.1f} s "
                f"({n / t_load:,.0f} cases/s, {n_events / t_load:,.0f} events/s); search index rebuilt in {t_index:.1f} s; "
                f"database {db_size()}"
            )
            probes = probes or Probes(world)
            print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
            print(f"{'request':<32} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'cold max':>9} {'hits':>5}")
            for label, call in scenarios(world, probes, use_pages):
                q, med, p95, cold, hits = measure(call, args.requests)
                counts.setdefault(label, []).append(q)
                print(f"{label:<32} {q:>7} {med:>10.1f} {p95:>8.1f} {cold:>9.1f} {hits:>5}")
        print("\nqueries per request at each size (must be equal):")
        for label, seen in counts.items():
            print(f"  {label:<32} {' → '.join(str(c) for c in seen)}")
        print("constant query count:", "yes" if all(len(set(c)) == 1 for c in counts.values()) else "NO")
        rate = register(world, args.registrations)
        print(f"\ncase_register: {rate:.0f} cases/s ({args.registrations} registrations at {loaded:,} cases, search triggers on)")
        print(f"peak memory (ru_maxrss): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        if args.keep:
            print(f"kept the test database {connection.settings_dict['NAME']}")
        else:
            teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
