"""What to do with one parsed mail: make a case, or drop it as a robot's, or keep it aside.

``classify`` looks at headers and the delivery-report fields that ``parse`` filled and
answers with a :class:`~ester.intake.types.Verdict`. The checks run in this order, the
first that matches decides:

1. **Quarantine, too large** — only the headers were read.
2. **Bounce** — a delivery report with action ``failed`` (RFC 3464, or a non-standard
   bounce that ``parse`` recognised), or a delivery report that could not be read. A
   ``delayed`` report, a success report and a read receipt are robots' mail: AUTO_REPLY.
   Bounces come before loops because a report from our own MTA may carry our
   Message-ID domain, and the handler must hear of it.
3. **Loop** — our own mail coming back: From is one of our own addresses, or it carries
   ``X-Ester-Mail``/``X-Ester-Case`` (added to everything Ester sends), or its Message-ID
   is ours and From is in our domains.
4. **Auto-reply** — ``Auto-Submitted`` other than ``no``; ``Precedence`` bulk, junk or
   auto_reply; ``X-Autoreply``/``X-Autorespond``/``X-Auto-Reply``; an out-of-office
   subject *together with* ``X-Auto-Response-Suppress``. A subject alone never drops a
   mail: "Frånvaroanmälan lön" is a customer's underlag.
5. **Quarantine, empty** — no (readable) sender, no text, no attachment.
6. **Process** — everything else. No receipt when the sender asked for none
   (``X-Auto-Response-Suppress`` All/AutoReply/OOF), for list mail (``List-Id``,
   ``List-Unsubscribe``, ``Precedence: list``), for no-reply-like senders, and when the
   subject reads like an auto-reply that carried no robot header.

``Precedence: list`` processes (without receipt) rather than drops: a customer's shared
address may well be a mailing list (Google Groups and the like), and a lost underlag
costs more than an unneeded case.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from ester.cases.mail import unattended_address as is_unattended_address
from ester.intake.parse import MAX_RAW_BYTES
from ester.intake.types import Disposition, ParsedMail, Verdict

__all__ = ["classify", "is_unattended_address"]

OUR_HEADERS = ("x-ester-mail", "x-ester-case")
_AUTO_REPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-reply")
_BULK_PRECEDENCE = {"bulk", "junk", "auto_reply", "auto-reply"}
_SUPPRESS_RECEIPT = {"all", "autoreply", "oof"}
_OUT_OF_OFFICE = re.compile(
    r"\s*(?:(?:autosvar|automatiskt svar|automatisk svar|automatic reply|auto[- ]?reply|autoreply|"
    r"abwesenheitsnotiz|automatische antwort|frånvaro(?:meddelande)?|out of office|out of the office)\s*[:\-–]"
    r"|out of (?:the )?office\b|abwesenheitsnotiz\b)",
    re.IGNORECASE,
)


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().strip("<>").lower()


def _first_token(value: str) -> str:
    return re.split(r"[;\s(]", value.strip(), maxsplit=1)[0].lower()


def classify(
    mail: ParsedMail,
    *,
    own_domains: Collection[str],
    own_addresses: Collection[str],
    own_message_id_domain: str,
) -> Verdict:
    """The disposition of ``mail`` and whether its sender gets a receipt (see the module doc)."""
    headers = mail.headers
    domains = {d.strip().lstrip("@").lower() for d in own_domains if d and d.strip()}
    addresses = {a.strip().lower() for a in own_addresses if a and a.strip()}
    id_domain = (own_message_id_domain or "").strip().lstrip("@").lower()
    content_type = headers.get("content-type", "").lower()
    report_type = (
        re.search(r"report-type\s*=\s*\"?([\w-]+)", content_type) if content_type.startswith("multipart/report") else None
    )

    # 1. Too large to read.
    if mail.raw_size > MAX_RAW_BYTES:
        size = mail.raw_size / 1024 / 1024
        return Verdict(Disposition.QUARANTINE, f"För stort meddelande ({size:.0f} MB)", send_receipt=False)

    # 2. Delivery reports.
    action = mail.dsn_action.lower()
    if action == "failed":
        recipients = ", ".join(mail.dsn_recipients[:5]) or "okänd mottagare"
        status = f"{mail.dsn_status} " if mail.dsn_status else ""
        return Verdict(Disposition.BOUNCE, f"Studsat meddelande: {status}till {recipients}", send_receipt=False)
    if action == "delayed":
        status = f" ({mail.dsn_status})" if mail.dsn_status else ""
        return Verdict(Disposition.AUTO_REPLY, f"Leveransrapport: fördröjd leverans{status}", send_receipt=False)
    if action:
        return Verdict(Disposition.AUTO_REPLY, f"Leveransrapport ({action})", send_receipt=False)
    if report_type and report_type.group(1) == "delivery-status":
        return Verdict(Disposition.BOUNCE, "Studsat meddelande (leveransrapporten gick inte att läsa)", send_receipt=False)
    if report_type and report_type.group(1) == "disposition-notification":
        return Verdict(Disposition.AUTO_REPLY, "Läskvitto", send_receipt=False)

    # 3. Our own mail coming back.
    sender = mail.from_address.lower()
    if sender and sender in addresses:
        return Verdict(Disposition.LOOP, f"Vår egen e-post som kom tillbaka (från {sender})", send_receipt=False)
    for name in OUR_HEADERS:
        if name in headers:
            return Verdict(
                Disposition.LOOP, f"Vår egen e-post som kom tillbaka ({name}: {headers[name][:60]})", send_receipt=False
            )
    if mail.message_id and id_domain and _domain(mail.message_id) == id_domain and _domain(sender) in domains:
        return Verdict(Disposition.LOOP, "Vår egen e-post som kom tillbaka (vårt Message-ID)", send_receipt=False)

    # 4. Robots.
    auto_submitted = headers.get("auto-submitted", "")
    if auto_submitted.strip() and _first_token(auto_submitted) != "no":
        return Verdict(Disposition.AUTO_REPLY, f"Autosvar (Auto-Submitted: {auto_submitted[:60]})", send_receipt=False)
    precedence = _first_token(headers.get("precedence", ""))
    if precedence in _BULK_PRECEDENCE:
        return Verdict(Disposition.AUTO_REPLY, f"Massutskick eller autosvar (Precedence: {precedence})", send_receipt=False)
    for name in _AUTO_REPLY_HEADERS:
        if name in headers and _first_token(headers[name]) not in ("no", "false", "0"):
            return Verdict(Disposition.AUTO_REPLY, f"Autosvar ({name})", send_receipt=False)
    suppress = {t.strip().lower() for t in headers.get("x-auto-response-suppress", "").split(",") if t.strip()}
    out_of_office_subject = bool(_OUT_OF_OFFICE.match(mail.subject))
    if out_of_office_subject and "x-auto-response-suppress" in headers:
        return Verdict(Disposition.AUTO_REPLY, "Frånvaromeddelande (ämnesrad och X-Auto-Response-Suppress)", send_receipt=False)

    # 5. Nothing to work with.
    if not mail.from_address and not mail.text.strip() and not mail.attachments:
        return Verdict(Disposition.QUARANTINE, "Tomt meddelande utan avsändare", send_receipt=False)

    # 6. A case; a receipt unless nobody should get one.
    no_receipt = (
        not sender
        or bool(suppress & _SUPPRESS_RECEIPT)
        or "list-id" in headers
        or "list-unsubscribe" in headers
        or precedence == "list"
        or is_unattended_address(sender)
        or (bool(mail.reply_to) and is_unattended_address(mail.reply_to))
        or out_of_office_subject
    )
    return Verdict(Disposition.PROCESS, "", send_receipt=not no_receipt)
