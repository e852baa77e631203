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
  FTS5 has no Swedish stemmer: a word is cut to a rough stem and matched as a
  prefix ("fakturor" → ``faktur*``).  Contacts query with a column filter
  that leaves out the internal columns.  Ranked by bm25 with column weights.

Then: number matches first (the whole number, a number prefix such as
``EK-2026-0001``, or the running number ``123``), then rank, then the newest.
User input never reaches either query language as syntax: a query is cut to
words (letters and digits) that are quoted one by one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Case as CaseWhen
from django.db.models import F, FloatField, IntegerField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from ester.cases.models import Case
from ester.core.access import is_staff_user

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_TERM_LENGTH = 40

#: A word of a query: letters and digits (no underscore), optionally followed by ``*``.
_WORD = re.compile(r"([^\W_]+)(\*?)")
#: A whole case number or a prefix of one: ``EK-2026-000123``, ``EK-2026-0001``, ``EK-2026``.
_NUMBER = re.compile(r"^[A-Z]{1,10}-\d{4}(?:-\d{0,10})?$")
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
    return ParsedQuery(tuple(terms), number_prefix, running)


def rough_stem(word: str) -> str:
    """Cut a Swedish inflection ending so that a prefix search finds the other forms:
    "fakturor" → "faktur" (finds faktura, fakturan, fakturorna).  Words with digits stay whole."""
    if any(ch.isdigit() for ch in word):
        return word
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM:
            return word[: -len(ending)]
    return word


# --- the two engines -------------------------------------------------------------------


def pg_tsquery(parsed: ParsedQuery, *, internal: bool) -> str:
    """The text for ``to_tsquery('swedish', …)``: quoted words joined by ``&``.  Stop words
    drop out there; contacts get ``:ABC`` (never the internal weight D)."""
    weights = "" if internal else "ABC"
    parts = []
    for term in parsed.terms:
        marker = ("*" if term.prefix else "") + weights
        parts.append(f"'{term.word}'" + (f":{marker}" if marker else ""))
    return " & ".join(parts)


def fts5_match(parsed: ParsedQuery, *, internal: bool) -> str:
    """The FTS5 MATCH expression: each word a quoted phrase, stems as prefixes, joined by AND;
    contacts get a column filter without the internal columns."""
    parts = []
    for term in parsed.terms:
        has_digit = any(ch.isdigit() for ch in term.word)
        word = term.word if has_digit else rough_stem(term.word)
        parts.append(f'"{word}"' + ("*" if term.prefix or not has_digit else ""))
    expression = " AND ".join(parts)
    if internal or not expression:
        return expression
    return f"{{{_PUBLIC_FTS_COLUMNS}}} : ({expression})"


def _number_candidates(parsed: ParsedQuery) -> tuple[str, list[Any]]:
    """Cases whose number starts with the typed number (the unique index on ``number``)."""
    prefix = parsed.number_prefix
    if prefix is None:
        return "", []
    if connection.vendor == "postgresql":
        return "SELECT id FROM cases_case WHERE number LIKE %s", [prefix + "%"]
    # SQLite's LIKE ignores case and cannot use the index; a range on the BINARY index can.
    return "SELECT id FROM cases_case WHERE number >= %s AND number < %s", [prefix, prefix + "\uffff"]


def _candidates_and_rank(parsed: ParsedQuery, *, internal: bool) -> tuple[RawSQL, Any]:
    """(ids of matching cases, an expression for the rank of a case; higher is better)."""
    sources: list[str] = []
    params: list[Any] = []
    rank: Any = Value(0.0, output_field=FloatField())
    if connection.vendor == "postgresql":
        tsquery = pg_tsquery(parsed, internal=internal)
        if tsquery:
            sources.append("SELECT case_id FROM cases_casesearch WHERE document @@ to_tsquery('swedish', %s)")
            params.append(tsquery)
            rank = RawSQL(
                "SELECT ts_rank(s.document, to_tsquery('swedish', %s)) FROM cases_casesearch s "
                'WHERE s.case_id = "cases_case"."id"',
                [tsquery],
                output_field=FloatField(),
            )
    elif connection.vendor == "sqlite":
        match = fts5_match(parsed, internal=internal)
        if match:
            sources.append("SELECT rowid FROM cases_case_fts WHERE cases_case_fts MATCH %s")
            params.append(match)
            rank = RawSQL(
                'SELECT -rank FROM cases_case_fts WHERE cases_case_fts MATCH %s AND rowid = "cases_case"."id"',
                [match],
                output_field=FloatField(),
            )
    else:  # pragma: no cover - Ester runs on PostgreSQL and SQLite only
        raise NotImplementedError(f"no case search for {connection.vendor}")
    number_sql, number_params = _number_candidates(parsed)
    if number_sql:
        sources.append(number_sql)
        params.extend(number_params)
    # Fixed SQL fragments only; what the user typed travels in params.
    return RawSQL(" UNION ALL ".join(sources), params), rank  # noqa: S611


def _number_hit(parsed: ParsedQuery) -> Any:
    """2 for the exact number, 1 for a number prefix or the running number, else 0."""
    whens = []
    if parsed.number_prefix is not None:
        whens += [When(number=parsed.number_prefix, then=Value(2)), When(number__startswith=parsed.number_prefix, then=Value(1))]
    if parsed.running_number is not None:
        whens.append(When(number__endswith=f"-{parsed.running_number:06d}", then=Value(1)))
    if not whens:
        return Value(0, output_field=IntegerField())
    return CaseWhen(*whens, default=Value(0), output_field=IntegerField())


def search_cases(user: Any, query: str, *, limit: int = 50) -> list[Case]:
    """The cases ``user`` may see that match ``query``, best first (at most ``limit``).

    Every word must match somewhere in the case (number, customer, sender,
    subject, description, timeline, document names; internal notes for staff
    only).  Number matches come first, then rank, then the newest case.
    """
    parsed = parse_query(query)
    if parsed.empty or limit <= 0:
        return []
    visible = Case.objects.visible_to(user)
    candidates, rank = _candidates_and_rank(parsed, internal=is_staff_user(user))
    if not candidates.sql:
        return []
    rows = (
        visible.filter(pk__in=candidates)
        .annotate(search_rank=Coalesce(rank, Value(0.0), output_field=FloatField()), number_hit=_number_hit(parsed))
        .select_related("customer", "team", "assignee", "case_type")
        .order_by("-number_hit", "-search_rank", F("received_at").desc(), "-pk")
    )
    return list(rows[:limit])


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
            cursor.execute("INSERT INTO cases_casesearch (case_id, document) SELECT case_id, document FROM cases_search_source")
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
