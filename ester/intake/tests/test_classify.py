"""classify: the verdict on every corpus file, and each rule on mails built here.

No database: plain functions.
"""

from __future__ import annotations

import pytest

from ester.intake import parse
from ester.intake.classify import classify, is_unattended_address
from ester.intake.tests import corpus_files, judge, read_corpus
from ester.intake.types import Attachment, Disposition, ParsedMail

P, A, B, L, Q = Disposition.PROCESS, Disposition.AUTO_REPLY, Disposition.BOUNCE, Disposition.LOOP, Disposition.QUARANTINE

# file -> (disposition, receipt, a fragment of the reason)
EXPECTED = {
    "outlook_related_inline_pdf.eml": (P, True, ""),
    "gmail_alternative_xlsx.eml": (P, True, ""),
    "subject_split_utf8_words.eml": (P, True, ""),
    "rfc2231_filenames.eml": (P, True, ""),
    "raw_utf8_headers.eml": (P, True, ""),
    "raw_latin1_headers.eml": (P, True, ""),
    "unknown_charset.eml": (P, True, ""),
    "wrong_charset.eml": (P, True, ""),
    "missing_boundary.eml": (P, True, ""),
    "truncated_multipart.eml": (P, True, ""),
    "no_body.eml": (P, True, ""),  # a sender and a subject: a case the handler can answer
    "empty.eml": (Q, False, "Tomt meddelande utan avsändare"),
    "only_headers.eml": (P, True, ""),
    "nested_rfc822.eml": (P, True, ""),
    "nested_rfc822_base64.eml": (P, True, ""),
    "winmail_dat.eml": (P, True, ""),
    "winmail_dat_broken.eml": (P, True, ""),
    "dsn_postfix_failed.eml": (B, False, "Studsat meddelande: 5.1.1 till anna.berg@kund.example"),
    "dsn_delayed.eml": (A, False, "fördröjd leverans (4.4.7)"),
    "ndr_exchange_text.eml": (B, False, "Studsat meddelande: 5.1.1 till anna.berg@kund.example"),
    "ndr_qmail.eml": (B, False, "Studsat meddelande: 5.1.1 till bo.ek@kund.example"),
    "ooo_exchange.eml": (A, False, "Autosvar (Auto-Submitted: auto-generated)"),
    "ooo_gmail_vacation.eml": (A, False, "Precedence: bulk"),
    "mailing_list.eml": (P, False, ""),
    "own_receipt_back.eml": (L, False, "Vår egen e-post som kom tillbaka"),
    "reply_with_case_number.eml": (P, True, ""),
    "personnummer_subject.eml": (P, True, ""),
    "malformed_date.eml": (P, True, ""),
    "malformed_from.eml": (P, False, ""),  # text to read, nobody to send a receipt to
    "header_injection.eml": (P, True, ""),
    "hostile_filenames.eml": (P, True, ""),
    "nul_bytes.eml": (P, True, ""),
    "html_only.eml": (P, True, ""),
    "scanner_pdf_only.eml": (P, True, ""),
    "read_receipt.eml": (A, False, "Läskvitto"),
    "franvaroanmalan.eml": (P, False, ""),  # X-Auto-Response-Suppress: a case, no receipt
}


def test_every_corpus_file_has_a_verdict():
    assert sorted(EXPECTED) == [p.name for p in corpus_files()]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_verdict(name):
    disposition, receipt, reason = EXPECTED[name]
    verdict = judge(read_corpus(name))
    assert (verdict.disposition, verdict.send_receipt) == (disposition, receipt)
    assert reason in verdict.reason
    assert (verdict.reason == "") == (disposition == P)


def mail(**fields) -> ParsedMail:
    fields.setdefault("from_address", "anna.berg@kund.example")
    fields.setdefault("text", "Hej")
    return ParsedMail(raw_size=fields.pop("raw_size", 100), sha256="0" * 64, message_id=fields.pop("message_id", ""), **fields)


# --- loops ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sender", ["ester@serviceforvaltningen.example", "ekonomi@serviceforvaltningen.example"])
def test_from_one_of_our_addresses_is_a_loop(sender):
    verdict = judge(mail(from_address=sender))
    assert verdict.disposition == L
    assert verdict.reason == f"Vår egen e-post som kom tillbaka (från {sender})"


@pytest.mark.parametrize("header", ["x-ester-mail", "x-ester-case"])
def test_our_header_is_a_loop_whoever_sends(header):
    verdict = judge(mail(headers={header: "kvittens:123"}))
    assert (verdict.disposition, verdict.send_receipt) == (L, False)
    assert header in verdict.reason


def test_our_message_id_from_our_domain_is_a_loop():
    ours = mail(from_address="kalle@serviceforvaltningen.example", message_id="<x.1@serviceforvaltningen.example>")
    assert judge(ours).disposition == L
    colleague = mail(from_address="kalle@serviceforvaltningen.example", message_id="<AM0PR@eurprd.prod.outlook.com>")
    assert judge(colleague).disposition == P
    forged = mail(from_address="anna.berg@kund.example", message_id="<x.1@serviceforvaltningen.example>")
    assert judge(forged).disposition == P


def test_own_sides_are_compared_without_case():
    verdict = classify(
        mail(from_address="ekonomi@serviceforvaltningen.example"),
        own_domains=["SERVICEFORVALTNINGEN.example"],
        own_addresses=["Ekonomi@ServiceForvaltningen.example"],
        own_message_id_domain="serviceforvaltningen.example",
    )
    assert verdict.disposition == L


# --- bounces and other delivery reports ------------------------------------------------------------


def test_failed_report_is_a_bounce_with_status_and_recipients():
    verdict = judge(mail(dsn_action="failed", dsn_status="5.1.1", dsn_recipients=["anna@example.se"]))
    assert verdict == judge(mail(dsn_action="failed", dsn_status="5.1.1", dsn_recipients=["anna@example.se"]))
    assert (verdict.disposition, verdict.reason, verdict.send_receipt) == (
        B,
        "Studsat meddelande: 5.1.1 till anna@example.se",
        False,
    )


def test_failed_report_without_recipients_still_bounces():
    assert judge(mail(dsn_action="failed")).reason == "Studsat meddelande: till okänd mottagare"


def test_unreadable_delivery_report_bounces_so_the_handler_hears_of_it():
    headers = {"content-type": 'multipart/report; report-type="delivery-status"; boundary="x"'}
    verdict = judge(mail(headers=headers))
    assert verdict.disposition == B
    assert "gick inte att läsa" in verdict.reason


@pytest.mark.parametrize(
    ("action", "fragment"), [("delayed", "fördröjd leverans"), ("delivered", "(delivered)"), ("relayed", "(relayed)")]
)
def test_other_reports_are_robot_mail(action, fragment):
    verdict = judge(mail(dsn_action=action, dsn_status="4.4.7" if action == "delayed" else "2.0.0"))
    assert (verdict.disposition, verdict.send_receipt) == (A, False)
    assert fragment in verdict.reason


def test_bounce_from_our_own_mta_is_a_bounce_not_a_loop():
    report = mail(
        from_address="mailer-daemon@serviceforvaltningen.example",
        message_id="<20260303.1@serviceforvaltningen.example>",
        dsn_action="failed",
        dsn_status="5.2.2",
        dsn_recipients=["anna@kund.example"],
    )
    assert judge(report).disposition == B


# --- auto-replies ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["auto-replied", "auto-generated", "auto-notified", "Auto-Replied; owner-email=x@y"])
def test_auto_submitted(value):
    verdict = judge(mail(headers={"auto-submitted": value}))
    assert (verdict.disposition, verdict.send_receipt) == (A, False)
    assert verdict.reason == f"Autosvar (Auto-Submitted: {value})"


@pytest.mark.parametrize("value", ["no", "No", " no "])
def test_auto_submitted_no_is_a_person(value):
    assert judge(mail(headers={"auto-submitted": value})).disposition == P


@pytest.mark.parametrize("value", ["bulk", "junk", "auto_reply", "Bulk"])
def test_precedence_bulk_junk_auto_reply(value):
    verdict = judge(mail(headers={"precedence": value}))
    assert verdict.disposition == A
    assert "Precedence" in verdict.reason


@pytest.mark.parametrize("header", ["x-autoreply", "x-autorespond", "x-auto-reply"])
def test_autoreply_headers(header):
    assert judge(mail(headers={header: "yes"})).disposition == A
    assert judge(mail(headers={header: "no"})).disposition == P


@pytest.mark.parametrize(
    "subject",
    [
        "Autosvar: Underlag",
        "Automatiskt svar: Underlag",
        "Automatic reply: Invoice",
        "Out of Office: Invoice",
        "Out of Office AutoReply: Invoice",
        "Abwesenheitsnotiz: Rechnung",
        "Frånvaro: Underlag",
    ],
)
def test_out_of_office_subject_with_suppress_header(subject):
    verdict = judge(mail(subject=subject, headers={"x-auto-response-suppress": "All"}))
    assert (verdict.disposition, verdict.send_receipt) == (A, False)
    assert verdict.reason.startswith("Frånvaromeddelande")


@pytest.mark.parametrize(
    "subject", ["Frånvaroanmälan lön", "Frånvaro under sommaren", "Fråga om autosvar i er e-post", "Out-of-office-policy"]
)
def test_a_person_writing_about_absence_is_not_dropped(subject):
    with_suppress = judge(mail(subject=subject, headers={"x-auto-response-suppress": "All"}))
    assert (with_suppress.disposition, with_suppress.send_receipt) == (P, False)
    assert judge(mail(subject=subject)) == judge(mail(subject="Underlag"))  # no header: an ordinary case with receipt


def test_out_of_office_subject_alone_makes_a_case_without_receipt():
    verdict = judge(mail(subject="Automatic reply: Invoice"))
    assert (verdict.disposition, verdict.send_receipt) == (P, False)


# --- quarantine ----------------------------------------------------------------------------------


def test_too_large_is_quarantined_before_anything_else():
    verdict = judge(mail(raw_size=parse.MAX_RAW_BYTES + 1, headers={"x-ester-mail": "1", "auto-submitted": "auto-replied"}))
    assert (verdict.disposition, verdict.send_receipt) == (Q, False)
    assert verdict.reason == "För stort meddelande (50 MB)"


def test_nothing_and_from_nobody_is_quarantined():
    assert judge(mail(from_address="", text="")).disposition == Q
    assert judge(mail(from_address="", text="", headers={"from": "<<>>"})).disposition == Q
    assert judge(mail(from_address="", text="Hej")).disposition == P
    assert judge(mail(from_address="", text="", attachments=[Attachment("a.pdf", "application/pdf", b"%PDF")])).disposition == P
    assert judge(mail(text="")).disposition == P


# --- receipts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "receipt"),
    [("All", False), ("OOF", False), ("AutoReply", False), ("DR, OOF, AutoReply", False), ("DR, NDR, RN, NRN", True)],
)
def test_x_auto_response_suppress(value, receipt):
    verdict = judge(mail(headers={"x-auto-response-suppress": value}))
    assert (verdict.disposition, verdict.send_receipt) == (P, receipt)


@pytest.mark.parametrize(
    "headers",
    [{"list-id": "Ekonomi <ekonomi.kund.example>"}, {"list-unsubscribe": "<mailto:x@y>"}, {"precedence": "list"}],
)
def test_list_mail_is_a_case_without_receipt(headers):
    verdict = judge(mail(headers=headers))
    assert (verdict.disposition, verdict.send_receipt) == (P, False)


@pytest.mark.parametrize(
    ("address", "unattended"),
    [
        ("noreply@kund.example", True),
        ("no-reply@kund.example", True),
        ("No_Reply@kund.example", True),
        ("donotreply@kund.example", True),
        ("do-not-reply@kund.example", True),
        ("noreply-fakturor@kund.example", True),
        ("MAILER-DAEMON@kund.example", True),
        ("postmaster@kund.example", True),
        ("bounce-123@kund.example", True),
        ("bounces+abc=x@lists.example", True),
        ("ekonomi-alla-bounces@kund.example", True),
        ("svara-inte@kund.example", True),
        ("anna.berg@kund.example", False),
        ("norea@kund.example", False),
        ("reply@kund.example", False),
        ("", False),
    ],
)
def test_unattended_addresses(address, unattended):
    assert is_unattended_address(address) is unattended


def test_no_receipt_to_no_reply_senders_or_reply_to():
    assert judge(mail(from_address="noreply@kund.example")).send_receipt is False
    assert judge(mail(reply_to="no-reply@kund.example")).send_receipt is False
    assert judge(mail(reply_to="anna.berg@kund.example")).send_receipt is True
