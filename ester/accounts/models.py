"""People who log in to Ester: staff of the service administration and customer contacts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person with a login.  What they may see and do comes only from their
    role assignments (``organisation.RoleAssignment``), never from flags here;
    ``is_staff`` only opens Django's admin for system configuration."""

    class Language(models.TextChoices):
        SV = "sv", "Svenska"
        EN = "en", "English"

    title = models.CharField(_("titel"), max_length=100, blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    language = models.CharField(_("språk"), max_length=2, choices=Language.choices, default=Language.SV)

    class Meta:
        verbose_name = _("användare")
        verbose_name_plural = _("användare")
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username
