"""A poll's lease on a mailbox: only one poll reads a mailbox at a time."""

from __future__ import annotations

import datetime
import threading
from typing import Any

from django.db.models import Case, DateTimeField, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from ester.intake.imap.errors import PollError
from ester.intake.models import Mailbox

#: How long a poll's claim on a mailbox lasts without being renewed (it is renewed after each message).
CLAIM = datetime.timedelta(minutes=5)


class Claim:
    """A poll's lease on a mailbox (``Mailbox.polling_until``): taken with a conditional
    UPDATE, renewed as the poll goes on, released at the end. Progress (``last_uid``)
    is written only while the claim is held."""

    #: Claims this process could not give back (the database was gone when its poll ended), by
    #: mailbox: the process's next poll of the mailbox takes such a claim over at once instead
    #: of waiting for the lease to run out — no poll of it is running any more.
    _abandoned: dict[int, datetime.datetime] = {}
    _abandoned_lock = threading.Lock()

    def __init__(self, mailbox: Mailbox, until: datetime.datetime) -> None:
        self.mailbox = mailbox
        self.until = until
        self.renewed_at = timezone.now()

    @classmethod
    def take(cls, mailbox: Mailbox) -> Claim | None:
        now = timezone.now()
        until = now + CLAIM
        free = Q(polling_until__isnull=True) | Q(polling_until__lt=now)
        with cls._abandoned_lock:
            own = cls._abandoned.get(mailbox.pk)
        if own is not None:
            free |= Q(polling_until=own)
        if Mailbox.objects.filter(free, pk=mailbox.pk).update(polling_until=until) != 1:
            return None
        with cls._abandoned_lock:
            if cls._abandoned.get(mailbox.pk) == own:
                cls._abandoned.pop(mailbox.pk, None)
        mailbox.polling_until = until
        return cls(mailbox, until)

    def abandon(self) -> None:
        """The claim could not be given back: remember it for this process's next poll."""
        with self._abandoned_lock:
            self._abandoned[self.mailbox.pk] = self.until

    def _write(self, **fields: Any) -> None:
        until = timezone.now() + CLAIM
        if Mailbox.objects.filter(pk=self.mailbox.pk, polling_until=self.until).update(polling_until=until, **fields) != 1:
            raise PollError(_("Hämtningen avbröts: en annan process har tagit över brevlådan."))
        self.until, self.renewed_at = until, timezone.now()
        self.mailbox.polling_until = until
        for name, value in fields.items():
            setattr(self.mailbox, name, value)

    def advance(self, last_uid: int) -> None:
        """Record progress (every UID up to ``last_uid`` is settled) and renew the lease."""
        self._write(last_uid=last_uid)

    def restart(self, uidvalidity: int) -> None:
        """The folder has a new UIDVALIDITY: read it again from the start."""
        self._write(uidvalidity=uidvalidity, last_uid=0)

    def keep(self) -> None:
        """Renew the lease when a third of it has passed."""
        if timezone.now() - self.renewed_at > CLAIM / 3:
            self._write()

    def release(self, **status: Any) -> None:
        """Write the status fields and give the mailbox free (only if this claim still holds it)."""
        Mailbox.objects.filter(pk=self.mailbox.pk).update(
            polling_until=Case(
                When(polling_until=self.until, then=Value(None)), default=F("polling_until"), output_field=DateTimeField()
            ),
            **status,
        )
        for name, value in status.items():
            setattr(self.mailbox, name, value)
        if self.mailbox.polling_until == self.until:
            self.mailbox.polling_until = None
