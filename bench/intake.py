"""Benchmark: mail intake end to end — IMAP server, poller, pipeline, cases — against parse-only.

Generates N messages from the demo customers' contacts to the demo city's functional
mailboxes (Swedish subjects: invoices, reminders, payment orders …; 70 % with a PDF of
about 100 kB), APPENDs them to a real IMAP server on loopback (pymap's in-memory backend
in a process of its own, ``ester/intake/tests/imapserver.py``), then runs the real poller
(``ester.intake.imap.poll``, batches of 200) until every mailbox is empty, on a throw-away
test database and file store. Prints

* messages per second end to end (the polls only: fetch over IMAP, ingest — store the
  original, parse, classify, register the case, store the .eml and the PDF, commit — and
  the flag on the server),
* the peak memory of this process (ru_maxrss) after the polls,
* the same corpus's parse-only rate with Python's email parser
  (``BytesParser(policy=policy.default)``) and with Ester's ``parse_message``,
* the ratio end to end / parse-only.

Goal (issue 4): at least 50 messages per second end to end on SQLite. Runs on SQLite by
default, on PostgreSQL when ESTER_DATABASE_URL is set.

    .venv/bin/python bench/intake.py [--messages 10000] [--mailboxes 6] [--profile poll.html] [--keep]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ESTER_DEBUG", "1")
os.environ.setdefault("ESTER_TASK_BACKEND", "database")  # as in production: a new case enqueues its receipt
MEDIA = tempfile.mkdtemp(prefix="ester-bench-intake-")
os.environ["ESTER_MEDIA_ROOT"] = MEDIA  # originals and documents of the run, removed at the end

import django  # noqa: E402

django.setup()

import datetime  # noqa: E402
from email import policy  # noqa: E402
from email.message import EmailMessage  # noqa: E402
from email.parser import BytesParser  # noqa: E402
from email.utils import format_datetime, make_msgid  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

from ester.organisation.demo.cases import MONTHS as DEMO_MONTHS  # noqa: E402  (the demo's month names)

SEED = 20260402
PASSWORD = "bänk-lösen"
SECRET_ENV = "ESTER_BENCH_IMAP_PASSWORD"
CHUNK = 250
PDF_SHARE = 0.7
PDF_BYTES = 100 * 1024

SUPPLIERS = [
    "Telia Sverige AB",
    "Dustin AB",
    "Atea Sverige AB",
    "Lyreco Sverige AB",
    "Coor Service Management AB",
    "Sodexo AB",
    "Securitas Sverige AB",
    "Bravida Sverige AB",
    "Ahlsell Sverige AB",
    "Martin & Servera AB",
    "Menigo Foodservice AB",
    "Ricoh Sverige AB",
    "Visma Spcs AB",
    "Office Depot Svenska AB",
    "PostNord Sverige AB",
    "Stockholm Vatten och Avfall AB",
    "Ellevio AB",
    "Stockholm Exergi AB",
]
SUBJECTS = [
    ("Faktura {n} från {supplier}", 40),
    ("Leverantörsfaktura {n} – {supplier}", 15),
    ("Påminnelse: obetald faktura {n} från {supplier}", 10),
    ("Utbetalningsunderlag {month}", 6),
    ("Begäran om anstånd med betalning av faktura {n}", 4),
    ("Kreditera faktura {n}, fel belopp", 4),
    ("Kassarapport {month}", 6),
    ("Fråga om faktura {n} från {supplier}", 10),
    ("SV: Faktura {n} från {supplier}", 5),
]
BODIES = [
    "Hej!\n\nBifogat finns fakturan från {supplier}. Beställare är {person}, attest enligt delegationsordningen.\n\nVänliga hälsningar\n{sender}",
    "Hej,\n\nHär kommer underlaget för {month}. Kontering: ansvar 1{n3}, verksamhet 4{n2}.\n\nMed vänlig hälsning\n{sender}",
    "Hej!\n\nFakturan har förfallit enligt leverantören. Kan ni kontrollera om den är betald?\n\n/{sender}",
    "Godmorgon,\n\nVi har fått en faktura som ska till er. Se bifogad fil.\n\nTack på förhand!\n{sender}",
]
FIRST = [
    "Anna",
    "Eva",
    "Maria",
    "Karin",
    "Sara",
    "Lena",
    "Emma",
    "Ingrid",
    "Lars",
    "Mikael",
    "Anders",
    "Johan",
    "Erik",
    "Per",
    "Amina",
    "Ali",
    "Omar",
    "Fatima",
    "Yusuf",
    "Leila",
    "Sofia",
    "Nils",
    "Oskar",
]
LAST = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Lindberg",
    "Holm",
    "Hassan",
    "Nyström",
    "Åberg",
    "Öberg",
]


class Corpus:
    """The N messages, generated the same way every time (one seed per message), never all in memory."""

    def __init__(self, count: int, mailboxes: list[tuple[str, list[tuple[str, str]]]]) -> None:
        self.count = count
        self.mailboxes = mailboxes  # (address, [(name, e-mail) of the customer's contacts])
        self.pdfs = 0
        self.bytes = 0

    def mailbox_of(self, index: int) -> int:
        return index % len(self.mailboxes)

    def message(self, index: int) -> bytes:
        rng = random.Random(SEED * 100_003 + index)
        address, senders = self.mailboxes[self.mailbox_of(index)]
        name, email = rng.choice(senders)
        templates, weights = zip(*SUBJECTS, strict=True)
        fields = {
            "n": rng.randint(100_000, 9_999_999),
            "n2": rng.randint(10, 99),
            "n3": rng.randint(100, 999),
            "supplier": rng.choice(SUPPLIERS),
            "month": f"{rng.choice(DEMO_MONTHS)} 2026",
            "person": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "sender": name,
        }
        message = EmailMessage()
        message["From"] = f"{name} <{email}>"
        message["To"] = address
        message["Subject"] = rng.choices(templates, weights)[0].format(**fields)
        sent = datetime.datetime(2026, 3, 2, 7, 0, tzinfo=datetime.UTC) + datetime.timedelta(minutes=index)
        message["Date"] = format_datetime(sent)
        message["Message-ID"] = make_msgid(idstring=str(index), domain=email.rpartition("@")[2] or "kund.example")
        message.set_content(rng.choice(BODIES).format(**fields))
        if rng.random() < PDF_SHARE:
            pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + rng.randbytes(PDF_BYTES) + b"\n%%EOF\n"
            message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"faktura-{fields['n']}.pdf")
        return bytes(message).replace(b"\n", b"\r\n")

    def chunks(self) -> Iterator[list[tuple[int, bytes]]]:
        for start in range(0, self.count, CHUNK):
            yield [(i, self.message(i)) for i in range(start, min(start + CHUNK, self.count))]


def mailboxes_of_the_demo_city(count: int, port: int) -> list[Any]:
    """The economy departments' functional mailboxes, pointed at the bench's IMAP server."""
    from ester.intake.models import Mailbox

    boxes = list(
        Mailbox.objects.filter(customer__isnull=False, default_case_type__code="LEV-MANUELL")
        .select_related("customer", "default_case_type")
        .order_by("address")[:count]
    )
    if not boxes:
        raise SystemExit("the demo city has no mailboxes (ester.intake.demo)")
    for box in boxes:
        box.active, box.imap_port, box.imap_user, box.secret_env, box.secret_file = True, port, box.address, SECRET_ENV, ""
        box.save()
    return boxes


def senders_of(box: Any) -> list[tuple[str, str]]:
    contacts = [(c.name, c.email) for c in box.customer.contacts.exclude(email="") if getattr(c, "name", "")]
    if contacts:
        return contacts
    domain = box.address.rpartition("@")[2]
    return [(f"{f} {last}", f"{f.lower()}.{last.lower()}@kund.{domain}") for f, last in zip(FIRST, LAST, strict=False)]


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of another process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(args: argparse.Namespace) -> None:
    from ester.intake.imap import poll
    from ester.intake.models import IncomingMessage
    from ester.intake.parse import parse_message
    from ester.intake.tests.imapserver import start_server
    from ester.organisation.demo import load_demo_city

    print(f"database: {connection.vendor}; {os.cpu_count()} cores")
    t0 = time.perf_counter()
    load_demo_city()
    print(f"demo city loaded in {time.perf_counter() - t0:.1f} s")

    from ester.intake.models import Mailbox

    addresses = list(
        Mailbox.objects.filter(customer__isnull=False, default_case_type__code="LEV-MANUELL")
        .order_by("address")
        .values_list("address", flat=True)[: args.mailboxes]
    )
    server = start_server(users=dict.fromkeys(addresses, PASSWORD))
    os.environ[SECRET_ENV] = PASSWORD
    try:
        boxes = mailboxes_of_the_demo_city(args.mailboxes, server.port)
        corpus = Corpus(args.messages, [(box.address, senders_of(box)) for box in boxes])

        t0 = time.perf_counter()
        for chunk in corpus.chunks():
            by_box: dict[int, list[bytes]] = {}
            for index, raw in chunk:
                by_box.setdefault(corpus.mailbox_of(index), []).append(raw)
                corpus.bytes += len(raw)
                corpus.pdfs += b"application/pdf" in raw
            for box_index, raws in by_box.items():
                server.append(raws, user=boxes[box_index].address)
        t_append = time.perf_counter() - t0
        print(
            f"{corpus.count:,} messages ({corpus.pdfs:,} with a PDF, {corpus.bytes / 1e6:,.0f} MB) appended to "
            f"{len(boxes)} mailboxes on the IMAP server in {t_append:.1f} s"
        )
        print(f"memory before the polls (ru_maxrss): {rss_mb():.0f} MB")

        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
        polls = 0
        server_cpu0 = process_cpu(server.process.pid)
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        for box in boxes:
            while True:
                result = poll(box, limit=200)
                polls += 1
                if result.error:
                    raise SystemExit(f"poll failed: {result.summary()}")
                if not result.more:
                    break
        t_e2e = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        server_cpu = process_cpu(server.process.pid) - server_cpu0
        if profiler is not None:
            profiler.stop()
            Path(args.profile).write_text(profiler.output_html())
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        peak = rss_mb()
        states = dict(IncomingMessage.objects.values_list("state").annotate(n=django.db.models.Count("id")))
        e2e = corpus.count / t_e2e
        print(f"\nend to end: {corpus.count:,} messages in {t_e2e:.1f} s over {polls} polls = {e2e:,.1f} messages/s")
        print(f"  outcome: {states}")
        print(
            f"  CPU: poller {cpu:.1f} s ({cpu / corpus.count * 1000:.1f} ms/message, {corpus.count / cpu:,.1f} messages per CPU-second), "
            f"IMAP server {server_cpu:.1f} s; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
        )
        print(f"peak memory (ru_maxrss) after the polls: {peak:.0f} MB")

        parser = BytesParser(policy=policy.default)
        t_email = t_ours = 0.0
        for chunk in corpus.chunks():
            t0 = time.perf_counter()
            for _index, raw in chunk:
                parser.parsebytes(raw)
            t_email += time.perf_counter() - t0
            t0 = time.perf_counter()
            for _index, raw in chunk:
                parse_message(raw)
            t_ours += time.perf_counter() - t0
        email_rate, ours_rate = corpus.count / t_email, corpus.count / t_ours
        print(f"\nparse only, email.parser BytesParser(policy=default): {email_rate:,.0f} messages/s")
        print(f"parse only, ester.intake.parse.parse_message:          {ours_rate:,.0f} messages/s")
        print(f"ratio end to end / parse-only: {e2e / email_rate:.3f} (email parser), {e2e / ours_rate:.3f} (parse_message)")
        print(f"goal ≥ 50 messages/s end to end: {'met' if e2e >= 50 else 'NOT met'} ({e2e:,.1f})")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--mailboxes", type=int, default=6, help="demo mailboxes the messages are spread over")
    parser.add_argument("--profile", metavar="FILE.html", help="profile the polls with pyinstrument")
    parser.add_argument("--log", action="store_true", help="keep the intake's INFO log lines (one per message)")
    parser.add_argument("--keep", action="store_true", help="keep the test database and the file store; remove them yourself")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    settings.DEBUG = False
    if not args.log:  # a line per message to a terminal is not what is measured
        logging.getLogger("ester").setLevel(logging.WARNING)
    old = setup_databases(verbosity=0, interactive=False)
    try:
        run(args)
    finally:
        if args.keep:
            print(f"kept the test database {connection.settings_dict['NAME']} and the files in {MEDIA}")
        else:
            teardown_databases(old, verbosity=0)
            shutil.rmtree(MEDIA, ignore_errors=True)


if __name__ == "__main__":
    main()
