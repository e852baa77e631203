"""Case search (issue 3, item 9): one module, two engines.

``search_cases(user, query)`` finds the cases a user may see whose number,
customer, sender, subject, description, timeline texts or document names
contain every word of the query.  Internal notes and internal documents match
for staff only, never for customer contacts.

Each case has one search document (built by the triggers of migration
``0002_search`` from the view ``cases_search_source``), so the words of a
query may match in different parts of a case ("Rinkeby faktura 4711"):

* PostgreSQL: ``cases_casesearch.document`` (tsvector, GIN index) with the
  ``swedish`` configuration — "fakturor" finds "faktura".  Weights A (number),
  B (subject, sender, customer), C (description, public timeline, document
  names), D (internal notes and documents); contacts query with ``:ABC``.
  Ranked by ``ts_rank``.
* SQLite: FTS5 table ``cases_case_fts`` (``unicode61 remove_diacritics 2``).
  FTS5 has no Swedish stemmer: a word is cut to a rough stem and looked for
  in its usual inflected forms ("fakturor" → faktur, faktura, fakturan,
  fakturorna …); ``fakt*`` is a prefix.  Contacts query with a column filter
  that leaves out the internal columns.  Ranked by bm25 with column weights.

Then: number matches first (the whole number, a number prefix such as
``EK-2026-0001``, or the running number ``123``), then rank, then the newest.
Bounded at any size: of the newest ``SEARCH_HORIZON`` (10 000) matches the
newest ``SEARCH_WINDOW`` (200) that the user may see are ranked; a query with
fewer matches is ranked whole.
User input never reaches either query language as syntax: a query is cut to
words (letters and digits) that are quoted one by one.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from ester.cases.models import Case
from ester.core.access import contact_customer_ids, is_staff_user

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_TERM_LENGTH = 40

#: A word of a query: letters and digits (no underscore), optionally followed by ``*``.
_WORD = re.compile(r"([^\W_]+)(\*?)")
#: A whole case number or a prefix of one: ``EK-2026-000123``, ``EK-2026-0001``, ``EK-2026``.
_NUMBER = re.compile(r"^[A-Z]{1,10}-\d{4}(?:-\d{0,10})?$")
#: A whole case number: its words are also looked for in texts ("se även EK-2026-000123").
_WHOLE_NUMBER = re.compile(r"^[A-Z]{1,10}-\d{4}-\d{6,}$")
#: A running number alone: ``123`` or ``000123``.
_RUNNING_NUMBER = re.compile(r"^\d{1,10}$")

#: Swedish inflection endings (Snowball's step 1), longest first: SQLite's rough stemmer.
_ENDINGS: tuple[str, ...] = tuple(
    sorted(
        (  # noqa: SIM905 - a word list reads better as one string
            "heterna hetens anden heten heter arnas ernas ornas andes arens andet arna erna orna ande arne aste "
            "aren ades erns ade are ern ens het ast ad en ar er or as es at a e"
        ).split(),
        key=len,
        reverse=True,
    )
)
_MIN_STEM = 3
#: What SQLite looks for instead of a stem: the stem with each of these endings (an OR of
#: whole words, which FTS5 reads lazily — a prefix query would merge every word that
#: starts with the stem before the first row comes out).
_FORMS: tuple[str, ...] = tuple(dict.fromkeys(("", *_ENDINGS, "s", "n", "t", "an", "na", "ns", "ts", "ans", "ars", "ers", "ors")))

#: The FTS5 columns a customer contact may match (not ``notes``, ``internal_documents``).
_PUBLIC_FTS_COLUMNS = "number subject sender customer description messages documents"


@dataclass(frozen=True)
class Term:
    word: str  # lower case, letters and digits only
    prefix: bool  # the user wrote ``fakt*``


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...]
    number_prefix: str | None  # ``EK-2026-0001`` when the query is (the start of) a case number
    running_number: int | None  # ``123`` when the query is a bare number

    @property
    def empty(self) -> bool:
        return not self.terms and self.number_prefix is None


def parse_query(query: str) -> ParsedQuery:
    """Cut what the user typed into words; recognise case numbers. Never raises."""
    text = (query or "")[:MAX_QUERY_LENGTH].strip()
    upper = text.upper()
    number_prefix = upper if _NUMBER.match(upper) else None
    running = int(text) if _RUNNING_NUMBER.match(text) else None
    terms: list[Term] = []
    seen: set[Term] = set()
    for word, star in _WORD.findall(text):
        term = Term(word.lower()[:MAX_TERM_LENGTH], bool(star))
        if term not in seen:
            seen.add(term)
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    if number_prefix is not None and not _WHOLE_NUMBER.match(number_prefix):
        terms = []  # the start of a number ("EK-2026-00") is looked up in the numbers only
    return ParsedQuery(tuple(terms), number_prefix, running)


def rough_stem(word: str) -> str:
    """Cut a Swedish inflection ending: "fakturor" → "faktur".  Words with digits stay whole."""
    if any(ch.isdigit() for ch in word):
        return word
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM:
            return word[: -len(ending)]
    return word


def word_forms(word: str) -> list[str]:
    """The forms SQLite looks for: "fakturor" → fakturor, faktur, faktura, fakturan, fakturorna …"""
    if len(word) < _MIN_STEM or any(ch.isdigit() for ch in word):
        return [word]
    stem = rough_stem(word)
    return list(dict.fromkeys((word, *(stem + ending for ending in _FORMS))))


# --- the two engines -------------------------------------------------------------------


def pg_tsquery(parsed: ParsedQuery, *, internal: bool) -> str:
    """The text for ``to_tsquery('swedish', …)``: quoted words joined by ``&`` (``<->``, a
    phrase, for a case number).  Stop words drop out there; contacts get ``:ABC`` (never
    the internal weight D)."""
    weights = "" if internal else "ABC"
    parts = []
    for term in parsed.terms:
        marker = ("*" if term.prefix else "") + weights
        parts.append(f"'{term.word}'" + (f":{marker}" if marker else ""))
    return (" <-> " if parsed.number_prefix else " & ").join(parts)


def fts5_match(parsed: ParsedQuery, *, internal: bool) -> str:
    """The FTS5 MATCH expression: each word an OR of its quoted forms (``fakt*`` a prefix),
    joined by AND (a case number: one phrase); contacts get a column filter without the
    internal columns."""
    if parsed.number_prefix:
        expression = '"' + " ".join(term.word for term in parsed.terms) + '"'
    else:
        parts = []
        for term in parsed.terms:
            if term.prefix:
                parts.append(f'"{term.word}"*')
            else:
                quoted = [f'"{form}"' for form in word_forms(term.word)]
                parts.append(quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")")
        expression = " AND ".join(parts)
    if internal or not expression:
        return expression
    return f"{{{_PUBLIC_FTS_COLUMNS}}} : ({expression})"


#: How many of the newest matching cases a user may see are ranked.  A word found in a
#: large part of all cases ("faktura") would otherwise cost a rank for each of them; the
#: newest matches are read in index order and the scan stops here.  Queries with fewer
#: matches are ranked whole.
SEARCH_WINDOW = 200
#: How many of the newest matches (of all customers) a query looks at before it asks
#: which of them the user may see.  This bounds every search, whatever a planner
#: believes about the access filter (PostgreSQL cannot estimate it and would read the
#: whole index backwards for a rare pair of words), at the price that a user who sees
#: few cases may miss the oldest matches of a word found in more than this many cases.
SEARCH_HORIZON = 10_000
#: For staff, PostgreSQL looks this far first and goes on to ``SEARCH_HORIZON`` only when
#: the user may see fewer matches there than were asked for: reading the newest matches is
#: the search's cost, and a handler (who sees a team's share, about one case in twenty) or a
#: controller (everything) sees enough of a common word's matches in the first stretch. A
#: customer's contacts see a smaller share and look as far as ``SEARCH_HORIZON`` at once.
SEARCH_FIRST_HORIZON = 4_000
#: A customer's contact reads their own customer's matches only (all of them theirs, but
#: for words found only in internal notes, which they may not see): this many first.
SEARCH_CONTACT_FIRST_HORIZON = 4 * SEARCH_WINDOW

Row = tuple[int, str, Any, float]  # id, number, received_at, score


def _run(sql: str, params: list[Any]) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _postgres_window(
    parsed: ParsedQuery,
    visible: tuple[str, tuple[Any, ...]],
    *,
    internal: bool,
    wanted: int = SEARCH_WINDOW,
    customers: list[int] | None = None,
) -> list[Row]:
    """The newest matches the user may see, with their rank: for staff first within the
    newest ``SEARCH_FIRST_HORIZON`` matches, and within ``SEARCH_HORIZON`` when that gave
    fewer than ``wanted`` and there were more matches to look at."""
    rows: list[Row] = []
    if internal:
        horizons: tuple[int, ...] = (SEARCH_FIRST_HORIZON, SEARCH_HORIZON)
    elif customers:  # every match read is the contact's own: a few more than the window will do
        horizons = (SEARCH_CONTACT_FIRST_HORIZON, SEARCH_HORIZON)
    else:
        horizons = (SEARCH_HORIZON,)
    for horizon in horizons:
        ids = _postgres_newest_matches(parsed, horizon, customers)
        if not ids:
            return []
        rows = _postgres_visible(parsed, visible, ids, internal=internal)
        if len(rows) >= wanted or len(ids) < horizon:
            break
    return rows


def _postgres_newest_matches(parsed: ParsedQuery, horizon: int, customers: list[int] | None = None) -> list[int]:
    """The ids of the newest ``horizon`` matches of all customers, planned on their own (the
    GIN index for a rare word, the primary key backwards for a common one) and asked
    without weights, so that the index answers alone without reading a document."""
    everywhere = pg_tsquery(parsed, internal=True)
    parts, params = [], []
    if everywhere and customers:
        # A customer's contact: that customer's matches only (the GIN index and the
        # (customer_id, case_id) btree together), not the newest of every customer.
        parts.append(
            "SELECT * FROM (SELECT case_id FROM cases_casesearch WHERE customer_id = ANY(%s)"
            " AND document @@ to_tsquery('swedish', %s) ORDER BY case_id DESC LIMIT %s) t"
        )
        params += [customers, everywhere, horizon]
    elif everywhere:
        if _postgres_few_matches(everywhere, horizon):
            # All the matches from the GIN index, the newest kept: fewer rows read than walking
            # the newest cases until ``horizon`` of them match (OFFSET 0 keeps the planner from
            # turning this into that walk).
            parts.append(
                "SELECT * FROM (SELECT case_id FROM (SELECT case_id FROM cases_casesearch"
                " WHERE document @@ to_tsquery('swedish', %s) OFFSET 0) m ORDER BY case_id DESC LIMIT %s) t"
            )
        else:
            parts.append(
                "SELECT * FROM (SELECT case_id FROM cases_casesearch WHERE document @@ to_tsquery('swedish', %s)"
                " ORDER BY case_id DESC LIMIT %s) t"
            )
        params += [everywhere, horizon]
    prefix = parsed.number_prefix
    if prefix is not None:
        # Django's varchar_pattern_ops index on the unique number serves the LIKE, and the
        # order too when it is asked for with that index's operator (not the collation's).
        parts.append("SELECT * FROM (SELECT id FROM cases_case WHERE number LIKE %s ORDER BY number USING ~>~ LIMIT %s) n")
        params += [prefix + "%", horizon]
    if not parts:
        return []
    return [row[0] for row in _run(" UNION ALL ".join(parts), params)]


#: What fetching one of the GIN index's hits costs, in rows of the walk back along the newest cases.
_HIT_COST_IN_WALKED_ROWS = 10


def _postgres_few_matches(tsquery: str, horizon: int) -> bool:
    """Whether, by the planner's estimate, reading every match of ``tsquery`` is cheaper than
    walking the newest cases until ``horizon`` of them match. A word found in a share ``f``
    of ``n`` cases costs ``f·n`` hits fetched one way and ``horizon/f`` rows walked the
    other; a hit (scattered pages) costs about ten rows of the walk (pages in order:
    measured at a million cases), so the index wins below ``f·n = √(horizon·n/10)`` — some
    20 000 matches at a million cases. A rare supplier's name is read from the index; a
    common one, or "faktura", by the walk."""
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM cases_casesearch WHERE document @@ to_tsquery('swedish', %s)", [tsquery]
        )
        plan = cursor.fetchone()[0]
        cursor.execute("SELECT greatest(reltuples, 1) FROM pg_class WHERE oid = 'cases_casesearch'::regclass")
        total = float(cursor.fetchone()[0])
    plan = json.loads(plan) if isinstance(plan, str) else plan
    estimated = float(plan[0]["Plan"]["Plan Rows"])
    return estimated <= math.sqrt(horizon * total / _HIT_COST_IN_WALKED_ROWS)


def _postgres_visible(parsed: ParsedQuery, visible: tuple[str, tuple[Any, ...]], ids: list[int], *, internal: bool) -> list[Row]:
    """Of ``ids``, those the user may see, newest first, with their rank — and for a contact
    only those whose words are found outside the internal notes (weights A–C)."""
    visible_sql, visible_params = visible
    prefix = parsed.number_prefix
    if not pg_tsquery(parsed, internal=True):  # the start of a case number: nothing to rank
        return _run(
            f"SELECT v.id, v.number, v.received_at, 0.0 FROM ({visible_sql}) v WHERE v.id = ANY(%s) ORDER BY v.id DESC LIMIT %s",
            [*visible_params, ids, SEARCH_WINDOW],
        )
    tsquery = pg_tsquery(parsed, internal=internal)
    if internal:
        return _run(
            "SELECT w.id, w.number, w.received_at, coalesce(ts_rank(s.document, to_tsquery('swedish', %s)), 0.0) FROM ("
            f" SELECT v.id, v.number, v.received_at FROM ({visible_sql}) v WHERE v.id = ANY(%s) ORDER BY v.id DESC LIMIT %s"
            ") w LEFT JOIN cases_casesearch s ON s.case_id = w.id",
            [tsquery, *visible_params, ids, SEARCH_WINDOW],
        )
    number = " OR v.number LIKE %s" if prefix is not None else ""
    return _run(
        "SELECT v.id, v.number, v.received_at, ts_rank(s.document, to_tsquery('swedish', %s))"
        f" FROM ({visible_sql}) v JOIN cases_casesearch s ON s.case_id = v.id"
        f" WHERE v.id = ANY(%s) AND (s.document @@ to_tsquery('swedish', %s){number}) ORDER BY v.id DESC LIMIT %s",
        [tsquery, *visible_params, ids, tsquery, *([prefix + "%"] if prefix is not None else []), SEARCH_WINDOW],
    )


def _sqlite_window(parsed: ParsedQuery, visible: tuple[str, tuple[Any, ...]], *, internal: bool) -> list[Row]:
    """One statement: FTS5 yields its matches newest first (rowid order, read lazily) down to
    the horizon's floor, joined to the visible cases; the number prefix likewise on its index."""
    visible_sql, visible_params = visible
    match = fts5_match(parsed, internal=internal)
    parts, params = [], []
    if match:
        parts.append(
            "SELECT * FROM ("
            f" SELECT v.id, v.number, v.received_at, -m.rank FROM cases_case_fts m JOIN ({visible_sql}) v ON v.id = m.rowid"
            " WHERE m.cases_case_fts MATCH %s AND m.rowid >= coalesce(("
            "  SELECT rowid FROM cases_case_fts WHERE cases_case_fts MATCH %s ORDER BY rowid DESC LIMIT 1 OFFSET %s), 0)"
            " ORDER BY m.rowid DESC LIMIT %s)"
        )
        params += [*visible_params, match, match, SEARCH_HORIZON - 1, SEARCH_WINDOW]
    prefix = parsed.number_prefix
    if prefix is not None:
        # SQLite's LIKE ignores case and cannot use the index; a range on the BINARY index can.
        parts.append(
            "SELECT * FROM ("
            f" SELECT v.id, v.number, v.received_at, 0.0 FROM ({visible_sql}) v"
            " WHERE v.number >= max(%s, coalesce(("
            "  SELECT number FROM cases_case WHERE number >= %s AND number < %s ORDER BY number DESC LIMIT 1 OFFSET %s), ''))"
            " AND v.number < %s ORDER BY v.number DESC LIMIT %s)"
        )
        params += [*visible_params, prefix, prefix, prefix + "\uffff", SEARCH_HORIZON - 1, prefix + "\uffff", SEARCH_WINDOW]
    return _run(" UNION ALL ".join(parts), params) if parts else []


def _number_hit(parsed: ParsedQuery, number: str) -> int:
    """2 for the exact number, 1 for a number prefix or the running number, else 0."""
    if parsed.number_prefix is not None:
        if number == parsed.number_prefix:
            return 2
        if number.startswith(parsed.number_prefix):
            return 1
    if parsed.running_number is not None and number.endswith(f"-{parsed.running_number:06d}"):
        return 1
    return 0


def search_cases(user: Any, query: str, *, limit: int = 50) -> list[Case]:
    """The cases ``user`` may see that match ``query``, best first (at most ``limit``).

    Every word must match somewhere in the case (number, customer, sender,
    subject, description, timeline, document names; internal notes for staff
    only).  Number matches come first, then rank, then the newest case.

    The window of candidates is read from ``Case.objects.visible_to(user)``
    (its SQL as a derived table); the cases found there are then loaded by id.
    """
    parsed = parse_query(query)
    if parsed.empty or limit <= 0:
        return []
    visible = Case.objects.visible_to(user).order_by().values("id", "number", "received_at")
    visible_sql = visible.query.sql_with_params()
    internal = is_staff_user(user)
    if connection.vendor == "postgresql":
        customers = None if internal else contact_customer_ids(user)
        rows = _postgres_window(parsed, visible_sql, internal=internal, wanted=limit, customers=customers)
    elif connection.vendor == "sqlite":
        rows = _sqlite_window(parsed, visible_sql, internal=internal)
    else:  # pragma: no cover - Ester runs on these two
        raise NotImplementedError(f"no case search for {connection.vendor}")
    best: dict[int, tuple[int, float, Any, int]] = {}
    for pk, number, received_at, score in rows:
        key = (_number_hit(parsed, number), float(score or 0.0), received_at, pk)
        if pk not in best or key > best[pk]:
            best[pk] = key
    ranked = sorted(best, key=best.__getitem__, reverse=True)[:limit]
    if not ranked:
        return []
    # Every id came out of the visible-cases query above, in this request.
    cases = Case.objects.select_related("customer", "team", "assignee", "case_type").in_bulk(ranked)
    return [cases[pk] for pk in ranked if pk in cases]


# --- maintenance -----------------------------------------------------------------------

_PG_TABLES = ("cases_case", "cases_caseevent", "cases_casedocument")
_PG_TRIGGERS = ("cases_search_ins", "cases_search_del", "cases_search_upd")
_FTS_COLUMNS = "number, subject, sender, customer, description, messages, documents, notes, internal_documents"


def rebuild_search_index() -> None:
    """Rebuild the whole index from the cases (after a bulk load with the triggers off)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute("DROP INDEX IF EXISTS cases_casesearch_document")
            cursor.execute("TRUNCATE cases_casesearch")
            cursor.execute(
                "INSERT INTO cases_casesearch (case_id, document, customer_id)"
                " SELECT case_id, document, customer_id FROM cases_search_source"
            )
            cursor.execute("CREATE INDEX cases_casesearch_document ON cases_casesearch USING gin (document)")
            cursor.execute("ANALYZE cases_casesearch")
        elif connection.vendor == "sqlite":
            cursor.execute("DELETE FROM cases_case_fts")
            cursor.execute(
                f"INSERT INTO cases_case_fts (rowid, {_FTS_COLUMNS}) SELECT case_id, {_FTS_COLUMNS} FROM cases_search_source"
            )
            cursor.execute("INSERT INTO cases_case_fts (cases_case_fts) VALUES ('optimize')")


@contextmanager
def search_index_suspended() -> Iterator[None]:
    """Bulk loads (imports, benchmarks): the index triggers are off inside the block and
    the whole index is rebuilt at its end — much faster than one refresh per row."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in _PG_TABLES:
                for trigger in _PG_TRIGGERS:
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
            saved: list[str] = []
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cases\\_search\\_%' ESCAPE '\\'"
            )
            rows = cursor.fetchall()
            saved = [sql for _name, sql in rows]
            for name, _sql in rows:
                cursor.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in _PG_TABLES:
                    for trigger in _PG_TRIGGERS:
                        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
            else:
                for sql in saved:
                    cursor.execute(sql)
    rebuild_search_index()


def search_triggers_installed() -> bool:
    """Whether the index is kept current (SQLite drops triggers when Django remakes a table)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'cases\\_search\\_%' AND NOT tgisinternal")
            return bool(cursor.fetchone()[0] >= 11)
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cases\\_search\\_%' ESCAPE '\\'")
        return bool(cursor.fetchone()[0] >= 10)


__all__ = ["parse_query", "rebuild_search_index", "search_cases", "search_index_suspended"]
