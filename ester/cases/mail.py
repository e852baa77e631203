"""Outgoing mail of cases: what each mail says, its headers, and sending it once.

Four mails leave Ester, each built here and sent by a task in ``tasks.py``:

- the **acknowledgement** (kvittens) of a newly registered case, to its sender;
- the **return letter** of a return for completion, to the sender;
- a handler's **reply**, to the sender;
- the **assignment notice**, to the handler a case was given to (internal).

Every mail has a *key* (``kvittens:<case>``, ``retur:<return request>``,
``svar:<event>``, ``tilldelning:<assigned event>``) and a row in the outbox
(``OutgoingMail``) under that key. ``deliver`` works in three steps so that no
transaction is open while the SMTP server answers (on SQLite an open write
transaction stops every writer in the system):

1. a short transaction locks the case, builds the mail and, unless the mail is
   already sent (outbox row ``sent``, or an older MESSAGE_OUT line with the key)
   or another run holds a live claim on it, *claims* the outbox row for
   ``CLAIM_SECONDS`` and fixes its Message-ID (chosen at the first claim, the
   same on every later attempt);
2. the mail goes to the SMTP server, outside any transaction;
3. a short transaction writes the timeline line (with the Message-ID in its
   payload) and marks the row ``sent``. When the server cannot take the mail,
   the row is marked ``failed`` with the error instead, the claim released and
   the error raised, so the task tries again later.

What this guarantees: at most one run sends a given key at a time, and a mail
that the server refused can simply be sent again. A process that dies between
the server taking the mail and step 3 leaves a claim that expires; the next run
then sends the mail again — at least once, not exactly once — with the same
Message-ID, so the recipient's mail program can recognise the copy.

Threading: customer mails carry ``[EK-2026-000123]`` in the subject, and
``In-Reply-To``/``References`` name the Message-IDs already on the case's
timeline (``payload["message_id"]`` — intake stores the Message-ID of incoming
mail under the same key), so answers thread back to the case.

Every mail carries ``X-Ester-Mail: <key>``, so intake recognises our own mail coming
back (a loop, not a new case). A mail to an address that bounced permanently
(``ester.intake.models.BouncedAddress``, within the last 90 days) is not sent: its
outbox row is marked ``skipped`` and an internal note tells the handler.

Personal identity numbers are masked (``YYMMDD-****``) in the subject and text
of every outgoing mail; the timeline keeps the handler's text as written.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import make_msgid, parseaddr
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.template import Context, Template
from django.utils import timezone
from django.utils.translation import gettext as _

from ester.cases.choices import CaseStatus, EventKind, LetterKind
from ester.cases.models import Case, CaseEvent, OutgoingMail, ReturnRequest
from ester.cases.services import case_add_note, letter_template
from ester.core.pii import mask_pii

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 20
MAX_REFERENCES = 10

# Mail kinds: the first part of a sent marker's key and payload["mail"].
ACKNOWLEDGEMENT = "kvittens"
RETURN_LETTER = "retur"
REPLY = "svar"
ASSIGNMENT = "tilldelning"

DEFAULT_ACKNOWLEDGEMENT_SUBJECT = "Vi har tagit emot ert ärende: {{ rubrik }}"
DEFAULT_ACKNOWLEDGEMENT_SUBJECT_SECRET = "Vi har tagit emot ert ärende"
DEFAULT_ACKNOWLEDGEMENT_BODY = """Hej!

Vi har tagit emot ert ärende och registrerat det med nummer {{ arendenummer }}.

Ärendenummer: {{ arendenummer }}
Inkom: {{ inkom }}
Handläggs av: {{ team }}, {{ kund_omrade }}
{% if gruppnummer %}Gruppnummer: {{ gruppnummer }}
{% endif %}
Ange ärendenumret om ni kontaktar oss om ärendet. Vill ni komplettera kan ni svara på det här meddelandet.

Det här är en automatisk bekräftelse.

Med vänlig hälsning
{{ team }}, {{ kund_omrade }}"""

# Local parts of mailboxes nobody reads (compared without dots, dashes and underscores, "+tag"
# removed): no receipt, letter or reply goes there, and intake sends them no receipt.
_UNATTENDED_EXACT = frozenset(
    {
        "noreply",
        "donotreply",
        "dontreply",
        "mailerdaemon",
        "postmaster",
        "bounce",
        "bounces",
        "autoreply",
        "autoresponder",
        "svaraej",
        "svaraint",
        "svarainte",
        "ingetsvar",
        "ejsvar",
        "nepasrepondre",
    }
)
_UNATTENDED_PREFIX = ("noreply", "donotreply", "dontreply", "mailerdaemon", "postmaster", "bounce")
_UNATTENDED_SUFFIX = ("noreply", "bounces", "donotreply")


def unattended_address(address: str) -> bool:
    """Whether ``address`` is a no-reply, bounce or daemon mailbox (nobody reads what is sent there)."""
    local = (address or "").strip().lower().rpartition("@")[0].split("+", 1)[0]
    compact = re.sub(r"[^a-z0-9]", "", local)
    if not compact:
        return False
    return compact in _UNATTENDED_EXACT or compact.startswith(_UNATTENDED_PREFIX) or compact.endswith(_UNATTENDED_SUFFIX)


# --- addresses and headers -------------------------------------------------------------


def mail_domain() -> str:
    """The right-hand side of Message-IDs: the domain of ``DEFAULT_FROM_EMAIL``."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL or "")[1]
    return address.rpartition("@")[2].strip().lower() or "ester.invalid"


def usable_address(address: str) -> bool:
    """Whether a mail to ``address`` can reach a person (not empty, valid, not no-reply/postmaster)."""
    address = (address or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        return False
    return not unattended_address(address)


def case_subject(case: Case, text: str) -> str:
    """A subject line for mail about ``case``: one line, ``[number]`` first, identity numbers masked."""
    text = " ".join((text or "").split())
    tag = f"[{case.number}]"
    if tag not in text:
        text = f"{tag} {text}".strip()
    return mask_pii(text)[:250]


def thread_message_ids(case: Case) -> list[str]:
    """Message-IDs already exchanged with the customer on ``case``, oldest first."""
    ids: list[str] = []
    rows = (
        CaseEvent.objects.filter(case=case, internal=False, payload__has_key="message_id")
        .order_by("at", "id")
        .values_list("payload", flat=True)
    )
    for payload in rows:
        value = str(payload.get("message_id") or "").strip()
        if value.startswith("<") and value.endswith(">") and value not in ids:
            ids.append(value)
    return ids


def thread_headers(previous: list[str]) -> dict[str, str]:
    """``In-Reply-To`` (the latest) and ``References`` (the first and the latest few) for a thread."""
    if not previous:
        return {}
    references = previous if len(previous) <= MAX_REFERENCES else [previous[0], *previous[-(MAX_REFERENCES - 1) :]]
    return {"In-Reply-To": previous[-1], "References": " ".join(references)}


def letter_context(case: Case, actor: Any = None) -> dict[str, Any]:
    """The variables of a standard letter: those of ``services.render_letter``, plus
    ``inkom`` (received, Stockholm time) and ``team_epost``."""
    received = timezone.localtime(case.received_at)
    return {
        "kund": case.customer.name,
        "arendenummer": case.number,
        "rubrik": case.subject,
        "saknas": [],
        "handlaggare": (actor.get_full_name() or actor.username) if getattr(actor, "pk", None) else "",
        "team": case.team.name,
        "gruppnummer": case.team.phone or "",
        "team_epost": case.team.email or "",
        "kund_omrade": case.area.name,
        "avsandare": case.sender_name,
        "inkom": f"{received:%Y-%m-%d} kl. {received:%H:%M}",
    }


def _render(source: str, context: Mapping[str, Any]) -> str:
    return Template(source).render(Context(dict(context), autoescape=False)).strip()


def case_link(case: Case) -> str:
    path = case.get_absolute_url() if hasattr(case, "get_absolute_url") else "/arenden/"
    return f"{(settings.SITE_URL or '').rstrip('/')}{path}"


# --- the mails ---------------------------------------------------------------------------


@dataclass
class Outgoing:
    """One mail ready to send, with what its timeline line will say."""

    case: Case
    kind: str
    key: str
    to: str
    subject: str
    body: str
    internal: bool = False
    actor: Any = None
    reply_to: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    message_id: str = field(default="")

    def __post_init__(self) -> None:
        self.message_id = self.message_id or make_msgid(domain=mail_domain())

    def message(self) -> EmailMessage:
        return EmailMessage(
            subject=self.subject,
            body=self.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[self.to],
            reply_to=self.reply_to or None,
            headers={"Message-ID": self.message_id, "X-Ester-Mail": self.key, **self.headers},
        )


def _customer_mail(case: Case, kind: str, key: str, subject: str, body: str, *, actor: Any = None, **extra: Any) -> Outgoing:
    return Outgoing(
        case=case,
        kind=kind,
        key=key,
        to=case.sender_email.strip(),
        subject=case_subject(case, subject),
        body=mask_pii(body),
        actor=actor,
        reply_to=[case.team.email] if case.team.email else [],
        headers=thread_headers(thread_message_ids(case)),
        extra=extra,
    )


def acknowledgement(case: Case) -> Outgoing | None:
    """The receipt of a new case: number, received time, team and group phone.

    From the process's (or the general) acknowledgement letter template when there is
    one, else the default text. A secret case's receipt does not repeat its subject."""
    if not usable_address(case.sender_email) or case.status == CaseStatus.VOIDED:
        return None
    context = letter_context(case)
    template = letter_template(case, LetterKind.ACKNOWLEDGEMENT)
    if template is not None:
        subject, body = _render(template.subject, context), _render(template.body, context)
    else:
        subject = _render(DEFAULT_ACKNOWLEDGEMENT_SUBJECT_SECRET if case.secret else DEFAULT_ACKNOWLEDGEMENT_SUBJECT, context)
        body = _render(DEFAULT_ACKNOWLEDGEMENT_BODY, context)
    mail = _customer_mail(case, ACKNOWLEDGEMENT, f"{ACKNOWLEDGEMENT}:{case.pk}", subject, body)
    # RFC 3834: an automatic answer; out-of-office robots should not answer it in turn.
    mail.headers.update({"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"})
    return mail


def return_letter(request: ReturnRequest) -> Outgoing | None:
    """The letter of a return for completion, as it was written when the case was returned."""
    case = request.case
    if not usable_address(case.sender_email):
        return None
    return _customer_mail(
        case,
        RETURN_LETTER,
        f"{RETURN_LETTER}:{request.pk}",
        request.letter_subject,
        request.letter_body,
        actor=request.sent_by,
        return_request=request.pk,
    )


def reply(event: CaseEvent) -> Outgoing | None:
    """A handler's reply (a MESSAGE_OUT line) with the handler's and team's signature."""
    case = event.case
    if not usable_address(case.sender_email):
        return None
    actor = event.actor
    signature = [
        "Med vänlig hälsning",
        (actor.get_full_name() or actor.username) if actor is not None else "",
        f"{case.team.name}, {case.area.name}",
        f"Gruppnummer: {case.team.phone}" if case.team.phone else "",
    ]
    body = event.text.strip() + "\n\n" + "\n".join(line for line in signature if line)
    subject = f"Svar i ärende {case.number}" if case.secret else f"Svar: {case.subject}"
    return _customer_mail(case, REPLY, f"{REPLY}:{event.pk}", subject, body, actor=actor, reply_to_event=event.pk)


def assignment_notice(case: Case, assignee: Any, assigned_event_id: int | None) -> Outgoing | None:
    """Tell a handler a case was given to them (not sent when the case has since gone to someone else)."""
    if case.assignee_id != assignee.pk or not assignee.is_active or not usable_address(assignee.email):
        return None
    due = f"{timezone.localtime(case.due_at):%Y-%m-%d %H:%M}" if case.due_at else "–"
    lines = [
        f"Hej {assignee.get_full_name() or assignee.username}!",
        "",
        f"Ärende {case.number} har tilldelats dig.",
        "",
        f"Kund: {case.customer.name}",
        f"Ärendetyp: {case.case_type.name}",
        *([] if case.secret else [f"Rubrik: {case.subject}"]),
        f"Klart senast: {due}",
        *(["Brådskande."] if case.urgent else []),
        "",
        case_link(case),
    ]
    subject = "Tilldelat dig" if case.secret else f"Tilldelat dig: {case.subject}"
    return Outgoing(
        case=case,
        kind=ASSIGNMENT,
        key=f"{ASSIGNMENT}:{assigned_event_id or case.pk}:{assignee.pk}",
        to=assignee.email.strip(),
        subject=case_subject(case, subject),
        body=mask_pii("\n".join(lines)),
        internal=True,
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
        extra={"assignee": assignee.pk},
    )


# --- sending once -------------------------------------------------------------------------

# Longer than one SMTP conversation can last (connect, EHLO, MAIL, RCPT, DATA, QUIT: each
# step up to SMTP_TIMEOUT_SECONDS), so a live claim means its run may still be talking to
# the server. It only matters after a crash: a run that fails releases its claim.
CLAIM_SECONDS = 10 * SMTP_TIMEOUT_SECONDS
MAX_ERROR_LENGTH = 500


def already_sent(case: Case, key: str) -> bool:
    """Whether the mail ``key`` went out: its outbox row says sent, or (mail sent before the
    outbox existed) its MESSAGE_OUT line is on the timeline."""
    return (
        OutgoingMail.objects.filter(key=key, state=OutgoingMail.State.SENT).exists()
        or CaseEvent.objects.filter(case=case, kind=EventKind.MESSAGE_OUT, payload__mail_key=key).exists()
    )


def send(mail: Outgoing) -> None:
    """Hand the mail to the SMTP server; raises when it cannot be delivered there."""
    connection = get_connection(fail_silently=False, timeout=SMTP_TIMEOUT_SECONDS)
    if connection.send_messages([mail.message()]) != 1:
        raise SMTPException(f"the mail server did not take {mail.message_id}")
    log.info("mail %s %s sent for case %s", mail.kind, mail.message_id, mail.case.number)


def record(mail: Outgoing) -> CaseEvent:
    """The timeline line that says the mail went out."""
    who = "Handläggaren aviserad" if mail.internal else "E-post skickad"
    return CaseEvent.objects.create(
        case=mail.case,
        kind=EventKind.MESSAGE_OUT,
        actor=mail.actor if getattr(mail.actor, "pk", None) else None,
        at=timezone.now(),
        text=f"{who} till {mail.to}: {mail.subject}",
        internal=mail.internal,
        payload={
            "mail": mail.kind,
            "mail_key": mail.key,
            "message_id": mail.message_id,
            "to": mail.to,
            "subject": mail.subject,
            **({"in_reply_to": mail.headers["In-Reply-To"]} if "In-Reply-To" in mail.headers else {}),
            **mail.extra,
        },
    )


def claim(case_id: int, build: Callable[[Case], Outgoing | None]) -> tuple[Outgoing, OutgoingMail] | None:
    """Step 1 of ``deliver``: build the mail and claim its outbox row, in one short transaction.

    None when there is nothing to send: no mail (``build`` said so), already sent, or
    claimed by another run that may be sending it right now. Otherwise the mail — with
    the Message-ID of its first claim — and the claimed row."""
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("team", "area", "customer", "case_type").get(pk=case_id)
        mail = build(case)
        if mail is None:
            log.info("no mail to send for case %s", case.number)
            return None
        now = timezone.now()
        row = OutgoingMail.objects.select_for_update().filter(key=mail.key).first()
        if (row is not None and row.state == OutgoingMail.State.SENT) or already_sent(case, mail.key):
            log.info("mail %s already sent for case %s", mail.key, case.number)
            return None
        if (
            row is not None
            and row.state == OutgoingMail.State.SENDING
            and row.claimed_until is not None
            and row.claimed_until > now
        ):
            log.info(
                "mail %s for case %s is being sent by another run (claimed until %s)", mail.key, case.number, row.claimed_until
            )
            return None
        if skip_bounced(case, mail, row):
            return None
        if row is None:
            row = OutgoingMail(case=case, key=mail.key, message_id=mail.message_id)
        else:  # failed, skipped (the address no longer bounces), or a claim that expired: this run takes it over
            mail.message_id = row.message_id
        row.kind, row.to, row.subject = mail.kind, mail.to, mail.subject
        row.state = OutgoingMail.State.SENDING
        row.claimed_until = now + datetime.timedelta(seconds=CLAIM_SECONDS)
        row.attempts += 1
        if row.pk is None:
            row.save()
        else:
            row.save(update_fields=["kind", "to", "subject", "state", "claimed_until", "attempts"])
        return mail, row


def skip_bounced(case: Case, mail: Outgoing, row: OutgoingMail | None) -> bool:
    """Whether ``mail`` goes to an address that bounced permanently (intake's ``BouncedAddress``,
    within ``ester.intake.selectors.BOUNCE_DAYS``): then it is not sent — its outbox row is
    marked SKIPPED and, the first time, an internal note tells the handler. Inside ``claim``'s
    transaction."""
    from ester.intake.selectors import bounced_address  # intake builds on cases: imported when needed

    bounced = bounced_address(mail.to)
    if bounced is None:
        return False
    if row is not None and row.state == OutgoingMail.State.SKIPPED:
        log.info("mail %s for case %s not sent: %s bounces (already noted)", mail.key, case.number, mail.to)
        return True
    if row is None:
        row = OutgoingMail(case=case, key=mail.key, message_id=mail.message_id)
    row.kind, row.to, row.subject = mail.kind, mail.to, mail.subject
    row.state, row.claimed_until = OutgoingMail.State.SKIPPED, None
    row.last_error = f"{bounced.last_status} {bounced.last_reason}".strip()[:MAX_ERROR_LENGTH]
    row.save()
    when = timezone.localtime(bounced.last_bounced_at)
    text = _(
        "E-post till %(to)s skickas inte: adressen studsade senast %(day)s%(status)s. Det gällde ”%(subject)s”. "
        "Kontrollera adressen med kunden och kontakta dem på annat sätt."
    ) % {
        "to": mail.to,
        "day": f"{when:%Y-%m-%d}",
        "status": f" ({bounced.last_status})" if bounced.last_status else "",
        "subject": mail.subject,
    }
    case_add_note(actor=None, case=case, text=text)
    log.info("mail %s for case %s not sent: %s bounced on %s", mail.key, case.number, mail.to, when)
    return True


def mark_sent(mail: Outgoing, row: OutgoingMail) -> None:
    """Step 3 of ``deliver``: the timeline line and the row marked sent, in one short transaction."""
    with transaction.atomic():
        current = OutgoingMail.objects.select_for_update().get(pk=row.pk)
        if current.state == OutgoingMail.State.SENT:
            # This run outlived its claim and another run sent the mail as well (same Message-ID).
            log.warning("mail %s for case %s was sent twice; recorded once", mail.key, mail.case.number)
            return
        record(mail)
        current.state = OutgoingMail.State.SENT
        current.sent_at = timezone.now()
        current.claimed_until = None
        current.last_error = ""
        current.save(update_fields=["state", "sent_at", "claimed_until", "last_error"])


def mark_failed(row: OutgoingMail, error: BaseException) -> None:
    """The row of a mail the server did not take: failed, with the error, the claim released
    (unless another run has taken the row over meanwhile)."""
    text = mask_pii(f"{type(error).__name__}: {error}")[:MAX_ERROR_LENGTH]
    with transaction.atomic():
        OutgoingMail.objects.filter(pk=row.pk, state=OutgoingMail.State.SENDING, attempts=row.attempts).update(
            state=OutgoingMail.State.FAILED, claimed_until=None, last_error=text
        )


def deliver(case_id: int, build: Callable[[Case], Outgoing | None]) -> str | None:
    """Build, send and record one mail of case ``case_id`` unless it was already sent or
    another run is sending it. Returns the Message-ID sent, or None when nothing was sent.

    Claims the mail, sends it outside any transaction, then records it (see the module
    docstring). Call it outside ``transaction.atomic`` — as the tasks do — or the
    transaction around it is held open while the server answers; nested, it still works."""
    claimed = claim(case_id, build)
    if claimed is None:
        return None
    mail, row = claimed
    try:
        send(mail)
    except Exception as error:
        mark_failed(row, error)
        log.warning(
            "mail %s for case %s not sent (attempt %s): %s", mail.key, mail.case.number, row.attempts, type(error).__name__
        )
        raise
    mark_sent(mail, row)
    return mail.message_id
