from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceKind(models.TextChoices):
    MANDATORY = "obligatorisk", _("Obligatorisk")
    ADDON = "tillagg", _("Tilläggstjänst")


class UnitOfMeasure(models.TextChoices):
    INVOICE = "faktura", _("faktura")
    PAYSLIP = "lonespecifikation", _("lönespecifikation")
    SALARY = "utbetald_lon", _("utbetald lön")
    CASE = "arende", _("ärende")
    HOUR = "timme", _("timme")
    CONTRACT = "avtal", _("avtal")
    FAMILY = "familj", _("familj")
    CALL = "samtal", _("samtal")
    MONTH = "manad", _("månad")


class Channel(models.TextChoices):
    ELECTRONIC = "elektronisk", _("Elektronisk")
    UPSTREAM = "forsystem", _("Via försystem")
    SELF_SERVICE = "sjalvservice", _("Via självservice")
    MANUAL = "manuell", _("Manuell")
    SUBSCRIPTION = "abonnemang", _("Abonnemang")
    VOIDED = "makulerad", _("Makulerad/delmakulerad")
    REFUNDED = "aterbetald", _("Återbetald")
    URGENT = "brådskande", _("Brådskande")
    STANDARD = "standard", _("Standard")


class AgreementStatus(models.TextChoices):
    DRAFT = "utkast", _("Utkast")
    SIGNED = "undertecknat", _("Undertecknat")
    ENDED = "avslutat", _("Avslutat")
