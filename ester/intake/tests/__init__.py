"""Tests of mail intake. ``corpus/`` holds the real-world and hostile mails they read."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from ester.intake.classify import classify
from ester.intake.parse import parse_message
from ester.intake.types import ParsedMail, Verdict

CORPUS = Path(__file__).resolve().parent / "corpus"

# The demo city's own side, as the pipeline passes it to ``classify``.
OURS = {
    "own_domains": {"serviceforvaltningen.example"},
    "own_addresses": {
        "ester@serviceforvaltningen.example",
        "ekonomi@serviceforvaltningen.example",
        "noreply-ester@serviceforvaltningen.example",
    },
    "own_message_id_domain": "serviceforvaltningen.example",
}


def _load_make_corpus() -> ModuleType:
    """``corpus/make_corpus.py`` (a script, not a package module): its samples and builders."""
    spec = importlib.util.spec_from_file_location("ester_intake_make_corpus", CORPUS / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_corpus = _load_make_corpus()


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.eml"))


def read_corpus(name: str) -> ParsedMail:
    return parse_message((CORPUS / name).read_bytes())


def judge(mail: ParsedMail) -> Verdict:
    return classify(mail, **OURS)  # type: ignore[arg-type]
