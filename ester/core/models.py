"""Base models and cross-cutting rows: the audit trail and the worker heartbeat."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class ValidityMixin(models.Model):
    """Organisation changes over time (4 units became 6 in 2017): rows carry validity
    dates instead of being deleted, so that history stays true."""

    valid_from = models.DateField(_("giltig från"))
    valid_to = models.DateField(_("giltig till"), null=True, blank=True)

    class Meta:
        abstract = True

    def is_valid_on(self, day) -> bool:  # type: ignore[no-untyped-def]
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class AuditEntry(models.Model):
    """One recorded change: who did what to which object, with the values before and after.

    ``subject`` is the changed row; ``owner`` the object on whose page the
    change is shown (an agreement for a change to one of its services).
    Rows are only ever added.
    """

    class Kind(models.TextChoices):
        CREATE = "create", _("Skapad")
        UPDATE = "update", _("Ändrad")
        DELETE = "delete", _("Borttagen")
        ACTION = "action", _("Åtgärd")

    at = models.DateTimeField(_("tidpunkt"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("utförd av"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("typ"), max_length=10, choices=Kind.choices)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    subject_repr = models.CharField(_("objekt"), max_length=300)
    owner_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    owner_id = models.CharField(max_length=64)
    summary = models.CharField(_("sammanfattning"), max_length=300, blank=True)
    changes = models.JSONField(_("ändringar"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ändringslogg")
        verbose_name_plural = _("ändringslogg")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["owner_type", "owner_id", "-at"], name="audit_owner_at"),
            models.Index(fields=["subject_type", "subject_id"], name="audit_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.subject_repr}"


class WorkerHeartbeat(models.Model):
    """The background worker writes here while it runs; /healthz reads the age."""

    worker_id = models.CharField(max_length=100, unique=True)
    backend = models.CharField(max_length=50, default="database")
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)
    pid = models.PositiveIntegerField(default=0)
    host = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("bakgrundsprocess")
        verbose_name_plural = _("bakgrundsprocesser")

    def __str__(self) -> str:
        return self.worker_id
