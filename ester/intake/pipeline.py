"""Mail intake as an ordered pipeline of small steps (as paperless-ngx's consumer).

``ingest(mailbox, raw, source=…)`` takes one message as received and returns its
row in the processed-message log (:class:`~ester.intake.models.IncomingMessage`):

a. **dedupe** — a message already recorded for the mailbox (same UIDVALIDITY and
   UID, same SHA-256 of its bytes, or — for an import — the same Message-ID) is
   returned as it is, marked ``already_seen``; nothing changes.
b. **store** the original bytes, content-addressed under ``intake/``, and record
   the row (state *mottaget*). Everything from here on is ONE transaction: a
   crash leaves no half-made case, and the row says what happened.
c. **parse** (``parse.parse_message``) and **classify** (``classify.classify``):
   auto-replies and loops are dropped (no case, no receipt), a permanent bounce
   marks the address in :class:`BouncedAddress` and tells the handler of the case
   whose mail bounced, unreadable mail goes to quarantine.
d. **identify** the customer: the mailbox's customer, else the one customer whose
   active contact has the sender's address; otherwise quarantine, with what to do.
e. **thread**: the case named by In-Reply-To/References (our outgoing mail, an
   earlier incoming message, a timeline line) or by a case number in the subject —
   accepted only when it is the identified customer's case *and* the sender is a
   contact of that customer or the case's own sender. Then the message is the
   customer's message on that case (a waiting case is completed, a closed one
   reopened) with the original and its attachments. A voided case gets a new case
   linked to it. A case of another customer is never touched: the message becomes
   a new case of its own customer, *möjligt svar*, with an internal note.
f. **route**: the case type from the mailbox's rules (first match), else its default.
g. **create** the case (``case_register``, channel e-post) with the original
   ``.eml`` and every attachment as documents; an attachment of a refused type is
   listed in an internal note (it is still inside the stored original).
h. **receipt**: the acknowledgement is queued after the commit, unless the
   classifier said no, the sender bounces, or the sender already got
   ``ESTER_RECEIPTS_PER_SENDER_PER_HOUR`` receipts in the last hour.
i. Any unexpected error rolls all of that back and records the row in state *fel*
   (in a new transaction) with the error and the original kept, for ``retry``.

``ingest`` does not raise for a problem with the message; it raises only when not
even the failure can be recorded (storage or database down) — the caller must then
leave the message where it is (the IMAP poller flags a message only after
``ingest`` returned a row whose state is not *fel*).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from ester.cases import notify
from ester.cases.choices import CaseChannel, CaseStatus, LinkKind
from ester.cases.documents import StoredFiles, files_kept_only_on_success
from ester.cases.mail import ACKNOWLEDGEMENT, mail_domain, usable_address
from ester.cases.models import Case, CaseType, OutgoingMail
from ester.cases.services import case_register
from ester.core import clock
from ester.core.pii import mask_pii
from ester.intake import casework
from ester.intake.bounces import record_bounce
from ester.intake.lookup import contact_customers, numbered_cases, referenced_cases, sender_belongs
from ester.intake.models import BouncedAddress, IncomingMessage, Mailbox, MailboxRule, raw_path
from ester.intake.services import rule_matches
from ester.intake.types import Disposition, ParsedMail, Verdict
from ester.organisation.models import Customer

log = logging.getLogger(__name__)

State = IncomingMessage.State
Source = IncomingMessage.Source

#: How much of a message's text goes into the case description or the timeline; the rest is in the .eml.
MAX_TEXT = 20_000
#: Inline images smaller than this (logos in signatures) are not stored as documents of their own.
INLINE_MIN_BYTES = 16 * 1024
#: A Date header before this, or after now, is not believed.
EARLIEST_PLAUSIBLE = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
MAX_ERROR_LENGTH = 2000


# --- the context the steps share -------------------------------------------------------


@dataclass
class Context:
    """One message on its way through the steps."""

    mailbox: Mailbox
    raw: bytes
    source: str
    uidvalidity: int | None = None
    uid: int | None = None
    arrived_at: datetime.datetime | None = None  # from the caller (IMAP INTERNALDATE)
    receipts: bool = True
    sha256: str = ""
    raw_name: str = ""
    incoming: IncomingMessage | None = None
    mail: ParsedMail | None = None
    verdict: Verdict | None = None
    customer: Customer | None = None
    thread_case: Case | None = None  # the customer's own case the message answers
    possible_reply_to: Case | None = None  # a case the message seems to answer but may not join
    voided_case: Case | None = None  # the customer's voided case the message answers
    case_type: CaseType | None = None
    case: Case | None = None
    written: StoredFiles = field(default_factory=StoredFiles)
    finished: bool = False

    @property
    def row(self) -> IncomingMessage:
        assert self.incoming is not None, "the message is recorded before the steps run"
        return self.incoming

    @property
    def parsed(self) -> ParsedMail:
        assert self.mail is not None, "the message is parsed first"
        return self.mail

    def finish(self, state: str, reason: str = "") -> None:
        """Settle the message's state; the remaining steps are skipped."""
        self.outcome(state, reason)
        self.finished = True

    def outcome(self, state: str, reason: str = "") -> None:
        self.row.state = state
        self.row.reason = reason[:500]


Step = Callable[[Context], None]


# --- a. dedupe ----------------------------------------------------------------------------


def find_seen(
    mailbox: Mailbox, *, sha256: str, source: str, uidvalidity: int | None, uid: int | None, message_id: str = ""
) -> IncomingMessage | None:
    """The row of a message already recorded for ``mailbox``, if any."""
    rows = IncomingMessage.objects.filter(mailbox=mailbox)
    if uid is not None and uidvalidity is not None:
        hit = rows.filter(uidvalidity=uidvalidity, uid=uid).first()
        if hit is not None:
            return hit
    hit = rows.filter(sha256=sha256).first()
    if hit is None and source == Source.IMPORT and message_id:
        hit = rows.filter(message_id=message_id).order_by("id").first()
    return hit


def _seen(row: IncomingMessage) -> IncomingMessage:
    row.already_seen = True
    log.info("intake: message %s already recorded (%s)", row.pk, row.state)
    return row


# --- b. store ----------------------------------------------------------------------------


def store_raw(sha256: str, raw: bytes) -> str:
    """Keep the original bytes under ``intake/ab/cd/<sha256>`` (written once; never deleted) and return the name."""
    name = raw_path(sha256)
    if default_storage.exists(name):
        return name
    return default_storage.save(name, ContentFile(raw))


def step_record(ctx: Context) -> None:
    """Record the message (state *mottaget*), or take up the row of a retry."""
    if ctx.incoming is not None:
        return
    ctx.incoming = IncomingMessage.objects.create(
        mailbox=ctx.mailbox,
        source=ctx.source,
        uidvalidity=ctx.uidvalidity,
        uid=ctx.uid,
        sha256=ctx.sha256,
        size=len(ctx.raw),
        received_at=ctx.arrived_at or clock.now(),
        raw=ctx.raw_name,
        state=State.RECEIVED,
    )


# --- c. parse and classify ----------------------------------------------------------------


def arrival_time(ctx: Context) -> datetime.datetime:
    """When the message reached the mailbox: the time the caller gives (IMAP INTERNALDATE),
    else the Date header when it is plausible, else now."""
    now = clock.now()
    if ctx.arrived_at is not None:
        return min(ctx.arrived_at, now)
    date = ctx.mail.date if ctx.mail is not None else None
    if date is not None and timezone.is_aware(date) and EARLIEST_PLAUSIBLE <= date <= now + datetime.timedelta(minutes=5):
        return min(date, now)
    return now


def step_parse(ctx: Context) -> None:
    from ester.intake.parse import parse_message

    if ctx.mail is None:
        ctx.mail = parse_message(ctx.raw)
    mail, row = ctx.parsed, ctx.row
    row.message_id = mail.message_id[:500]
    row.from_address = mail.from_address[:254]
    row.subject = mask_pii(" ".join(mail.subject.split()))[:300]
    row.defects = list(mail.defects)
    row.received_at = arrival_time(ctx)


def own_addresses() -> tuple[frozenset[str], frozenset[str]]:
    """(domains, addresses) that are Ester's own: the sender address of Ester's mail and every mailbox."""

    def compute() -> tuple[frozenset[str], frozenset[str]]:
        sender = parseaddr(settings.DEFAULT_FROM_EMAIL or "")[1].strip().lower()
        addresses = {sender, *Mailbox.objects.values_list("address", flat=True)} - {""}
        domains = {sender.rpartition("@")[2]} - {""}
        return frozenset(domains), frozenset(a.lower() for a in addresses)

    return clock.memo("intake_own_addresses", compute)


def step_classify(ctx: Context) -> None:
    from ester.intake.classify import classify

    domains, addresses = own_addresses()
    ctx.verdict = verdict = classify(
        ctx.parsed, own_domains=domains, own_addresses=addresses, own_message_id_domain=mail_domain()
    )
    disposition = verdict.disposition
    if disposition == Disposition.AUTO_REPLY:
        ctx.finish(State.AUTO_REPLY, verdict.reason or _("Autosvar: inget ärende och ingen kvittens."))
    elif disposition == Disposition.LOOP:
        ctx.finish(State.LOOP, verdict.reason or _("Vår egen e-post kom tillbaka: inget ärende."))
    elif disposition == Disposition.BOUNCE:
        ctx.finish(State.BOUNCE, record_bounce(ctx.parsed, verdict))
    elif disposition == Disposition.QUARANTINE:
        ctx.finish(State.QUARANTINE, verdict.reason or _("Meddelandet kan inte behandlas säkert."))


# --- d. identify the customer -------------------------------------------------------------


def step_identify(ctx: Context) -> None:
    if ctx.mailbox.customer is not None:
        ctx.customer = ctx.mailbox.customer
        return
    sender = ctx.parsed.from_address
    customers = contact_customers(sender)
    if len(customers) == 1:
        ctx.customer = customers[0]
    elif customers:
        ctx.finish(
            State.QUARANTINE,
            _("Avsändaren %(sender)s hör till flera kunder (%(customers)s). Ta bort kontakten hos fel kund och försök igen.")
            % {"sender": sender, "customers": ", ".join(c.name for c in customers)},
        )
    else:
        ctx.finish(
            State.QUARANTINE,
            _("Okänd avsändare %(sender)s. Lägg till avsändaren som kontakt hos rätt kund och försök igen.")
            % {"sender": sender or _("(saknas)")},
        )


# --- e. thread ------------------------------------------------------------------------------


def step_thread(ctx: Context) -> None:
    assert ctx.customer is not None
    mail = ctx.parsed
    candidates = referenced_cases(mail, exclude=ctx.row.pk)
    candidates += [case for case in numbered_cases(mail.subject) if case not in candidates]
    if not candidates:
        return
    own = next((c for c in candidates if c.customer_id == ctx.customer.pk and sender_belongs(c, mail.from_address)), None)
    if own is None:
        ctx.possible_reply_to = candidates[0]
        log.info("intake: message %s names case %s but may not join it", ctx.row.pk, candidates[0].number)
        return
    if own.status == CaseStatus.VOIDED:
        ctx.voided_case = own
        return
    ctx.thread_case = own
    casework.customer_message(own, message_text(mail), message_id=mail.message_id)
    store_documents(ctx, own)
    ctx.case = own
    ctx.finish(State.THREADED, _("Svar i ärende %(number)s.") % {"number": own.number})


def message_text(mail: ParsedMail) -> str:
    text = trimmed(mail.text)
    return text or _("(Meddelandet saknar text – se e-postfilen.)")


def trimmed(text: str) -> str:
    text = (text or "").strip()
    if len(text) <= MAX_TEXT:
        return text
    return text[:MAX_TEXT].rstrip() + "\n\n" + _("[…] Texten är avkortad. Hela meddelandet finns i e-postfilen.")


# --- f. route -------------------------------------------------------------------------------


def rule_values(rule: MailboxRule, mail: ParsedMail) -> list[str]:
    if rule.field == MailboxRule.Field.SENDER:
        return [mail.from_address, mail.from_name]
    if rule.field == MailboxRule.Field.SUBJECT:
        return [mail.subject]
    return [attachment.filename for attachment in mail.attachments]


def step_route(ctx: Context) -> None:
    mail = ctx.parsed
    rules = MailboxRule.objects.filter(mailbox=ctx.mailbox, active=True).select_related("case_type").order_by("order", "id")
    for rule in clock.memo(("intake_rules", ctx.mailbox.pk), lambda: list(rules)):
        if rule_matches(rule, rule_values(rule, mail)):
            ctx.case_type = rule.case_type
            return
    ctx.case_type = ctx.mailbox.default_case_type
    if ctx.case_type is None:
        ctx.finish(
            State.QUARANTINE,
            _(
                "Ingen ärendetyp: ingen regel i brevlådan %(mailbox)s passade och brevlådan saknar standardärendetyp. Ange en och försök igen."
            )
            % {"mailbox": ctx.mailbox.address},
        )


# --- g. create the case ---------------------------------------------------------------------


def store_documents(ctx: Context, case: Case) -> None:
    """The original .eml and every attachment on ``case``; refused attachments in an internal note."""
    mail = ctx.parsed
    casework.store_original(case, ctx.raw, casework.eml_name(mail.subject), ctx.written)
    refused: list[str] = []
    for attachment in mail.attachments:
        if attachment.inline and len(attachment.data) < INLINE_MIN_BYTES:
            continue  # a logo in a signature: it is in the original
        try:
            casework.store_attachment(case, attachment, ctx.written)
        except ValidationError as error:
            refused.append(" ".join(error.messages))
    if refused:
        casework.note(
            case,
            _("Bilagor som inte togs emot (de finns kvar i den sparade e-postfilen):")
            + "\n"
            + "\n".join(f"- {r}" for r in refused),
        )


def step_create_case(ctx: Context) -> None:
    assert ctx.customer is not None and ctx.case_type is not None
    mail = ctx.parsed
    sender_name = (mail.from_name or mail.from_address or _("(okänd avsändare)")).strip()
    subject = " ".join(mail.subject.split()) or _("(inget ämne)")
    try:
        with clock.notifications_suppressed():  # the receipt is intake's to decide (step h)
            case = case_register(
                actor=None,
                customer=ctx.customer,
                case_type=ctx.case_type,
                channel=CaseChannel.EMAIL,
                sender_name=sender_name,
                sender_email=mail.from_address,
                subject=subject,
                received_at=ctx.row.received_at,
                description=trimmed(mail.text),
                # On the "Registrerat" line: the References of our replies name it, so they thread.
                event_payload={"message_id": mail.message_id} if mail.message_id else None,
            )
    except ValidationError as error:
        ctx.finish(
            State.QUARANTINE,
            _("Ärendet kunde inte registreras: %(error)s Åtgärda och försök igen.") % {"error": " ".join(error.messages)},
        )
        return
    ctx.case = case
    store_documents(ctx, case)
    if ctx.voided_case is not None:
        casework.link_same_customer(case, ctx.voided_case, LinkKind.RELATED)
        ctx.outcome(
            State.PROCESSED,
            _("Nytt ärende %(number)s: svar på det makulerade ärendet %(old)s.")
            % {"number": case.number, "old": ctx.voided_case.number},
        )
    elif ctx.possible_reply_to is not None:
        other = ctx.possible_reply_to
        if other.customer_id == case.customer_id:
            casework.link_same_customer(case, other, LinkKind.POSSIBLE_REPLY)
            casework.note(
                case,
                _("Möjligt svar på %(number)s: avsändaren %(sender)s är inte kontakt hos kunden och inte ärendets avsändare.")
                % {"number": other.number, "sender": mail.from_address or "?"},
            )
        else:  # another customer's case: untouched, not linked, named only in an internal note
            casework.note(
                case,
                _("Möjligt svar på %(number)s, som hör till en annan kund. Det ärendet har inte ändrats; kontrollera avsändaren.")
                % {"number": other.number},
            )
        ctx.outcome(
            State.POSSIBLE_REPLY,
            _("Nytt ärende %(number)s (möjligt svar på %(other)s).") % {"number": case.number, "other": other.number},
        )
    else:
        ctx.outcome(State.PROCESSED, _("Nytt ärende %(number)s.") % {"number": case.number})


# --- h. receipt -----------------------------------------------------------------------------


def receipts_in_last_hour(address: str, now: datetime.datetime) -> int:
    """Receipts to ``address`` in the last hour: those intake queued, and those sent for other cases."""
    since = now - datetime.timedelta(hours=1)
    queued = IncomingMessage.objects.filter(from_address=address, receipt_at__gte=since)
    sent = (
        OutgoingMail.objects.annotate(to_lower=Lower("to"))  # the expression of its index
        .filter(to_lower=address.lower(), kind=ACKNOWLEDGEMENT, created_at__gte=since)
        .exclude(case_id__in=queued.filter(case__isnull=False).values("case_id"))
        .count()
    )
    return queued.count() + sent


def step_receipt(ctx: Context) -> None:
    case = ctx.case
    verdict = ctx.verdict
    address = ctx.parsed.from_address
    if case is None or not ctx.receipts or verdict is None or not verdict.send_receipt or not usable_address(address):
        return
    if BouncedAddress.objects.filter(address=address).exists():
        log.info("intake: no receipt for case %s: %s bounces", case.number, address)
        return
    now = clock.now()
    if receipts_in_last_hour(address, now) >= settings.ESTER_RECEIPTS_PER_SENDER_PER_HOUR:
        log.info("intake: no receipt for case %s: %s got enough receipts this hour", case.number, address)
        return
    ctx.row.receipt_at = now
    case_id = case.pk
    clock.after_commit(lambda: notify.case_registered(case_id))


#: The steps after the message is recorded, in order. Each step may settle the outcome
#: (``ctx.finish``), which skips the rest.
STEPS: tuple[Step, ...] = (
    step_record,
    step_parse,
    step_classify,
    step_identify,
    step_thread,
    step_route,
    step_create_case,
    step_receipt,
)


def run_steps(ctx: Context, steps: Iterable[Step] = STEPS) -> IncomingMessage:
    """Run the steps inside the caller's transaction and save the row."""
    for step in steps:
        if ctx.finished:
            break
        log.debug("intake: %s %s", step.__name__, ctx.sha256[:12])
        step(ctx)
    row = ctx.row
    row.case = ctx.case
    row.processed_at = clock.now()
    row.last_error = ""
    row.save()
    log.info("intake: message %s from mailbox %s: %s %s", row.pk, ctx.mailbox.address, row.state, row.reason)
    return row


# --- entry points ---------------------------------------------------------------------------


def _receipts_default(source: str, receipts: bool | None) -> bool:
    """Receipts go out for live mail; an import of old mail sends none unless asked to."""
    return source != Source.IMPORT if receipts is None else receipts


def ingest(
    mailbox: Mailbox,
    raw: bytes,
    *,
    source: str,
    uidvalidity: int | None = None,
    uid: int | None = None,
    received_at: datetime.datetime | None = None,
    receipts: bool | None = None,
) -> IncomingMessage:
    """Take one message as received into ``mailbox`` and return its row (see the module docstring).

    ``received_at``: when the message reached the mailbox (IMAP INTERNALDATE), if known.
    ``receipts``: whether a new case may be acknowledged (default: yes, except for imports)."""
    if source not in Source.values:
        raise ValueError(f"unknown source {source!r}")
    ctx = Context(
        mailbox=mailbox,
        raw=raw,
        source=source,
        uidvalidity=uidvalidity,
        uid=uid,
        arrived_at=received_at,
        receipts=_receipts_default(source, receipts),
        sha256=hashlib.sha256(raw).hexdigest(),
    )
    try:
        message_id = ""
        if source == Source.IMPORT:
            from ester.intake.parse import parse_message

            ctx.mail = parse_message(raw)
            message_id = ctx.mail.message_id
        seen = find_seen(mailbox, sha256=ctx.sha256, source=source, uidvalidity=uidvalidity, uid=uid, message_id=message_id)
    except Exception as error:  # not even the lookup worked: record the failure (or raise if that fails too)
        ctx.raw_name = store_raw(ctx.sha256, raw)
        return record_failure(ctx, error)
    if seen is not None:
        return _seen(seen)
    ctx.raw_name = store_raw(ctx.sha256, raw)
    try:
        with files_kept_only_on_success() as written, transaction.atomic():
            ctx.written = written
            return run_steps(ctx)
    except IntegrityError as error:
        seen = find_seen(mailbox, sha256=ctx.sha256, source=source, uidvalidity=uidvalidity, uid=uid, message_id=message_id)
        if seen is not None:  # recorded by a concurrent run meanwhile
            return _seen(seen)
        return record_failure(ctx, error)
    except Exception as error:
        return record_failure(ctx, error)


def record_failure(ctx: Context, error: BaseException, *, retried: IncomingMessage | None = None) -> IncomingMessage:
    """Record, in a transaction of its own, that the message could not be processed (state *fel*)."""
    log.exception("intake: message %s to %s failed", ctx.sha256[:12], ctx.mailbox.address, exc_info=error)
    text = mask_pii(f"{type(error).__name__}: {error}")[:MAX_ERROR_LENGTH]
    reason = _("Ett oväntat fel inträffade. Originalet är sparat; försök igen när felet är åtgärdat.")
    with transaction.atomic():
        if retried is not None:
            IncomingMessage.objects.filter(pk=retried.pk).update(
                state=State.FAILED,
                reason=reason,
                last_error=text,
                case=None,
                attempts=F("attempts") + 1,
                processed_at=clock.now(),
            )
            retried.refresh_from_db()
            return retried
        mail = ctx.mail
        row = IncomingMessage.objects.create(
            mailbox=ctx.mailbox,
            source=ctx.source,
            uidvalidity=ctx.uidvalidity,
            uid=ctx.uid,
            sha256=ctx.sha256,
            size=len(ctx.raw),
            message_id=mail.message_id[:500] if mail else "",
            from_address=mail.from_address[:254] if mail else "",
            subject=mask_pii(" ".join(mail.subject.split()))[:300] if mail else "",
            defects=list(mail.defects) if mail else [],
            received_at=arrival_time(ctx),
            raw=ctx.raw_name,
            state=State.FAILED,
            reason=reason,
            last_error=text,
            processed_at=clock.now(),
        )
    return row


def retry(incoming: IncomingMessage, *, receipts: bool | None = None) -> IncomingMessage:
    """Run the pipeline again on the stored original of a message in *fel* or *karantän*
    (after the cause was fixed: a contact added, a case type set). Returns the row,
    processed or failed again; a row another run has meanwhile processed is returned as it is."""
    if not incoming.retryable:
        raise ValidationError(
            _("Meddelandet är redan behandlat (%(state)s) och kan inte köras igen.") % {"state": incoming.get_state_display()}
        )
    with incoming.raw.open("rb") as file:
        raw = file.read()
    mailbox = Mailbox.objects.select_related("customer", "default_case_type").get(pk=incoming.mailbox_id)
    ctx = Context(
        mailbox=mailbox,
        raw=raw,
        source=incoming.source,
        uidvalidity=incoming.uidvalidity,
        uid=incoming.uid,
        arrived_at=incoming.received_at,
        receipts=_receipts_default(incoming.source, receipts),
        sha256=incoming.sha256,
        raw_name=incoming.raw.name or raw_path(incoming.sha256),
    )
    if hashlib.sha256(raw).hexdigest() != incoming.sha256:
        raise ValueError(f"the stored original of incoming message {incoming.pk} does not match its SHA-256")
    try:
        with files_kept_only_on_success() as written, transaction.atomic():
            row = IncomingMessage.objects.select_for_update().get(pk=incoming.pk)
            if not row.retryable:
                return row
            row.attempts += 1
            row.state, row.reason, row.case = State.RECEIVED, "", None
            ctx.incoming, ctx.written = row, written
            return run_steps(ctx)
    except Exception as error:
        return record_failure(ctx, error, retried=incoming)


def ingest_many(mailbox: Mailbox, messages: Iterable[bytes], *, source: str, **options: Any) -> list[IncomingMessage]:
    """``ingest`` each message (reference data read once for the batch)."""
    with clock.memoized():
        return [ingest(mailbox, raw, source=source, **options) for raw in messages]
