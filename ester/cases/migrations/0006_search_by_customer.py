"""PostgreSQL: the search table learns each case's customer, so a search by a customer's
contacts reads that customer's matches only (the GIN index and a btree on (customer_id,
case_id) together) instead of the newest matches of every customer. Kept current by the
same triggers: the source view gains the column and the refresh function writes it."""

import importlib

from django.db import migrations

_search = importlib.import_module("ester.cases.migrations.0002_search")

VIEW = f"""
    CREATE OR REPLACE VIEW cases_search_source AS
    SELECT c.id AS case_id, {_search.PG_DOCUMENT} AS document, c.customer_id AS customer_id
      FROM cases_case c
      JOIN organisation_customer cu ON cu.id = c.customer_id
"""
OLD_VIEW = f"""
    CREATE VIEW cases_search_source AS
    SELECT c.id AS case_id, {_search.PG_DOCUMENT} AS document
      FROM cases_case c
      JOIN organisation_customer cu ON cu.id = c.customer_id
"""
REFRESH = """
    CREATE OR REPLACE FUNCTION cases_search_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
        DELETE FROM cases_casesearch WHERE case_id = ANY(ids);
        INSERT INTO cases_casesearch (case_id, document, customer_id)
        SELECT case_id, document, customer_id FROM cases_search_source WHERE case_id = ANY(ids);
    $$
"""
OLD_REFRESH = """
    CREATE OR REPLACE FUNCTION cases_search_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
        DELETE FROM cases_casesearch WHERE case_id = ANY(ids);
        INSERT INTO cases_casesearch (case_id, document)
        SELECT case_id, document FROM cases_search_source WHERE case_id = ANY(ids);
    $$
"""

# The table is written anew rather than updated in place: an UPDATE of every row would
# leave a table and a GIN index of twice the size until a VACUUM FULL.
FORWARD = [
    """
    CREATE TABLE cases_casesearch_new (
        case_id bigint PRIMARY KEY,
        document tsvector NOT NULL,
        customer_id bigint
    )
    """,
    "INSERT INTO cases_casesearch_new (case_id, document, customer_id)"
    " SELECT s.case_id, s.document, c.customer_id FROM cases_casesearch s JOIN cases_case c ON c.id = s.case_id",
    "DROP TABLE cases_casesearch",
    "ALTER TABLE cases_casesearch_new RENAME TO cases_casesearch",
    "ALTER INDEX cases_casesearch_new_pkey RENAME TO cases_casesearch_pkey",
    "CREATE INDEX cases_casesearch_document ON cases_casesearch USING gin (document)",
    "CREATE INDEX cases_casesearch_customer ON cases_casesearch (customer_id, case_id)",
    VIEW,
    REFRESH,
    "ANALYZE cases_casesearch",
]
BACKWARD = [
    OLD_REFRESH,
    "DROP VIEW cases_search_source",
    OLD_VIEW,
    "DROP INDEX IF EXISTS cases_casesearch_customer",
    "ALTER TABLE cases_casesearch DROP COLUMN IF EXISTS customer_id",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _search._run(schema_editor, FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _search._run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_open_queue_keys")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
