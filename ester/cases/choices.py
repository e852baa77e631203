from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    NEW = "ny", _("Ny")
    IN_PROGRESS = "pagaende", _("Pågående")
    WAITING = "vantar", _("Väntar på kund")
    HANDED_OVER = "overlamnad", _("Överlämnad")
    CLOSED = "avslutad", _("Avslutad")
    VOIDED = "makulerad", _("Makulerad")


OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING, CaseStatus.HANDED_OVER)


class CaseChannel(models.TextChoices):
    EMAIL = "epost", _("E-post")
    POST = "post", _("Post")
    EFORM = "eblankett", _("E-blankett")
    PORTAL = "portal", _("Kundportal")
    PHONE = "telefon", _("Telefon")
    INTERNAL = "internt", _("Internt")


class Priority(models.IntegerChoices):
    LOW = 1, _("Låg")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("Hög")


class RetentionClass(models.TextChoices):
    KEEP = "bevaras", _("Bevaras")
    DISPOSE_WHEN_OBSOLETE = "inaktualitet", _("Gallras vid inaktualitet")
    DISPOSE_2Y = "2ar", _("Gallras efter 2 år")
    DISPOSE_10Y = "10ar", _("Gallras efter 10 år")


class Filing(models.TextChoices):
    REGISTERED = "registreras", _("Registreras (diarieförs)")
    KEPT_IN_ORDER = "hallsordnad", _("Hålls ordnad")


class EventKind(models.TextChoices):
    CREATED = "created", _("Registrerat")
    ASSIGNED = "assigned", _("Tilldelat")
    STATUS = "status", _("Status ändrad")
    MESSAGE_IN = "message_in", _("Meddelande in")
    MESSAGE_OUT = "message_out", _("Meddelande ut")
    NOTE = "note", _("Intern anteckning")
    DOCUMENT = "document", _("Dokument tillagt")
    PAUSED = "paused", _("Klockan pausad")
    RESUMED = "resumed", _("Klockan startad igen")
    RETURNED = "returned", _("Återsänt för komplettering")
    COMPLETED = "completed", _("Kompletterat av kunden")
    CLOSED = "closed", _("Avslutat")
    REOPENED = "reopened", _("Återöppnat")
    VOIDED = "voided", _("Makulerat")
    MERGED = "merged", _("Sammanslaget")
    LINKED = "linked", _("Länkat")
    PRIORITY = "priority", _("Prioritet ändrad")
    WARNING = "warning", _("Varning: ledtiden går snart ut")
    BREACH = "breach", _("Ledtiden överskriden")


class LinkKind(models.TextChoices):
    MERGED_INTO = "merged_into", _("Sammanslaget med")
    SPLIT_FROM = "split_from", _("Utbrutet från")
    RELATED = "related", _("Relaterat")
    POSSIBLE_REPLY = "possible_reply", _("Möjligt svar på")


class LetterKind(models.TextChoices):
    ACKNOWLEDGEMENT = "kvittens", _("Mottagningskvittens")
    RETURN = "retur", _("Återsändning för komplettering")
    REPLY = "svar", _("Svar")
