"""English through the language switch, and a complete, compiled English catalog.

The interface is written in Swedish; ``locale/en/LC_MESSAGES/django.po`` holds the
English translation and the committed ``django.mo`` is what Django reads (GNU
gettext is not installed on a fresh machine, so the ``.mo`` cannot be rebuilt there).
"""

from __future__ import annotations

import ast
import gettext
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"


@pytest.fixture(autouse=True)
def _back_to_swedish() -> Iterator[None]:
    """LocaleMiddleware activates English for the thread and never deactivates it;
    don't let that leak into tests that expect Swedish messages."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def switch_to_english(client: Client, next_url: str) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url


# --- the language switch ------------------------------------------------------


@pytest.mark.django_db
def test_login_page_in_english(client: Client) -> None:
    switch_to_english(client, "/login/")
    body = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="en"' in body
    assert "Log in" in body and "Log in to Ester" in body
    assert "Logga in" not in body


def test_staff_navigation_in_english(city: Any, client: Client) -> None:
    client.force_login(city.handler)
    switch_to_english(client, "/organisation/kunder/")
    response = client.get("/organisation/kunder/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="en"' in body
    for english in ("Customers", "Services", "Organisation", "Log out", "Skip to content"):
        assert english in body, english
    for swedish in ("Kunder", "Tjänster", "Logga ut", "Hoppa till innehållet"):
        assert swedish not in body, swedish


@pytest.mark.django_db
def test_swedish_without_a_choice(client: Client) -> None:
    body = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="sv"' in body and "Logga in i Ester" in body


# --- the catalog ---------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def parse_po(path: Path) -> list[Entry]:
    """A small PO reader: enough for gettext's own output (no polib in the project)."""
    entries: list[Entry] = []
    entry = Entry()
    key: tuple[str, int] | None = None
    started = False

    def close() -> None:
        nonlocal entry, key, started
        if started:
            entries.append(entry)
        entry, key, started = Entry(), None, False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            close()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].strip()
            if not line or line.startswith("#"):
                continue
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        elif line.startswith("#"):
            continue
        if line.startswith('"'):
            assert key is not None, f"continuation without a keyword: {raw!r}"
            text = ast.literal_eval(line)
        else:
            keyword, _, rest = line.partition(" ")
            text = ast.literal_eval(rest.strip())
            if keyword.startswith("msgstr["):
                key = ("msgstr", int(keyword[7:-1]))
            else:
                assert keyword in ("msgid", "msgid_plural", "msgctxt", "msgstr"), raw
                if keyword == "msgid" and started and key and key[0] == "msgstr":
                    close()  # entries not separated by a blank line
                key = (keyword, 0)
            started = True
            if key[0] == "msgstr":
                entry.msgstr.setdefault(key[1], "")
            elif key[0] == "msgid_plural":
                entry.msgid_plural = ""
            elif key[0] == "msgctxt":
                entry.msgctxt = ""
        name, index = key
        if name == "msgstr":
            entry.msgstr[index] += text
        elif name == "msgid":
            entry.msgid += text
        elif name == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + text
        else:
            entry.msgctxt = (entry.msgctxt or "") + text
    close()
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    entries = parse_po(PO)
    header = [e for e in entries if e.msgid == ""]
    assert len(header) == 1 and "Language: en" in header[0].msgstr[0]
    return [e for e in entries if e.msgid and not e.obsolete]


def test_catalog_is_large_and_parsed(po_entries: list[Entry]) -> None:
    msgids = {e.msgid for e in po_entries}
    assert len(po_entries) > 300 and len(msgids) == len(po_entries)
    # strings from config/ (settings) and from each app made it into the catalog
    for msgid in ("Svenska", "Logga in", "Kunder", "Serviceavtal", "Prislistor", "Kundportal", "Hoppa till innehållet"):
        assert msgid in msgids, msgid


def test_every_entry_is_translated_and_none_is_fuzzy(po_entries: list[Entry]) -> None:
    untranslated = [e.msgid for e in po_entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [e.msgid for e in po_entries if "fuzzy" in e.flags]
    plurals_incomplete = [e.msgid for e in po_entries if e.msgid_plural is not None and sorted(e.msgstr) != [0, 1]]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"
    assert not plurals_incomplete, f"plural forms missing: {plurals_incomplete[:10]}"
    assert "fuzzy" not in parse_po(PO)[0].flags, "the header is fuzzy"


def test_compiled_catalog_matches_the_po(po_entries: list[Entry]) -> None:
    """The committed .mo must be compiled from the current .po: run compilemessages and commit both."""
    with MO.open("rb") as fp:
        catalog: dict[Any, str] = gettext.GNUTranslations(fp)._catalog  # type: ignore[attr-defined]
    stale = []
    for e in po_entries:
        msgid = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            if catalog.get(msgid) != e.msgstr[0]:
                stale.append(e.msgid)
        elif any(catalog.get((msgid, i)) != text for i, text in e.msgstr.items()):
            stale.append(e.msgid)
    assert not stale, f"django.mo is out of date for {len(stale)} strings, e.g. {stale[:5]}; run compilemessages"
