"""Writes to the intake configuration: mailboxes and their routing rules (validated, audited).

Processing mail is :mod:`ester.intake.pipeline`; this module only keeps the
configuration sound — a rule's regular expression must compile, a mailbox's
default case type must belong to its default process.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ester.core.audit import audit_record, snapshot
from ester.core.models import AuditEntry
from ester.intake.models import Mailbox, MailboxRule

#: A rule looks at most this much of a field (a subject, a sender, a file name): a
#: regular expression never runs over an unbounded text.
RULE_INPUT_LIMIT = 1000


def validate_rule(rule: MailboxRule) -> None:
    """A rule's pattern must not be empty and, when it is a regular expression, must compile."""
    pattern = (rule.pattern or "").strip()
    if not pattern:
        raise ValidationError({"pattern": _("Ange texten som regeln letar efter.")})
    if rule.regex:
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as error:
            raise ValidationError(
                {
                    "pattern": _(
                        "Det reguljära uttrycket går inte att använda: %(error)s. Rätta det eller stäng av ”reguljärt uttryck”."
                    )
                    % {"error": error}
                }
            ) from None


def rule_matches(rule: MailboxRule, values: list[str]) -> bool:
    """Whether ``rule`` matches any of ``values`` (case-insensitive substring, or a regular expression)."""
    pattern = rule.pattern.strip()
    if rule.regex:
        compiled = re.compile(pattern, re.IGNORECASE)
        return any(compiled.search(value[:RULE_INPUT_LIMIT]) for value in values)
    needle = pattern.casefold()
    return any(needle in value[:RULE_INPUT_LIMIT].casefold() for value in values)


def validate_mailbox(mailbox: Mailbox) -> None:
    """The default case type belongs to the default process; a shared mailbox needs no customer."""
    if mailbox.default_case_type_id and mailbox.default_process_id:
        case_type = mailbox.default_case_type
        if case_type is not None and case_type.process_id != mailbox.default_process_id:
            raise ValidationError(
                {
                    "default_case_type": _(
                        "Ärendetypen %(type)s hör till processen %(process)s. Välj en ärendetyp i brevlådans process."
                    )
                    % {"type": case_type, "process": case_type.process}
                }
            )


@transaction.atomic
def mailbox_save(*, actor: Any, mailbox: Mailbox) -> Mailbox:
    """Create or change a mailbox (validated; the change is audited)."""
    before = snapshot(Mailbox.objects.get(pk=mailbox.pk)) if mailbox.pk else None
    mailbox.full_clean()
    mailbox.save()
    audit_record(
        actor=actor,
        obj=mailbox,
        kind=AuditEntry.Kind.UPDATE if before is not None else AuditEntry.Kind.CREATE,
        before=before,
        after=snapshot(mailbox),
    )
    return mailbox


@transaction.atomic
def mailbox_rule_save(*, actor: Any, rule: MailboxRule) -> MailboxRule:
    """Create or change a routing rule: the pattern is checked (a regular expression must compile)."""
    before = snapshot(MailboxRule.objects.get(pk=rule.pk)) if rule.pk else None
    rule.full_clean()
    rule.save()
    audit_record(
        actor=actor,
        obj=rule,
        kind=AuditEntry.Kind.UPDATE if before is not None else AuditEntry.Kind.CREATE,
        before=before,
        after=snapshot(rule),
        owner=rule.mailbox,
    )
    return rule
