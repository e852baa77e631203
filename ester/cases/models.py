"""Cases (ärenden): every piece of work, received, routed, handled within its lead time, never lost."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Case as CaseWhen
from django.db.models import F, Q, Value, When
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from ester.cases.choices import (
    OPEN_STATUSES,
    CaseChannel,
    CaseStatus,
    EventKind,
    Filing,
    LetterKind,
    LinkKind,
    Priority,
    RetentionClass,
)
from ester.core.access import AccessPolicy, ScopedManager
from ester.organisation.models import Area, Customer, Process, Team


class CaseType(models.Model):
    """A kind of work within a process (manual supplier invoice, deferral, salary report …)."""

    access = AccessPolicy(area="process__area", public_to_contacts=True)

    process = models.ForeignKey(Process, verbose_name=_("process"), on_delete=models.PROTECT, related_name="case_types")
    code = models.CharField(_("kod"), max_length=40, unique=True)
    name = models.CharField(_("namn"), max_length=150)
    description = models.TextField(_("beskrivning"), blank=True)
    urgent = models.BooleanField(
        _("brådskande"), default=False, help_text=_("Anstånd, makulering, avbetalningsplan – får aldrig gå till inkasso.")
    )
    billable = models.BooleanField(_("debiteras"), default=False)
    first_response_hours = models.PositiveIntegerField(_("första svar (arbetstimmar)"), null=True, blank=True)
    resolution_hours = models.PositiveIntegerField(_("klart inom (arbetstimmar)"), default=24)
    retention_class = models.CharField(
        _("gallringsklass"), max_length=20, choices=RetentionClass.choices, default=RetentionClass.KEEP
    )
    filing = models.CharField(_("hantering"), max_length=20, choices=Filing.choices, default=Filing.KEPT_IN_ORDER)
    portal_enabled = models.BooleanField(_("kan skickas in via kundportalen"), default=True)
    portal_fields = models.JSONField(
        _("formulärfält i portalen"),
        default=list,
        blank=True,
        help_text=_('Lista av fält: [{"name": "fakturanummer", "label": "Fakturanummer", "required": true}]'),
    )
    active = models.BooleanField(_("aktiv"), default=True)
    order = models.PositiveSmallIntegerField(_("ordning"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("ärendetyp")
        verbose_name_plural = _("ärendetyper")
        ordering = ["process__name", "order", "name"]

    def __str__(self) -> str:
        return self.name


class CaseNumberSequence(models.Model):
    """The last number used per area and year (EK-2026-000123)."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "year"], name="casenumber_one_per_area_year")]

    def __str__(self) -> str:
        return f"{self.area_id}-{self.year}: {self.last}"


class Case(models.Model):
    """An ärende. Registration records, at creation, what the public-records rule asks:
    date received, number, sender and subject."""

    access = AccessPolicy(customer="customer", team="team")

    number = models.CharField(_("ärendenummer"), max_length=30, unique=True)
    area = models.ForeignKey(Area, verbose_name=_("verksamhetsområde"), on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, verbose_name=_("kund"), on_delete=models.PROTECT, related_name="cases")
    process = models.ForeignKey(Process, verbose_name=_("process"), on_delete=models.PROTECT, related_name="+")
    case_type = models.ForeignKey(CaseType, verbose_name=_("ärendetyp"), on_delete=models.PROTECT, related_name="cases")
    channel = models.CharField(_("kanal"), max_length=20, choices=CaseChannel.choices)
    sender_name = models.CharField(_("avsändare"), max_length=200)
    sender_email = models.EmailField(_("avsändarens e-post"), blank=True)
    sender_phone = models.CharField(_("avsändarens telefon"), max_length=40, blank=True)
    subject = models.CharField(_("rubrik"), max_length=300)
    description = models.TextField(_("beskrivning"), blank=True)
    received_at = models.DateTimeField(_("inkom"), help_text=_("För post: ankomststämpelns datum."))
    registered_at = models.DateTimeField(_("registrerat"), auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrerat av"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW)
    status_reason = models.CharField(_("orsak"), max_length=300, blank=True)
    priority = models.PositiveSmallIntegerField(_("prioritet"), choices=Priority.choices, default=Priority.NORMAL)
    urgent = models.BooleanField(_("brådskande"), default=False)
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="cases")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handläggare"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    first_response_due_at = models.DateTimeField(_("första svar senast"), null=True, blank=True)
    due_at = models.DateTimeField(_("klart senast"), null=True, blank=True, db_index=True)
    first_response_at = models.DateTimeField(_("första svar"), null=True, blank=True)
    paused_since = models.DateTimeField(_("pausad sedan"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("avslutat"), null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    first_contact_resolved = models.BooleanField(_("löst vid första kontakten"), default=False)
    secret = models.BooleanField(_("sekretessmarkerat"), default=False)
    personal_data = models.BooleanField(_("innehåller personuppgifter"), default=False)
    fields = models.JSONField(_("formulärfält"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The queues' keys, kept by the database itself: the team and the assignee while the
    # case is open, NULL once it is closed or voided. The partial indexes on them hold
    # only open cases (about one in a hundred at a million), so a queue, its count and
    # the workspace's counts read a few hundred index entries however many closed cases
    # the teams have — and with bound parameters too (SQLite uses a partial index only
    # when the query's terms imply its condition; "x IS NOT NULL" is implied by "x = ?").
    open_team_id = models.GeneratedField(
        expression=CaseWhen(When(status__in=OPEN_STATUSES, then=F("team_id")), default=Value(None)),
        output_field=models.BigIntegerField(null=True),
        db_persist=True,
    )
    open_assignee_id = models.GeneratedField(
        expression=CaseWhen(When(status__in=OPEN_STATUSES, then=F("assignee_id")), default=Value(None)),
        output_field=models.BigIntegerField(null=True),
        db_persist=True,
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("ärende")
        verbose_name_plural = _("ärenden")
        ordering = ["-urgent", "due_at", "received_at"]
        indexes = [
            models.Index(fields=["team", "status", "due_at"], name="case_team_queue"),
            models.Index(fields=["assignee", "status", "due_at"], name="case_assignee_queue"),
            models.Index(fields=["customer", "status", "received_at"], name="case_customer"),
            models.Index(fields=["open_team_id", "due_at"], name="case_open_team", condition=Q(open_team_id__isnull=False)),
            models.Index(
                fields=["open_assignee_id", "due_at"], name="case_open_assignee", condition=Q(open_assignee_id__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(name="case_voided_has_reason", condition=~Q(status=CaseStatus.VOIDED) | ~Q(status_reason="")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseEvent(models.Model):
    """One immutable line of a case's timeline. ``internal`` lines are never shown to the customer."""

    access = AccessPolicy(customer="case__customer", team="case__team", internal_field="internal")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("tidpunkt"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("händelse"), max_length=20, choices=EventKind.choices)
    internal = models.BooleanField(_("intern"), default=False)
    text = models.TextField(_("text"), blank=True)
    payload = models.JSONField(default=dict, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("händelse")
        verbose_name_plural = _("händelser")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="caseevent_case_at")]

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_kind_display()}"


def case_document_path(instance: CaseDocument, filename: str) -> str:
    return f"cases/{instance.sha256[:2]}/{instance.sha256[2:4]}/{instance.sha256}"


class CaseDocument(models.Model):
    """A document as received: bytes never altered; handling a case never deletes it."""

    access = AccessPolicy(customer="case__customer", team="case__team", internal_field="internal")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to=case_document_path, max_length=300)
    original_name = models.CharField(_("filnamn"), max_length=255)
    content_type = models.CharField(_("filtyp"), max_length=150)
    size = models.PositiveBigIntegerField(_("storlek"))
    sha256 = models.CharField(max_length=64, db_index=True)
    internal = models.BooleanField(_("intern"), default=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("dokument")
        verbose_name_plural = _("dokument")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ReturnReason(models.Model):
    """A reason to return underlag for completion (attest saknas, förfallodatum saknas …)."""

    access = AccessPolicy(area="process__area", public_to_contacts=True)

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="return_reasons", null=True, blank=True)
    code = models.CharField(_("kod"), max_length=40, unique=True)
    text = models.CharField(_("text i brevet"), max_length=300)
    active = models.BooleanField(_("aktiv"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("returorsak")
        verbose_name_plural = _("returorsaker")
        ordering = ["order", "text"]

    def __str__(self) -> str:
        return self.text


class LetterTemplate(models.Model):
    """A standard letter per process and kind, with variables ({{ kund }}, {{ arendenummer }} …)."""

    access = AccessPolicy(area="process__area")

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="letter_templates", null=True, blank=True)
    kind = models.CharField(_("typ"), max_length=20, choices=LetterKind.choices)
    language = models.CharField(_("språk"), max_length=2, default="sv")
    subject = models.CharField(_("ämnesrad"), max_length=300)
    body = models.TextField(_("brevtext"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("brevmall")
        verbose_name_plural = _("brevmallar")
        constraints = [models.UniqueConstraint(fields=["process", "kind", "language"], name="lettertemplate_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.process or _('alla processer')})"


class ReturnRequest(models.Model):
    """A request to the customer to complete a case: what is missing, the letter sent, when completed."""

    access = AccessPolicy(customer="case__customer", team="case__team")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="return_requests")
    reasons = models.ManyToManyField(ReturnReason, related_name="+")
    free_text = models.TextField(_("övrigt som saknas"), blank=True)
    letter_subject = models.CharField(max_length=300)
    letter_body = models.TextField()
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("begäran om komplettering")
        verbose_name_plural = _("begäranden om komplettering")
        ordering = ["sent_at"]

    def __str__(self) -> str:
        return f"{self.case} {self.sent_at:%Y-%m-%d}"


class CaseLink(models.Model):
    """A link between two cases (merged, split, related, possible reply)."""

    access = AccessPolicy(customer="from_case__customer", team="from_case__team")

    from_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_out")
    to_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=LinkKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["from_case", "to_case", "kind"], name="caselink_unique")]

    def __str__(self) -> str:
        return f"{self.from_case} → {self.to_case} ({self.kind})"


class Absence(models.Model):
    """A handler registered as absent: balanced assignment skips them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences")
    start = models.DateField(_("från"))
    end = models.DateField(_("till"))
    note = models.CharField(_("anteckning"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("frånvaro")
        verbose_name_plural = _("frånvaro")
        constraints = [models.CheckConstraint(name="absence_start_before_end", condition=Q(start__lte=models.F("end")))]

    def __str__(self) -> str:
        return f"{self.user} {self.start}–{self.end}"


class QueueLoan(models.Model):
    """A team's queue lent to another team for a period (units help each other at peaks)."""

    access = AccessPolicy(area="team__unit__area", unit="team__unit")

    team = models.ForeignKey(Team, verbose_name=_("teamets kö"), on_delete=models.CASCADE, related_name="loans_out")
    borrower = models.ForeignKey(Team, verbose_name=_("lånas ut till"), on_delete=models.CASCADE, related_name="loans_in")
    start = models.DateField(_("från"))
    end = models.DateField(_("till"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("lån av kö")
        verbose_name_plural = _("lån av köer")
        constraints = [models.CheckConstraint(name="queueloan_start_before_end", condition=Q(start__lte=models.F("end")))]

    def __str__(self) -> str:
        return f"{self.team} → {self.borrower} {self.start}–{self.end}"


class OutgoingMail(models.Model):
    """One mail Ester sends about a case, in the outbox: claimed before it is handed to the
    SMTP server, marked sent after.

    The row is what makes sending safe to repeat: ``key`` names the mail (``kvittens:12``),
    so a second run finds it; a run that holds a live claim (``sending`` until
    ``claimed_until``) keeps others from sending it too; ``message_id`` is chosen at the
    first claim and reused on every later attempt, so if a mail went out twice (a crash
    after the server took it) both copies carry the same Message-ID. Intake matches
    bounces and our own mail coming back by ``message_id``. Outbox rows are for staff
    only (``internal`` is always true); the customer sees the timeline line written when
    the mail was sent."""

    class State(models.TextChoices):
        SENDING = "sending", _("Skickas")
        SENT = "sent", _("Skickad")
        FAILED = "failed", _("Misslyckad")
        SKIPPED = "skipped", _("Skickas inte")  # the address bounced lately (ester.intake.models.BouncedAddress)

    access = AccessPolicy(customer="case__customer", team="case__team", internal_field="internal")

    case = models.ForeignKey(Case, verbose_name=_("ärende"), on_delete=models.PROTECT, related_name="outgoing_mails")
    key = models.CharField(_("nyckel"), max_length=200, unique=True)
    kind = models.CharField(_("typ"), max_length=40)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    to = models.CharField(_("till"), max_length=254)
    subject = models.CharField(_("ämnesrad"), max_length=300)
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.SENDING)
    claimed_until = models.DateTimeField(_("reserverad till"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("försök"), default=0)
    last_error = models.TextField(_("senaste fel"), blank=True)
    internal = models.BooleanField(_("intern"), default=True, editable=False)
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)
    sent_at = models.DateTimeField(_("skickad"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("utgående e-post")
        verbose_name_plural = _("utgående e-post")
        ordering = ["created_at", "id"]
        # Intake's receipt limit per sender: mails of a kind to an address (any letter case) lately.
        indexes = [models.Index(Lower("to"), F("kind"), F("created_at"), name="outgoingmail_to_kind_created")]

    def __str__(self) -> str:
        return f"{self.key} ({self.get_state_display()})"
