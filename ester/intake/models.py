"""Mail intake: the functional mailboxes, their routing rules, the log of every message
received (the processed-message log) and the addresses that bounce.

Nothing here is ever deleted by intake: a message's original bytes are kept under
``intake/`` (content-addressed by SHA-256) whether or not it became a case.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ester.cases.models import Case, CaseType
from ester.core.access import (
    AccessPolicy,
    Action,
    ScopedManager,
    ScopedQuerySet,
    roles_allowing,
    user_scope,
    visible_customers_q,
    visible_team_q,
)
from ester.organisation.models import Customer, Process

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ester.accounts.models import User


class MailboxSecretError(RuntimeError):
    """A mailbox's password or token cannot be read (the message is Swedish and names the variable or file)."""


class Mailbox(models.Model):
    """A functional mailbox (funktionsbrevlåda) Ester reads: where it is, how to log in,
    whom its mail is from, and how the last poll went.

    A mailbox with a ``customer`` belongs to that department: all its mail is that
    customer's. A shared mailbox (no customer) identifies the customer from the sender
    (a customer contact's e-mail address). The secret is never stored here, only where
    to find it: an environment variable or a file."""

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS (implicit)")
        STARTTLS = "starttls", _("STARTTLS")
        NONE = "none", _("Ingen (bara lokalt nät)")

    class Auth(models.TextChoices):
        PASSWORD = "password", _("Lösenord")
        XOAUTH2 = "xoauth2", _("OAuth2 (XOAUTH2)")

    access = AccessPolicy(area="default_process__area")  # configuration: staff read, the area's managers change

    address = models.EmailField(_("adress"), unique=True, help_text=_("Brevlådans e-postadress, med små bokstäver."))
    name = models.CharField(_("namn"), max_length=150, blank=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("kund"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intake_mailboxes",
        help_text=_("Tom för en gemensam brevlåda: kunden känns då igen på avsändaren."),
    )
    default_process = models.ForeignKey(
        Process, verbose_name=_("process"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    default_case_type = models.ForeignKey(
        CaseType, verbose_name=_("ärendetyp"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imap_host = models.CharField(_("IMAP-server"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP-port"), default=993)
    imap_security = models.CharField(_("kryptering"), max_length=10, choices=Security.choices, default=Security.SSL)
    imap_user = models.CharField(_("användarnamn"), max_length=255, blank=True)
    auth_method = models.CharField(_("inloggning"), max_length=10, choices=Auth.choices, default=Auth.PASSWORD)
    secret_env = models.CharField(
        _("miljövariabel med lösenord"),
        max_length=100,
        blank=True,
        help_text=_("Namnet på en miljövariabel som innehåller lösenordet eller OAuth2-token, t.ex. ESTER_IMAP_EKONOMI."),
    )
    secret_file = models.CharField(
        _("fil med lösenord"),
        max_length=500,
        blank=True,
        help_text=_("Sökväg till en fil som innehåller lösenordet eller token."),
    )
    folder = models.CharField(_("mapp"), max_length=255, default="INBOX")
    processed_folder = models.CharField(
        _("mapp för behandlade"),
        max_length=255,
        blank=True,
        help_text=_("Behandlade meddelanden flyttas hit. Tom: de flaggas bara och ligger kvar."),
    )
    poll_interval_seconds = models.PositiveIntegerField(_("hämtas var (sekunder)"), default=120)
    active = models.BooleanField(_("aktiv"), default=True)
    # Status, written by the poller.
    last_poll_at = models.DateTimeField(_("senaste hämtning"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("senaste lyckade hämtning"), null=True, blank=True)
    last_error = models.TextField(_("senaste fel"), blank=True)
    messages_waiting = models.PositiveIntegerField(_("väntande meddelanden"), default=0)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    last_uid = models.BigIntegerField(_("senaste UID"), default=0)
    # The claim of the poll that is reading the mailbox now (a lease, renewed as it goes): another
    # worker does not poll the mailbox before it has passed. Written only by ``ester.intake.imap``.
    polling_until = models.DateTimeField(_("hämtas till"), null=True, blank=True, editable=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("brevlåda")
        verbose_name_plural = _("brevlådor")
        ordering = ["address"]
        constraints = [
            models.CheckConstraint(name="mailbox_address_lower_case", condition=Q(address=Lower("address"))),
            models.CheckConstraint(name="mailbox_imap_port_range", condition=Q(imap_port__gte=1, imap_port__lte=65535)),
            models.CheckConstraint(name="mailbox_poll_interval_min", condition=Q(poll_interval_seconds__gte=10)),
            models.CheckConstraint(
                name="mailbox_imap_has_secret",
                condition=Q(imap_host="") | ~Q(secret_env="") | ~Q(secret_file=""),
                violation_error_message=_("Ange var lösenordet finns: en miljövariabel eller en fil."),
            ),
        ]

    def __str__(self) -> str:
        return self.address

    #: Written by the poller alone, with conditional UPDATEs. Saving the configuration (the
    #: admin, ``mailbox_save``) writes the other columns only, so it never puts back a
    #: ``last_uid`` or a lease read before a poll moved them.
    POLLER_FIELDS = frozenset(
        {"last_poll_at", "last_success_at", "last_error", "messages_waiting", "uidvalidity", "last_uid", "polling_until"}
    )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in self.POLLER_FIELDS
            ]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.address = (self.address or "").strip().lower()
        from ester.intake.services import validate_mailbox

        validate_mailbox(self)

    @property
    def is_shared(self) -> bool:
        return self.customer_id is None

    def secret(self) -> str:
        """The password or OAuth2 token: from the environment variable ``secret_env``, else the file ``secret_file``.

        Raises :class:`MailboxSecretError` (Swedish, naming the variable or file) when it cannot be read."""
        if self.secret_env:
            value = os.environ.get(self.secret_env, "").strip()
            if value:
                return value
            if not self.secret_file:
                raise MailboxSecretError(
                    gettext("Lösenordet till %(mailbox)s saknas: miljövariabeln %(name)s är inte satt.")
                    % {"mailbox": self.address, "name": self.secret_env}
                )
        if self.secret_file:
            try:
                value = Path(self.secret_file).read_text(encoding="utf-8").strip()
            except OSError as error:
                raise MailboxSecretError(
                    gettext("Lösenordet till %(mailbox)s kan inte läsas från filen %(file)s: %(error)s")
                    % {"mailbox": self.address, "file": self.secret_file, "error": error.strerror or error}
                ) from None
            if value:
                return value
            raise MailboxSecretError(
                gettext("Lösenordet till %(mailbox)s saknas: filen %(file)s är tom.")
                % {"mailbox": self.address, "file": self.secret_file}
            )
        raise MailboxSecretError(
            gettext("Ange var lösenordet till %(mailbox)s finns: en miljövariabel eller en fil.") % {"mailbox": self.address}
        )


class MailboxRule(models.Model):
    """One routing rule of a mailbox: when ``field`` of a message contains ``pattern``
    (case-insensitive; a regular expression when ``regex``), the case gets ``case_type``.
    Rules are tried in ``order``; the first active rule that matches wins, and a message
    no rule matches gets the mailbox's default case type."""

    class Field(models.TextChoices):
        SENDER = "avsandare", _("Avsändare")
        SUBJECT = "amne", _("Ämne")
        ATTACHMENT = "bilaga", _("Bilagans namn")

    access = AccessPolicy(area="mailbox__default_process__area")

    mailbox = models.ForeignKey(Mailbox, verbose_name=_("brevlåda"), on_delete=models.CASCADE, related_name="rules")
    order = models.PositiveSmallIntegerField(_("ordning"), default=0)
    field = models.CharField(_("fält"), max_length=10, choices=Field.choices)
    pattern = models.CharField(
        _("innehåller"), max_length=300, help_text=_("Text som ska finnas i fältet (stora och små bokstäver lika).")
    )
    regex = models.BooleanField(_("reguljärt uttryck"), default=False)
    case_type = models.ForeignKey(CaseType, verbose_name=_("ärendetyp"), on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("aktiv"), default=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("regel")
        verbose_name_plural = _("regler")
        ordering = ["mailbox", "order", "id"]
        constraints = [models.CheckConstraint(name="mailboxrule_pattern_not_empty", condition=~Q(pattern=""))]

    def __str__(self) -> str:
        return f"{self.get_field_display()} ~ {self.pattern} → {self.case_type_id}"

    def clean(self) -> None:
        from ester.intake.services import validate_rule

        validate_rule(self)


def intake_raw_path(instance: IncomingMessage, filename: str) -> str:
    return raw_path(instance.sha256)


def raw_path(sha256: str) -> str:
    """Where the original bytes of a message are kept: ``intake/ab/cd/<sha256>``."""
    return f"intake/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class IncomingMessageQuerySet(ScopedQuerySet["IncomingMessage"]):
    def visible_to(self, user: User | AnonymousUser | None, action: str = Action.VIEW) -> Self:
        """The intake log is internal: customer contacts never see it. Staff see a message
        that became (or joined) a case exactly when they may see that case; a message
        without a case when they may see the mailbox's customer; a message of a shared
        mailbox without a case (unknown sender, robots) when they hold a role on the area
        of the mailbox's process. Global roles see everything. One SQL filter."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        scope = user_scope(user)  # type: ignore[arg-type]
        if scope.is_global(action):
            return self.all()
        if not scope.has_staff_role(action):
            return self.none()
        from ester.organisation.models import RoleAssignment

        areas = (
            RoleAssignment.objects.filter(user_id=user.pk, role__in=roles_allowing(action), area__isnull=False)
            .valid_on(timezone.localdate())
            .values("area_id")
        )
        by_case = Q(case__isnull=False) & visible_team_q(user, action, "case__team", "case__customer")  # type: ignore[arg-type]
        by_mailbox = Q(case__isnull=True) & visible_customers_q(user, action, "mailbox__customer")  # type: ignore[arg-type]
        shared = Q(case__isnull=True, mailbox__customer__isnull=True, mailbox__default_process__area__in=areas)
        return self.filter(by_case | by_mailbox | shared)


IncomingMessageManager = models.Manager.from_queryset(IncomingMessageQuerySet)


class IncomingMessage(models.Model):
    """One message that reached a mailbox, exactly once: where it came from (mailbox,
    UIDVALIDITY and UID, Message-ID, SHA-256 of its bytes), what intake did with it
    (``state`` and a Swedish ``reason``), the case it made or joined, and its original
    bytes (``raw``, kept even when no case was made, never deleted).

    A row in state *fel* or *karantän* is in the intake error list and can be tried again."""

    class Source(models.TextChoices):
        IMAP = "imap", _("IMAP")
        SMTP = "smtp", _("SMTP")
        IMPORT = "import", _("Import")
        UPLOAD = "upload", _("Uppladdning")

    class State(models.TextChoices):
        RECEIVED = "mottaget", _("Mottaget")
        PROCESSED = "behandlat", _("Nytt ärende")
        THREADED = "trad", _("Svar i ärende")
        POSSIBLE_REPLY = "mojligt_svar", _("Möjligt svar")
        AUTO_REPLY = "autosvar", _("Autosvar")
        BOUNCE = "studs", _("Studs")
        LOOP = "loop", _("Loop")
        QUARANTINE = "karantan", _("Karantän")
        FAILED = "fel", _("Fel")

    #: States shown in the intake error list, with a retry.
    RETRYABLE = (State.QUARANTINE, State.FAILED)

    access = AccessPolicy(customer="case__customer", team="case__team")  # widened by IncomingMessageQuerySet.visible_to

    mailbox = models.ForeignKey(Mailbox, verbose_name=_("brevlåda"), on_delete=models.PROTECT, related_name="messages")
    source = models.CharField(_("källa"), max_length=10, choices=Source.choices)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    uid = models.BigIntegerField(_("UID"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=500, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("storlek"))
    from_address = models.CharField(_("från"), max_length=254, blank=True)
    subject = models.CharField(_("ämne"), max_length=300, blank=True, help_text=_("Personnummer visas maskerade."))
    received_at = models.DateTimeField(_("inkom"))
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.RECEIVED)
    reason = models.CharField(_("orsak"), max_length=500, blank=True)
    defects = models.JSONField(_("brister"), default=list, blank=True)
    case = models.ForeignKey(
        Case, verbose_name=_("ärende"), null=True, blank=True, on_delete=models.PROTECT, related_name="incoming_messages"
    )
    raw = models.FileField(_("originalmeddelande"), upload_to=intake_raw_path, max_length=300)
    attempts = models.PositiveIntegerField(_("försök"), default=1)
    last_error = models.TextField(_("senaste fel"), blank=True)
    receipt_at = models.DateTimeField(_("kvittens beställd"), null=True, blank=True)
    created_at = models.DateTimeField(_("registrerad"), auto_now_add=True)
    processed_at = models.DateTimeField(_("behandlad"), null=True, blank=True)

    objects = IncomingMessageManager()

    #: Set (not stored) on the row ``pipeline.ingest`` returns for a message it had seen before.
    already_seen: bool = False

    class Meta:
        verbose_name = _("inkommet meddelande")
        verbose_name_plural = _("inkomna meddelanden")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"], condition=Q(uid__isnull=False), name="incomingmessage_unique_uid"
            ),
            models.UniqueConstraint(fields=["mailbox", "sha256"], name="incomingmessage_unique_sha256"),
            models.CheckConstraint(
                name="incomingmessage_uid_has_uidvalidity", condition=Q(uid__isnull=True) | Q(uidvalidity__isnull=False)
            ),
        ]
        indexes = [
            models.Index(fields=["message_id"], name="incomingmessage_message_id"),
            models.Index(fields=["state", "received_at"], name="incomingmessage_state"),
            models.Index(fields=["from_address", "receipt_at"], name="incomingmessage_receipts"),
        ]

    def __str__(self) -> str:
        return f"{self.mailbox_id}:{self.message_id or self.sha256[:12]} ({self.get_state_display()})"

    @property
    def retryable(self) -> bool:
        return self.state in self.RETRYABLE


class BouncedAddress(models.Model):
    """An address a mail from Ester could not be delivered to, permanently (a 5.x.x delivery
    status): when it last happened, why, how often, and the case of the last mail.
    Written by intake from delivery status notifications; mail out can refuse to send to it."""

    access = AccessPolicy()  # organisation-wide, staff read it; changed by intake (and global roles)

    address = models.EmailField(_("adress"), unique=True)
    last_status = models.CharField(_("senaste status"), max_length=20, blank=True)
    last_reason = models.CharField(_("senaste orsak"), max_length=500, blank=True)
    first_bounced_at = models.DateTimeField(_("första studs"))
    last_bounced_at = models.DateTimeField(_("senaste studs"))
    count = models.PositiveIntegerField(_("antal"), default=1)
    last_case = models.ForeignKey(
        Case, verbose_name=_("senaste ärende"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("studsande adress")
        verbose_name_plural = _("studsande adresser")
        ordering = ["-last_bounced_at"]
        constraints = [models.CheckConstraint(name="bouncedaddress_address_lower_case", condition=Q(address=Lower("address")))]

    def __str__(self) -> str:
        return self.address


# --- scanned post -------------------------------------------------------------------------


class ScanBatchQuerySet(ScopedQuerySet["ScanBatch"]):
    def visible_to(self, user: User | AnonymousUser | None, action: str = Action.VIEW) -> Self:
        """Staff only: a batch is visible when at least one of its scanned documents is
        (a scanning bureau's batch may hold post of several customers). Global roles see
        every batch. One SQL filter."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        scope = user_scope(user)  # type: ignore[arg-type]
        if scope.is_global(action):
            return self.all()
        if not scope.has_staff_role(action):
            return self.none()
        items = ScannedItem.objects.visible_to(user, action).values("batch_id")
        return self.filter(pk__in=items)


ScanBatchManager = models.Manager.from_queryset(ScanBatchQuerySet)


class ScanBatch(models.Model):
    """One delivery of scanned post: an upload of PDFs through the page *Skannad post*, or a
    scanning bureau's batch (a folder of PDFs and a metadata CSV) read by ``ester import-scans``.
    Written once, in the same transaction as its cases; a batch that would add nothing is
    not written at all."""

    class Source(models.TextChoices):
        UPLOAD = "uppladdning", _("Uppladdning")
        BUREAU = "skanningsbyra", _("Skanningsbyrå")

    access = AccessPolicy()  # widened by ScanBatchQuerySet.visible_to: staff who see one of its documents

    source = models.CharField(_("källa"), max_length=20, choices=Source.choices)
    name = models.CharField(_("namn"), max_length=255, help_text=_("Mappens namn, eller vem som laddade upp och när."))
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("skapad av"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    csv_sha256 = models.CharField(_("SHA-256 för CSV-filen"), max_length=64, blank=True)
    summary = models.CharField(_("sammanfattning"), max_length=500, blank=True)

    objects = ScanBatchManager()

    class Meta:
        verbose_name = _("skanningsbatch")
        verbose_name_plural = _("skanningsbatcher")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ScannedItem(models.Model):
    """One scanned document (a PDF, stored unaltered) and the case it became: when it arrived
    (the arrival stamp's date, from which the case's lead time runs), whose post it is and
    the case type.

    The PDF's SHA-256 is unique across Ester, whatever the customer: the same scanned file
    is never a case twice (a new scan of the same paper gives other bytes and is a new
    document). A second upload or import of the same file is reported as already imported."""

    class State(models.TextChoices):
        CASE = "arende", _("Ärende registrerat")

    access = AccessPolicy(customer="customer", team="case__team")

    batch = models.ForeignKey(ScanBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="items")
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    original_name = models.CharField(_("filnamn"), max_length=255)
    size = models.PositiveBigIntegerField(_("storlek"))
    arrival_date = models.DateField(_("ankomststämpel"))
    customer = models.ForeignKey(Customer, verbose_name=_("kund"), on_delete=models.PROTECT, related_name="+")
    case_type = models.ForeignKey(CaseType, verbose_name=_("ärendetyp"), on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, verbose_name=_("ärende"), on_delete=models.PROTECT, related_name="scanned_items")
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.CASE)
    reason = models.CharField(_("anteckning"), max_length=500, blank=True)
    row = models.PositiveIntegerField(_("rad i CSV-filen"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("skannat dokument")
        verbose_name_plural = _("skannade dokument")
        ordering = ["batch", "row", "id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"
