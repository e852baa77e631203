"""Delivery failure reports (bounces): which of our mails failed, the address marked, the handler told.

A permanent failure (action ``failed`` or a 5.x.x status) marks each failed recipient
in :class:`~ester.intake.models.BouncedAddress`; when the report names a mail Ester
sent (by the Message-ID of the returned original, else the report's references), an
internal note on that mail's case tells the handler. Receipts are never sent to a
marked address, and mail out can refuse it too.
"""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext as _

from ester.cases.models import OutgoingMail
from ester.core import clock
from ester.intake import casework
from ester.intake.models import BouncedAddress
from ester.intake.types import ParsedMail, Verdict


def bounced_mail(mail: ParsedMail) -> OutgoingMail | None:
    """Our outgoing mail a delivery report is about: by the returned original's Message-ID, else the report's references."""
    ids = [mail.dsn_original_message_id, *mail.in_reply_to, *mail.references]
    ids = [value for value in dict.fromkeys(ids) if value]
    if not ids:
        return None
    found = {row.message_id: row for row in OutgoingMail.objects.filter(message_id__in=ids).select_related("case")}
    return next((found[value] for value in ids if value in found), None)


def record_bounce(mail: ParsedMail, verdict: Verdict) -> str:
    """Mark permanently failed recipients and tell the handler of the case whose mail bounced; return the reason."""
    status = mail.dsn_status.strip()
    permanent = mail.dsn_action.lower() == "failed" or status.startswith("5")
    outgoing = bounced_mail(mail)
    recipients = list(dict.fromkeys(address.strip().lower() for address in mail.dsn_recipients if address.strip()))
    if not recipients and outgoing is not None:
        recipients = [outgoing.to.strip().lower()]
    if not permanent:
        return verdict.reason or _("Leveransrapport (%(action)s %(status)s): ingen åtgärd.") % {
            "action": mail.dsn_action or "?",
            "status": status or "?",
        }
    now = clock.now()
    detail = " ".join(part for part in (status, verdict.reason) if part)
    case = outgoing.case if outgoing is not None else None
    for address in recipients:
        row = BouncedAddress.objects.select_for_update().filter(address=address).first()
        if row is None:
            BouncedAddress.objects.create(
                address=address,
                last_status=status[:20],
                last_reason=detail[:500],
                first_bounced_at=now,
                last_bounced_at=now,
                last_case=case,
            )
        else:
            BouncedAddress.objects.filter(pk=row.pk).update(
                last_status=status[:20],
                last_reason=detail[:500],
                last_bounced_at=now,
                count=F("count") + 1,
                last_case=case or row.last_case,
            )
    if case is not None and outgoing is not None:
        casework.note(
            case,
            _("E-post till %(to)s kunde inte levereras: %(detail)s. Det gällde ”%(subject)s”. Kontrollera adressen med kunden.")
            % {"to": ", ".join(recipients) or outgoing.to, "detail": detail or _("okänt fel"), "subject": outgoing.subject},
        )
    return _("Studs: e-post till %(to)s kunde inte levereras (%(detail)s).") % {
        "to": ", ".join(recipients) or "?",
        "detail": detail or _("okänt fel"),
    }
