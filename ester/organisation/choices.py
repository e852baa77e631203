from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    DISTRICT = "stadsdelsforvaltning", _("Stadsdelsförvaltning")
    SPECIALIST = "fackforvaltning", _("Fackförvaltning")
    COMPANY = "bolag", _("Bolag")


class ContactRole(models.TextChoices):
    CONTACT = "kontaktperson", _("Kontaktperson")
    CONTROLLER = "controller", _("Controller")
    ASSISTANT = "assistent", _("Assistent")
    MANAGER = "chef", _("Chef")
    ACCOUNTING = "redovisningsansvarig", _("Redovisningsansvarig")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("måndag")
    TUESDAY = 1, _("tisdag")
    WEDNESDAY = 2, _("onsdag")
    THURSDAY = 3, _("torsdag")
    FRIDAY = 4, _("fredag")
    SATURDAY = 5, _("lördag")
    SUNDAY = 6, _("söndag")
