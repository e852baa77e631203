"""Case search: every field matches, Swedish word forms, internal notes for staff only,
never another customer's case, hostile input never raises, number matches first, and
the index follows changes (triggers) and is filled for existing rows (migration)."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ester.cases import services
from ester.cases.choices import CaseChannel
from ester.cases.documents import case_document_add
from ester.cases.models import Case
from ester.cases.search import fts5_match, parse_query, pg_tsquery, rough_stem, search_cases, search_triggers_installed
from ester.cases.tests.factories import CaseTypeFactory
from ester.organisation.models import Customer

STHLM = ZoneInfo("Europe/Stockholm")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def case_type(city: Any) -> Any:
    return CaseTypeFactory(process=city.process, code="LEVMAN", name="Manuell leverantörsfaktura")


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def register(city: Any, case_type: Any, **kwargs: Any) -> Case:
    defaults = {
        "actor": city.handler,
        "customer": city.customer_x,
        "case_type": case_type,
        "channel": CaseChannel.EMAIL,
        "sender_name": "Kim Kontakt",
        "sender_email": "kim.kontakt@rinkeby.example",
        "subject": "Faktura från Telia",
        "description": "Attest saknas, beställaren är Gunilla Östberg.",
        "received_at": datetime.datetime(2026, 4, 1, 10, 0, tzinfo=STHLM),
    }
    return services.case_register(**{**defaults, **kwargs})


def numbers(user: Any, query: str) -> list[str]:
    return [case.number for case in search_cases(user, query)]


@pytest.fixture
def case_x(city: Any, case_type: Any) -> Case:
    """EK-2026-000001 of customer X (team A), with a reply to the customer and an internal note."""
    case = register(city, case_type)
    services.case_reply(actor=city.handler, case=case, text="Vi har skickat fakturan vidare till Skanska för godkännande.")
    services.case_add_note(actor=city.handler, case=case, text="Misstänkt dubbelfakturering, ring Bergendahls.")
    return case


@pytest.fixture
def case_y(city: Any, case_type: Any, case_x: Case) -> Case:
    """EK-2026-000002 of customer Y (team B)."""
    return register(
        city,
        case_type,
        actor=city.handler_b,
        customer=city.customer_y,
        sender_name="Yvonne Ypsilon",
        sender_email="yvonne@bromma.example",
        subject="Påminnelse från Vattenfall",
        description="Elräkningen för Brommaplan.",
    )


@pytest.mark.django_db
class TestFields:
    @pytest.mark.parametrize(
        "query",
        [
            "EK-2026-000001",  # the whole number
            "ek-2026-000001",  # in any letter case
            "EK-2026-0000",  # a prefix of the number
            "1",  # the running number
            "000001",
            "Rinkeby-Kista",  # the customer
            "stadsdelsförvaltning",
            "Kim Kontakt",  # the sender
            "kim.kontakt@rinkeby.example",
            "Telia",  # a word of the subject
            "Östberg",  # a word of the description
            "Skanska",  # a word of a reply on the timeline
            "Rinkeby Telia Skanska",  # every word, each in another part of the case
        ],
    )
    def test_matches(self, city: Any, case_x: Case, query: str) -> None:
        assert numbers(city.handler, query) == [case_x.number]

    def test_document_name(self, city: Any, case_x: Case, media: Any) -> None:
        case_document_add(
            actor=city.handler, case=case_x, upload=SimpleUploadedFile("Leverantörsavtal_Coor_2026.pdf", PDF, "application/pdf")
        )
        assert numbers(city.handler, "Coor") == [case_x.number]
        assert numbers(city.handler, "leverantörsavtal coor") == [case_x.number]
        assert numbers(city.contact_x, "Coor") == [case_x.number]

    def test_every_word_must_match(self, city: Any, case_x: Case) -> None:
        assert numbers(city.handler, "Telia Vattenfall") == []

    def test_no_words_no_results(self, city: Any, case_x: Case) -> None:
        assert numbers(city.handler, "") == []
        assert numbers(city.handler, "  ...  ") == []


@pytest.mark.django_db
class TestWordForms:
    @pytest.mark.parametrize("query", ["fakturor", "fakturorna", "påminnelser", "attesten"])
    def test_swedish_forms(self, city: Any, case_type: Any, query: str) -> None:
        case = register(city, case_type, subject="Faktura och påminnelse", description="Attest saknas.")
        assert numbers(city.handler, query) == [case.number]

    def test_prefix_with_star(self, city: Any, case_x: Case) -> None:
        assert numbers(city.handler, "Tel*") == [case_x.number]

    @pytest.mark.skipif(not POSTGRES, reason="SQLite looks for the forms of a rough stem; PostgreSQL stems")
    def test_postgres_stems_rather_than_prefixes(self, city: Any, case_x: Case) -> None:
        assert numbers(city.handler, "Tel") == []
        assert (
            numbers(city.handler, "stadsdelsförvaltningarna") == numbers(city.handler, "stadsdelsförvaltning") == [case_x.number]
        )

    def test_sqlite_diacritics_folded(self, city: Any, case_x: Case) -> None:
        if POSTGRES:
            pytest.skip("remove_diacritics is an FTS5 tokenizer option")
        assert numbers(city.handler, "ostberg") == [case_x.number]


@pytest.mark.django_db
class TestAccess:
    def test_internal_notes_match_for_staff_only(self, city: Any, case_x: Case) -> None:
        for staff in (city.handler, city.unit_manager, city.controller):
            assert numbers(staff, "dubbelfakturering Bergendahls") == [case_x.number]
        assert numbers(city.contact_x, "Bergendahls") == []
        assert numbers(city.contact_x, "Skanska") == [case_x.number]  # the reply is public

    def test_internal_documents_match_for_staff_only(self, city: Any, case_x: Case, media: Any) -> None:
        upload = SimpleUploadedFile("intern_kalkyl_Ramirent.pdf", PDF, "application/pdf")
        case_document_add(actor=city.handler, case=case_x, upload=upload, internal=True)
        assert numbers(city.handler, "Ramirent") == [case_x.number]
        assert numbers(city.contact_x, "Ramirent") == []

    def test_another_customers_case_never_matches(self, city: Any, case_x: Case, case_y: Case) -> None:
        for query in ("Vattenfall", "Yvonne", "Bromma", "EK-2026-000002", "2"):
            assert numbers(city.handler, query) == []
            assert numbers(city.contact_x, query) == []
            assert numbers(city.handler_b, query) == [case_y.number]
            assert numbers(city.contact_y, query) == [case_y.number]
        for query in ("Telia", "Rinkeby", "EK-2026-000001", "Bergendahls"):
            assert numbers(city.handler_b, query) == []
            assert numbers(city.contact_y, query) == []
        assert numbers(city.outsider, "Telia") == []
        assert numbers(city.controller, "EK-2026") == [case_y.number, case_x.number]  # newest first


HOSTILE = [
    '"',
    '""',
    "*",
    "**",
    "AND",
    "OR",
    "NOT",
    "NEAR(",
    "NEAR(Telia Skanska, 2)",
    "AND(",
    "'",
    "''",
    "Telia'",
    "Telia AND",
    "(Telia",
    "Telia)",
    "subject:Telia",
    "{subject}: Telia",
    "^Telia",
    "-Telia",
    "+Telia",
    "Tel*ia",
    "Telia*",
    "*Telia",
    "a:*",
    "'a':*ABC",
    "!Telia & | <->",
    "Telia <-> Skanska",
    "%",
    "_",
    "\\",
    "\\'",
    "'; DROP TABLE cases_case; --",
    "🙂",
    "🙂 Telia 🧾",
    "\x00",
    "Telia\x00",
    "ß",
    "İstanbul",
    "EK-",
    "EK-2026-",
    "EK-2026-%",
    "-2026",
    "0",
    "0" * 40,
    "9" * 30,
    "x" * 500,
    "Telia " * 100,
    " ".join(f"ord{i}" for i in range(100)),
    "Ω≈ç√∫˜µ≤≥÷",
    "\u202etelia",
    "e\u0301",
]


@pytest.mark.django_db
class TestHostileInput:
    @pytest.mark.parametrize("query", HOSTILE)
    def test_never_raises(self, city: Any, case_x: Case, query: str) -> None:
        for user in (city.handler, city.contact_x, city.controller):
            result = search_cases(user, query)
            assert isinstance(result, list)
            assert all(case.customer_id == city.customer_x.pk for case in result)

    @pytest.mark.parametrize("query", ["Telia'", "(Telia", "Telia)", "-Telia", "Telia*", "🙂 Telia 🧾", '"Telia"'])
    def test_punctuation_around_a_word_is_ignored(self, city: Any, case_x: Case, query: str) -> None:
        assert numbers(city.handler, query) == [case_x.number]

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(query=st.text(max_size=60))
    def test_any_text(self, city: Any, case_x: Case, query: str) -> None:
        assert isinstance(search_cases(city.contact_x, query), list)


@pytest.mark.django_db
class TestRanking:
    def test_number_matches_first(self, city: Any, case_type: Any) -> None:
        wanted = register(city, case_type, subject="Faktura", description="")
        newer = register(
            city,
            case_type,
            subject="Fråga om EK-2026-000001",
            description="Kunden frågar om EK-2026-000001 och EK-2026-000001 igen.",
            received_at=datetime.datetime(2026, 4, 2, 10, 0, tzinfo=STHLM),
        )
        assert numbers(city.handler, "EK-2026-000001") == [wanted.number, newer.number]
        assert numbers(city.handler, "1")[0] == wanted.number

    def test_subject_outranks_description(self, city: Any, case_type: Any) -> None:
        in_subject = register(city, case_type, subject="Faktura från Vattenfall", description="Elräkning för mars.")
        in_description = register(
            city,
            case_type,
            subject="Elräkning",
            description="En lång beskrivning av ärendet där leverantören Vattenfall nämns en gång bland många andra ord.",
            received_at=datetime.datetime(2026, 4, 2, 10, 0, tzinfo=STHLM),
        )
        assert numbers(city.handler, "Vattenfall") == [in_subject.number, in_description.number]

    def test_newest_first_among_equals(self, city: Any, case_type: Any) -> None:
        older = register(city, case_type, subject="Faktura Atea")
        newer = register(city, case_type, subject="Faktura Atea", received_at=datetime.datetime(2026, 4, 3, 9, 0, tzinfo=STHLM))
        assert numbers(city.handler, "Atea") == [newer.number, older.number]

    def test_limit(self, city: Any, case_type: Any) -> None:
        for _ in range(3):
            register(city, case_type)
        assert len(search_cases(city.handler, "Telia", limit=2)) == 2
        assert search_cases(city.handler, "Telia", limit=0) == []


@pytest.mark.django_db
class TestIndexFollowsChanges:
    def test_triggers_installed(self) -> None:
        assert search_triggers_installed(), (
            "a migration dropped the search triggers; run 0002_search.install_sqlite_triggers again"
        )

    def test_case_fields_change(self, city: Any, case_x: Case) -> None:
        case_x.subject = "Faktura från Telenor"
        case_x.save(update_fields=["subject"])
        assert numbers(city.handler, "Telenor") == [case_x.number]
        assert numbers(city.handler, "Telia") == [case_x.number]  # the registration event keeps the subject as received
        Case.objects.filter(pk=case_x.pk).update(description="Helt ny beskrivning om Lyreco.")
        assert numbers(city.handler, "Lyreco") == [case_x.number]
        assert numbers(city.handler, "Östberg") == []

    def test_unrelated_updates_keep_the_index(self, city: Any, case_x: Case) -> None:
        services.case_assign(actor=city.handler, case=case_x, assignee=city.handler)
        services.case_close(actor=city.handler, case=case_x)
        assert numbers(city.handler, "Telia Bergendahls Skanska") == [case_x.number]

    def test_customer_renamed(self, city: Any, case_x: Case) -> None:
        Customer.objects.filter(pk=city.customer_x.pk).update(name="Järva stadsdelsförvaltning")
        assert numbers(city.handler, "Järva") == [case_x.number]
        assert numbers(city.handler, "Kista") == []

    def test_deleted_case_leaves_the_index(self, city: Any, case_type: Any) -> None:
        case = register(city, case_type, subject="Engångsärende Sodexo")
        case.delete()
        assert numbers(city.controller, "Sodexo") == []
        with connection.cursor() as cursor:
            table, key = ("cases_casesearch", "case_id") if POSTGRES else ("cases_case_fts", "rowid")
            cursor.execute(f"SELECT count(*) FROM {table} WHERE {key} = %s", [case.pk])
            assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_migration_fills_the_index_for_existing_cases(city: Any, case_type: Any) -> None:
    """Cases that exist when the search migration is applied are found: register a case,
    unapply the migrations down to before the search (its index goes), apply them again."""
    from django.db.migrations.executor import MigrationExecutor

    case = register(city, case_type, subject="Faktura från Securitas")
    executor = MigrationExecutor(connection)
    executor.migrate([("cases", "0001_initial")])
    assert not search_triggers_installed()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert search_triggers_installed()
    assert numbers(city.handler, "Securitas") == [case.number]
    assert numbers(city.handler, "Securitas Rinkeby") == [case.number]


def test_a_contact_searches_their_own_customers_matches(city: Any, case_type: Any, monkeypatch: Any) -> None:
    """PostgreSQL reads a contact's own customer's matches, not the newest of all customers:
    other departments' newer cases never push a contact's own older ones past the horizon."""
    from ester.cases import search

    if connection.vendor != "postgresql":
        pytest.skip("SQLite reads the newest matches of all customers up to the horizon (documented in search.py)")
    own = register(city, case_type, subject="Faktura Atea", received_at=datetime.datetime(2026, 4, 1, 9, 0, tzinfo=STHLM))
    for day in (2, 3):
        register(
            city,
            case_type,
            customer=city.customer_y,
            actor=city.handler_b,
            subject="Faktura Atea",
            received_at=datetime.datetime(2026, 4, day, 9, 0, tzinfo=STHLM),
        )
    monkeypatch.setattr(search, "SEARCH_HORIZON", 2)
    assert numbers(city.contact_x, "Atea") == [own.number]
    assert numbers(city.contact_y, "Atea") and own.number not in numbers(city.contact_y, "Atea")


class TestQueryText:
    def test_words_are_quoted_and_capped(self) -> None:
        parsed = parse_query('NEAR("Telia" AND fakt*) ' + " ".join(f"ord{i}" for i in range(50)))
        assert [t.word for t in parsed.terms][:4] == ["near", "telia", "and", "fakt"]
        assert parsed.terms[3].prefix and len(parsed.terms) == 8
        match = fts5_match(parse_query("fakturor 4711 fakt*"), internal=True)
        assert match.startswith('("fakturor" OR "faktur" OR ') and match.endswith(') AND "4711" AND "fakt"*')
        assert '"faktura"' in match and '"fakturorna"' in match
        assert fts5_match(parse_query("EK-2026-000123"), internal=True) == '"ek 2026 000123"'
        assert pg_tsquery(parse_query("EK-2026-000123"), internal=False) == "'ek':ABC <-> '2026':ABC <-> '000123':ABC"
        assert fts5_match(parse_query("Telia"), internal=False).startswith("{number subject sender customer")
        assert pg_tsquery(parse_query("fakturor fakt* 4711"), internal=True) == "'fakturor' & 'fakt':* & '4711'"
        assert pg_tsquery(parse_query("fakt* x"), internal=False) == "'fakt':*ABC & 'x':ABC"

    def test_numbers_recognised(self) -> None:
        assert parse_query(" ek-2026-0001 ").number_prefix == "EK-2026-0001"
        assert parse_query("EK-2026-000123").running_number is None
        assert parse_query("123").running_number == 123
        assert parse_query("Telia 123").number_prefix is None

    @pytest.mark.parametrize(
        ("word", "stem"),
        [("fakturor", "faktur"), ("faktura", "faktur"), ("påminnelser", "påminnels"), ("lön", "lön"), ("4711", "4711")],
    )
    def test_rough_stem(self, word: str, stem: str) -> None:
        assert rough_stem(word) == stem


@pytest.mark.django_db
def test_a_search_looks_at_the_newest_matches_only(city: Any, case_type: Any, monkeypatch: Any) -> None:
    """The horizon bounds the work of a word found in very many cases: the oldest fall outside."""
    from ester.cases import search

    cases = [
        register(city, case_type, subject="Faktura Atea", received_at=datetime.datetime(2026, 4, day, 9, 0, tzinfo=STHLM))
        for day in (1, 2, 3)
    ]
    monkeypatch.setattr(search, "SEARCH_HORIZON", 2)
    monkeypatch.setattr(search, "SEARCH_FIRST_HORIZON", 1)  # PostgreSQL, staff: a first stretch, then the horizon
    assert numbers(city.handler, "Atea") == [cases[2].number, cases[1].number]
    monkeypatch.setattr(search, "SEARCH_HORIZON", 10)
    monkeypatch.setattr(search, "SEARCH_WINDOW", 1)
    assert numbers(city.handler, "Atea") == [cases[2].number]
