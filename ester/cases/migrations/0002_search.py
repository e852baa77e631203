"""Case search index (issue 3, item 9): one search document per case, kept current by triggers.

A case's document holds its number, subject, sender, customer name and
description, the texts of its timeline and the names of its documents, so
that every word of a query may match in any of them ("Rinkeby faktura 4711").
Internal notes and internal documents are kept apart, so that customer
contacts never match on them:

* PostgreSQL: ``cases_casesearch(case_id, document tsvector)`` with a GIN
  index.  The document is built with the ``swedish`` configuration; weights
  mark the parts: A number, B subject/sender/customer, C description, public
  timeline and documents, D internal notes and internal documents (contacts
  query with ``:ABC``).  No foreign key: ``TRUNCATE cases_case`` (Django's
  flush) must not need CASCADE; triggers delete and truncate instead.
* SQLite: an FTS5 table ``cases_case_fts`` (rowid = case id) with the
  ``unicode61 remove_diacritics 2`` tokenizer; the public and internal parts
  are columns (contacts query with a column filter).

Both fill the index from one view (``cases_search_source``) per vendor — the
triggers and a full rebuild (``ester.cases.search.rebuild_search_index``)
read the same definition.  Existing rows are indexed when the migration runs.

SQLite drops a table's triggers when Django remakes the table (some
``AlterField`` operations on ``cases_case``): a migration that does so must
run this module's ``install_sqlite_triggers`` again
(``test_search.py`` checks that the triggers exist).
"""

from django.db import migrations

# --- PostgreSQL ----------------------------------------------------------------------

def _pg_words(expr: str) -> str:
    """Punctuation to spaces, so that the parser sees the same words as the query does
    ("EK-2026-000123" is ek, 2026, 000123; "faktura_4711.pdf" is faktura, 4711, pdf)."""
    return f"regexp_replace(coalesce({expr}, ''), '[\\W_]+', ' ', 'g')"


def _pg_part(weight: str, expr: str) -> str:
    return f"setweight(to_tsvector('swedish', {_pg_words(expr)}), '{weight}')"


def _pg_texts(internal: bool) -> str:
    flag = "" if internal else "NOT "
    return (
        f"(SELECT string_agg(e.text, ' ') FROM cases_caseevent e WHERE e.case_id = c.id AND {flag}e.internal), "
        f"(SELECT string_agg(d.original_name, ' ') FROM cases_casedocument d WHERE d.case_id = c.id AND {flag}d.internal)"
    )


PG_DOCUMENT = " || ".join(
    (
        # The number, its parts and the running number without leading zeros ("123").
        _pg_part("A", "c.number || ' ' || coalesce(substring(c.number from '0*([0-9]+)$'), '')"),
        _pg_part("B", "concat_ws(' ', c.subject, c.sender_name, c.sender_email, cu.name)"),
        _pg_part("C", f"concat_ws(' ', c.description, {_pg_texts(internal=False)})"),
        _pg_part("D", f"concat_ws(' ', {_pg_texts(internal=True)})"),
    )
)

PG_INSTALL = [
    """
    CREATE TABLE cases_casesearch (
        case_id bigint PRIMARY KEY,
        document tsvector NOT NULL
    )
    """,
    "CREATE INDEX cases_casesearch_document ON cases_casesearch USING gin (document)",
    f"""
    CREATE VIEW cases_search_source AS
    SELECT c.id AS case_id, {PG_DOCUMENT} AS document
      FROM cases_case c
      JOIN organisation_customer cu ON cu.id = c.customer_id
    """,
    """
    CREATE FUNCTION cases_search_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
        DELETE FROM cases_casesearch WHERE case_id = ANY(ids);
        INSERT INTO cases_casesearch (case_id, document)
        SELECT case_id, document FROM cases_search_source WHERE case_id = ANY(ids);
    $$
    """,
    # Statement-level triggers with transition tables: a bulk insert refreshes each case once.
    """
    CREATE FUNCTION cases_search_rows_new() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'cases_case' THEN
            PERFORM cases_search_refresh(ARRAY(SELECT id FROM new_rows));
        ELSE
            PERFORM cases_search_refresh(ARRAY(SELECT DISTINCT case_id FROM new_rows));
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION cases_search_rows_old() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'cases_case' THEN
            DELETE FROM cases_casesearch WHERE case_id IN (SELECT id FROM old_rows);
        ELSE
            PERFORM cases_search_refresh(ARRAY(SELECT DISTINCT case_id FROM old_rows));
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION cases_search_row_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'cases_case' THEN
            PERFORM cases_search_refresh(ARRAY[NEW.id]);
        ELSIF TG_TABLE_NAME = 'organisation_customer' THEN
            PERFORM cases_search_refresh(ARRAY(SELECT id FROM cases_case WHERE customer_id = NEW.id));
        ELSE
            PERFORM cases_search_refresh(ARRAY[OLD.case_id, NEW.case_id]);
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION cases_search_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE cases_casesearch;
        RETURN NULL;
    END $$
    """,
    *[
        sql
        for table in ("cases_case", "cases_caseevent", "cases_casedocument")
        for sql in (
            f"""CREATE TRIGGER cases_search_ins AFTER INSERT ON {table}
                REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_search_rows_new()""",
            f"""CREATE TRIGGER cases_search_del AFTER DELETE ON {table}
                REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_search_rows_old()""",
        )
    ],
    """CREATE TRIGGER cases_search_upd AFTER UPDATE OF number, subject, description, sender_name, sender_email, customer_id
       ON cases_case FOR EACH ROW
       WHEN (OLD.number IS DISTINCT FROM NEW.number OR OLD.subject IS DISTINCT FROM NEW.subject
             OR OLD.description IS DISTINCT FROM NEW.description OR OLD.sender_name IS DISTINCT FROM NEW.sender_name
             OR OLD.sender_email IS DISTINCT FROM NEW.sender_email OR OLD.customer_id IS DISTINCT FROM NEW.customer_id)
       EXECUTE FUNCTION cases_search_row_changed()""",
    """CREATE TRIGGER cases_search_upd AFTER UPDATE OF case_id, text, internal ON cases_caseevent FOR EACH ROW
       WHEN (OLD.case_id IS DISTINCT FROM NEW.case_id OR OLD.text IS DISTINCT FROM NEW.text OR OLD.internal IS DISTINCT FROM NEW.internal)
       EXECUTE FUNCTION cases_search_row_changed()""",
    """CREATE TRIGGER cases_search_upd AFTER UPDATE OF case_id, original_name, internal ON cases_casedocument FOR EACH ROW
       WHEN (OLD.case_id IS DISTINCT FROM NEW.case_id OR OLD.original_name IS DISTINCT FROM NEW.original_name
             OR OLD.internal IS DISTINCT FROM NEW.internal)
       EXECUTE FUNCTION cases_search_row_changed()""",
    """CREATE TRIGGER cases_search_upd AFTER UPDATE OF name ON organisation_customer FOR EACH ROW
       WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION cases_search_row_changed()""",
    """CREATE TRIGGER cases_search_truncate AFTER TRUNCATE ON cases_case
       FOR EACH STATEMENT EXECUTE FUNCTION cases_search_truncated()""",
    "INSERT INTO cases_casesearch (case_id, document) SELECT case_id, document FROM cases_search_source",
    "ANALYZE cases_casesearch",
]

PG_UNINSTALL = [
    *[f"DROP TRIGGER IF EXISTS {name} ON {table}" for table in ("cases_case", "cases_caseevent", "cases_casedocument") for name in ("cases_search_ins", "cases_search_del", "cases_search_upd")],
    "DROP TRIGGER IF EXISTS cases_search_upd ON organisation_customer",
    "DROP TRIGGER IF EXISTS cases_search_truncate ON cases_case",
    "DROP FUNCTION IF EXISTS cases_search_truncated()",
    "DROP FUNCTION IF EXISTS cases_search_row_changed()",
    "DROP FUNCTION IF EXISTS cases_search_rows_old()",
    "DROP FUNCTION IF EXISTS cases_search_rows_new()",
    "DROP FUNCTION IF EXISTS cases_search_refresh(bigint[])",
    "DROP VIEW IF EXISTS cases_search_source",
    "DROP TABLE IF EXISTS cases_casesearch",
]

# --- SQLite --------------------------------------------------------------------------

FTS_COLUMNS = "number, subject, sender, customer, description, messages, documents, notes, internal_documents"


def _fts_refresh(ids: str) -> str:
    """Statements that re-index the cases whose ids the SQL expression ``ids`` yields."""
    return f"""
        DELETE FROM cases_case_fts WHERE rowid IN ({ids});
        INSERT INTO cases_case_fts (rowid, {FTS_COLUMNS})
            SELECT case_id, {FTS_COLUMNS} FROM cases_search_source WHERE case_id IN ({ids});
    """


SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS cases_search_case_ai AFTER INSERT ON cases_case BEGIN {_fts_refresh('NEW.id')} END",
    f"""CREATE TRIGGER IF NOT EXISTS cases_search_case_au
        AFTER UPDATE OF number, subject, description, sender_name, sender_email, customer_id ON cases_case
        WHEN OLD.number IS NOT NEW.number OR OLD.subject IS NOT NEW.subject OR OLD.description IS NOT NEW.description
          OR OLD.sender_name IS NOT NEW.sender_name OR OLD.sender_email IS NOT NEW.sender_email
          OR OLD.customer_id IS NOT NEW.customer_id
        BEGIN {_fts_refresh('NEW.id')} END""",
    "CREATE TRIGGER IF NOT EXISTS cases_search_case_ad AFTER DELETE ON cases_case BEGIN DELETE FROM cases_case_fts WHERE rowid = OLD.id; END",
    *[
        sql
        for table, name, fields in (
            ("cases_caseevent", "event", ("text", "internal")),
            ("cases_casedocument", "document", ("original_name", "internal")),
        )
        for sql in (
            f"CREATE TRIGGER IF NOT EXISTS cases_search_{name}_ai AFTER INSERT ON {table} BEGIN {_fts_refresh('NEW.case_id')} END",
            f"""CREATE TRIGGER IF NOT EXISTS cases_search_{name}_au AFTER UPDATE OF case_id, {", ".join(fields)} ON {table}
                BEGIN {_fts_refresh('OLD.case_id, NEW.case_id')} END""",
            f"CREATE TRIGGER IF NOT EXISTS cases_search_{name}_ad AFTER DELETE ON {table} BEGIN {_fts_refresh('OLD.case_id')} END",
        )
    ],
    f"""CREATE TRIGGER IF NOT EXISTS cases_search_customer_au AFTER UPDATE OF name ON organisation_customer
        WHEN OLD.name IS NOT NEW.name
        BEGIN {_fts_refresh('SELECT id FROM cases_case WHERE customer_id = NEW.id')} END""",
]

SQLITE_INSTALL = [
    f"""CREATE VIRTUAL TABLE cases_case_fts USING fts5(
        {FTS_COLUMNS}, tokenize = 'unicode61 remove_diacritics 2'
    )""",
    # bm25 weights per column: the number counts most, then subject, sender, customer and document names.
    "INSERT INTO cases_case_fts (cases_case_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 2.0, 2.0, 1.0, 1.0, 2.0, 0.5, 1.0)')",
    f"""CREATE VIEW cases_search_source AS
        SELECT c.id AS case_id,
               c.number || ' ' || ltrim(substr(c.number, length(rtrim(c.number, '0123456789')) + 1), '0') AS number,
               c.subject AS subject,
               c.sender_name || ' ' || c.sender_email AS sender,
               (SELECT cu.name FROM organisation_customer cu WHERE cu.id = c.customer_id) AS customer,
               c.description AS description,
               (SELECT group_concat(e.text, ' ') FROM cases_caseevent e WHERE e.case_id = c.id AND NOT e.internal) AS messages,
               (SELECT group_concat(d.original_name, ' ') FROM cases_casedocument d WHERE d.case_id = c.id AND NOT d.internal) AS documents,
               (SELECT group_concat(e.text, ' ') FROM cases_caseevent e WHERE e.case_id = c.id AND e.internal) AS notes,
               (SELECT group_concat(d.original_name, ' ') FROM cases_casedocument d WHERE d.case_id = c.id AND d.internal) AS internal_documents
          FROM cases_case c""",
    *SQLITE_TRIGGERS,
    f"INSERT INTO cases_case_fts (rowid, {FTS_COLUMNS}) SELECT case_id, {FTS_COLUMNS} FROM cases_search_source",
]

SQLITE_UNINSTALL = [
    *[
        f"DROP TRIGGER IF EXISTS cases_search_{name}"
        for name in (
            "case_ai", "case_au", "case_ad", "event_ai", "event_au", "event_ad",
            "document_ai", "document_au", "document_ad", "customer_au",
        )
    ],
    "DROP VIEW IF EXISTS cases_search_source",
    "DROP TABLE IF EXISTS cases_case_fts",
]


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_INSTALL)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_INSTALL)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_UNINSTALL)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_UNINSTALL)


def install_sqlite_triggers(apps, schema_editor):
    """For a later migration that remakes ``cases_case`` on SQLite (which drops its triggers)."""
    if schema_editor.connection.vendor == "sqlite":
        _run(schema_editor, SQLITE_TRIGGERS)


# A later migration that remakes ``cases_case`` on SQLite (Django copies it into a new
# table, drops the old one and renames the new one) must first take away the view and the
# triggers that name it — SQLite refuses the rename while a view names a missing table —
# and put them back afterwards. The index itself (``cases_case_fts``) stays as it is: the
# remake keeps every row and id.
SQLITE_VIEW = next(sql for sql in SQLITE_INSTALL if sql.startswith("CREATE VIEW"))


def sqlite_detach_search(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _run(schema_editor, [sql for sql in SQLITE_UNINSTALL if not sql.startswith("DROP TABLE")])


def sqlite_attach_search(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _run(schema_editor, [SQLITE_VIEW, *SQLITE_TRIGGERS])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("organisation", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
