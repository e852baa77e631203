"""API of cases: register a case (for e-forms of other systems), list and read cases, add a message or a document.

Scoped like the user interface: the list and the detail read through
``ester/cases/selectors_api.py`` (``visible_to(user)``), every action on one
case looks it up in the caller's scope first (404 for another customer's
case, before the request body is even read), and writes go through the
services, whose Swedish validation messages come back as 400 per field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from ester.agreements.api import CustomerRefSerializer
from ester.cases.choices import CaseChannel, CaseStatus, EventKind
from ester.cases.documents import case_document_add
from ester.cases.models import Case, CaseDocument, CaseEvent, CaseType, ReturnReason, ReturnRequest
from ester.cases.portal_services import clean_portal_fields, may_submit, portal_field_key
from ester.cases.selectors import may_handle
from ester.cases.selectors_api import (
    case_api_detail_list,
    case_api_list,
    case_type_by_code,
    customer_for_new_case,
    writes_as_customer,
)
from ester.cases.services import case_add_note, case_register, case_reply
from ester.cases.services_messages import case_customer_message
from ester.core.api import DATE, INT, STR, QueryFilters, ScopedReadOnlyViewSet, query_parameter
from ester.core.pii import mask_pii
from ester.organisation.api import ProcessRefSerializer, TeamSerializer


def service_errors(error: DjangoValidationError, *, rename: dict[str, str] | None = None) -> ValidationError:
    """A service's ValidationError as DRF's 400 body: one key per field, each with Swedish messages."""
    if not hasattr(error, "error_dict"):
        return ValidationError({api_settings.NON_FIELD_ERRORS_KEY: error.messages})
    body: dict[str, list[str]] = {}
    for field, messages in error.message_dict.items():
        key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else (rename or {}).get(field, field)
        body.setdefault(key, []).extend(messages)
    return ValidationError(body)


def _person(user: Any) -> str | None:
    if user is None:
        return None
    return str(user.get_full_name() or user.username)


def _fill(template: Any, values: dict[str, Any]) -> Any:
    """``template % values``, translated when the message is shown (not when the module is imported)."""
    return lazy(lambda: str(template) % values, str)()


def _messages(name: str, what: Any) -> dict[str, Any]:
    """Swedish error messages for an input field that name the field and say what to send.

    DRF fills in ``{max_length}``, ``{min_value}``, ``{input}`` … with ``str.format``."""
    both = {"name": name, "what": what}
    only = {"name": name}
    return {
        "required": _fill(_lazy("Fältet %(name)s saknas: %(what)s."), both),
        "blank": _fill(_lazy("Fältet %(name)s är tomt: %(what)s."), both),
        "null": _fill(_lazy("Fältet %(name)s får inte vara null: %(what)s."), both),
        "invalid": _fill(_lazy("Fältet %(name)s har ett ogiltigt värde: %(what)s."), both),
        "max_length": _fill(_lazy("Fältet %(name)s får vara högst {max_length} tecken."), only),
        "max_string_length": _fill(_lazy("Fältet %(name)s har ett för stort värde."), only),
        "min_value": _fill(_lazy("Fältet %(name)s måste vara minst {min_value}."), only),
        "max_value": _fill(_lazy("Fältet %(name)s får vara högst {max_value}."), only),
        "invalid_choice": _fill(_lazy("Okänt värde ”{input}” i fältet %(name)s: %(what)s."), both),
        "not_a_dict": _fill(_lazy("Fältet %(name)s måste vara ett JSON-objekt (nyckel: värde)."), only),
        "date": _fill(_lazy("Fältet %(name)s måste vara en tidpunkt, inte bara ett datum: %(what)s."), both),
        "make_aware": _fill(_lazy("Fältet %(name)s: tidpunkten finns inte i tidszonen {timezone}."), only),
        "overflow": _fill(_lazy("Fältet %(name)s ligger utanför det tillåtna tidsintervallet."), only),
        "no_name": _fill(_lazy("Fältet %(name)s: filen saknar namn."), only),
        "empty": _fill(_lazy("Fältet %(name)s: filen är tom."), only),
        "max_length_file": _fill(_lazy("Fältet %(name)s: filnamnet är för långt."), only),
    }


# --- reading -----------------------------------------------------------------------


class CaseTypeRefSerializer(serializers.ModelSerializer[CaseType]):
    class Meta:
        model = CaseType
        fields = ["code", "name"]


class CaseSerializer(serializers.ModelSerializer[Case]):
    """One row of the case list."""

    customer = CustomerRefSerializer(read_only=True)
    case_type = CaseTypeRefSerializer(read_only=True)
    process = ProcessRefSerializer(read_only=True)
    team = TeamSerializer(read_only=True)
    # Plain strings: a choice set used in two components, under a field name another app uses for
    # other choices (agreements' status, variants' channel), makes drf-spectacular warn about the
    # enum's name. The channel's enum is in the request of POST /cases/ (CaseCreateChannelEnum).
    status = serializers.CharField(read_only=True, help_text="Status: " + ", ".join(CaseStatus.values) + ".")
    channel = serializers.CharField(read_only=True, help_text="Kanal: " + ", ".join(CaseChannel.values) + ".")
    subject = serializers.SerializerMethodField(help_text="Rubrik; personnummer maskerade (ÅÅMMDD-****) i listan.")
    sender_name = serializers.SerializerMethodField(help_text="Avsändare; personnummer maskerade i listan.")
    assignee = serializers.SerializerMethodField(help_text="Handläggarens namn; null när ärendet ligger i teamets kö.")

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "status",
            "customer",
            "process",
            "case_type",
            "channel",
            "subject",
            "sender_name",
            "received_at",
            "due_at",
            "resolved_at",
            "urgent",
            "priority",
            "team",
            "assignee",
        ]
        read_only_fields = fields

    def get_subject(self, case: Case) -> str:
        return mask_pii(case.subject)

    def get_sender_name(self, case: Case) -> str:
        return mask_pii(case.sender_name)

    def get_assignee(self, case: Case) -> str | None:
        return _person(case.assignee)


class CaseEventSerializer(serializers.ModelSerializer[CaseEvent]):
    """One line of the timeline; a customer contact never gets an internal one."""

    kind = serializers.ChoiceField(choices=EventKind.choices, read_only=True)
    actor = serializers.SerializerMethodField(help_text="Vem som gjorde det; null för systemet.")

    class Meta:
        model = CaseEvent
        fields = ["id", "at", "kind", "text", "internal", "actor"]
        read_only_fields = fields

    def get_actor(self, event: CaseEvent) -> str | None:
        return _person(event.actor)


class CaseDocumentSerializer(serializers.ModelSerializer[CaseDocument]):
    name = serializers.CharField(source="original_name", read_only=True)

    class Meta:
        model = CaseDocument
        fields = ["id", "name", "content_type", "size", "sha256", "internal", "uploaded_at"]
        read_only_fields = fields


class ReturnReasonRefSerializer(serializers.ModelSerializer[ReturnReason]):
    class Meta:
        model = ReturnReason
        fields = ["code", "text"]


class LetterSerializer(serializers.Serializer[Any]):
    subject = serializers.CharField(source="letter_subject", read_only=True)
    body = serializers.CharField(source="letter_body", read_only=True)


class CaseReturnRequestSerializer(serializers.ModelSerializer[ReturnRequest]):
    reasons = ReturnReasonRefSerializer(many=True, read_only=True)
    letter = LetterSerializer(source="*", read_only=True, help_text="Brevet som skickades till kunden.")
    sent_by = serializers.SerializerMethodField()

    class Meta:
        model = ReturnRequest
        fields = ["id", "reasons", "free_text", "letter", "sent_at", "sent_by", "completed_at"]
        read_only_fields = fields

    def get_sent_by(self, request: ReturnRequest) -> str | None:
        return _person(request.sent_by)


class CaseDetailSerializer(CaseSerializer):
    # The case itself shows what was registered, whole (lists mask personal identity numbers).
    subject = serializers.CharField(read_only=True)  # type: ignore[assignment]
    sender_name = serializers.CharField(read_only=True)  # type: ignore[assignment]
    timeline = CaseEventSerializer(source="api_events", many=True, read_only=True)
    documents = CaseDocumentSerializer(source="api_documents", many=True, read_only=True)
    return_requests = CaseReturnRequestSerializer(source="api_return_requests", many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "status_reason",
            "sender_email",
            "sender_phone",
            "description",
            "fields",
            "registered_at",
            "first_response_due_at",
            "first_response_at",
            "paused_since",
            "timeline",
            "documents",
            "return_requests",
        ]
        read_only_fields = fields


# --- writing -----------------------------------------------------------------------


class CaseCreateSerializer(serializers.Serializer[Any]):
    """A case sent by another system (an e-form) or a customer's own integration."""

    customer = serializers.IntegerField(
        min_value=1, help_text="Kundens id.", error_messages=_messages("customer", _lazy("ange kundens id (ett heltal)"))
    )
    case_type = serializers.CharField(
        max_length=40,
        help_text="Ärendetypens kod, t.ex. LEVMAN.",
        error_messages=_messages("case_type", _lazy("ange ärendetypens kod")),
    )
    channel = serializers.ChoiceField(
        choices=CaseChannel.choices,
        default=CaseChannel.EFORM,
        help_text="Hur ärendet kom in; eblankett om inget anges.",
        error_messages=_messages(
            "channel", _fill(_lazy("tillåtna värden: %(values)s"), {"values": ", ".join(CaseChannel.values)})
        ),
    )
    sender_name = serializers.CharField(
        max_length=200, help_text="Avsändarens namn.", error_messages=_messages("sender_name", _lazy("ange avsändarens namn"))
    )
    sender_email = serializers.EmailField(
        required=False,
        allow_blank=True,
        default="",
        max_length=254,
        error_messages=_messages("sender_email", _lazy("ange en e-postadress som namn@exempel.se")),
    )
    sender_phone = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=40,
        error_messages=_messages("sender_phone", _lazy("ange ett telefonnummer")),
    )
    subject = serializers.CharField(
        max_length=300, help_text="Rubrik som beskriver ärendet.", error_messages=_messages("subject", _lazy("ange en rubrik"))
    )
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=20000,
        error_messages=_messages("description", _lazy("ange beskrivningen som text")),
    )
    received_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="När underlaget kom in (ISO 8601); nu om inget anges. Får inte ligga i framtiden.",
        error_messages=_messages("received_at", _lazy("ange en tidpunkt som 2026-03-02T09:00:00+01:00")),
    )
    fields = serializers.DictField(  # type: ignore[assignment]  # the form's fields; Serializer.fields is popped by DRF's metaclass
        required=False,
        default=dict,
        help_text="Blankettens fält som nyckel: värde. Ärendetypens obligatoriska fält krävs och kontrolleras som i "
        "kundportalen (datum, tal, e-post); allt som skickas sparas som det kom.",
        error_messages=_messages("fields", _lazy("skicka ett JSON-objekt")),
    )


class CaseCreatedSerializer(serializers.ModelSerializer[Case]):
    status = serializers.CharField(read_only=True, help_text="Status: ny för ett nytt ärende.")

    class Meta:
        model = Case
        fields = ["id", "number", "status", "received_at", "due_at"]
        read_only_fields = fields


class DocumentUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(
        help_text="Filen (multipart/form-data). Tillåtna typer: PDF, PNG, JPEG, TIFF, DOCX, XLSX, TXT, CSV, EML.",
        error_messages=_messages("file", _lazy("skicka en fil som multipart/form-data")),
    )
    internal = serializers.BooleanField(
        default=False,
        help_text="true: internt dokument som kunden aldrig ser (bara personal).",
        error_messages=_messages("internal", _lazy("ange true eller false")),
    )


class MessageSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(
        max_length=20000, help_text="Meddelandets text.", error_messages=_messages("text", _lazy("skriv ett meddelande"))
    )
    internal = serializers.BooleanField(
        default=False,
        help_text="true: intern anteckning som kunden aldrig ser (bara personal). false: svar till kunden "
        "(personal) eller meddelande från kunden (kundkontakt).",
        error_messages=_messages("internal", _lazy("ange true eller false")),
    )


@extend_schema_view(
    list=extend_schema(
        summary="Ärenden",
        description="Ärenden som den inloggade får se (samma urval som i gränssnittet), senast inkomna först.",
        parameters=[
            query_parameter("status", STR, "Ärendets status.", enum=CaseStatus.values),
            query_parameter("customer", INT, "Kundens id."),
            query_parameter("team", INT, "Handläggande teams id."),
            query_parameter("case_type", STR, "Ärendetypens kod, t.ex. LEVMAN."),
            query_parameter("received_from", DATE, "Inkomna denna dag eller senare (ÅÅÅÅ-MM-DD)."),
            query_parameter("received_to", DATE, "Inkomna denna dag eller tidigare (ÅÅÅÅ-MM-DD)."),
            query_parameter(
                "q",
                STR,
                "Sökord: ärendenummer, kund, avsändare, rubrik, beskrivning, meddelanden och dokumentnamn (interna "
                "anteckningar bara för personal). Alla ord måste finnas; bästa träff först, högst 1 000 ärenden.",
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="Ärende",
        description="Ett ärende med tidslinje, dokument och begäranden om komplettering. En kundkontakt ser aldrig "
        "interna anteckningar eller interna dokument. 404 för okänt ärende och för ärende utanför behörigheten.",
    ),
)
class CaseViewSet(ScopedReadOnlyViewSet):
    serializer_class = CaseSerializer
    detail_serializer_class = CaseDetailSerializer
    list_selector = staticmethod(case_api_list)
    detail_selector = staticmethod(case_api_detail_list)

    def list_filters(self, filters: QueryFilters) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "status": filters.choice("status", CaseStatus.values),
            "customer": filters.integer("customer"),
            "team": filters.integer("team"),
            "received_from": filters.date("received_from"),
            "received_to": filters.date("received_to"),
            "q": filters.text("q"),
        }
        code = filters.text("case_type", max_length=40)
        if code:
            case_type = case_type_by_code(self.request.user, code)
            if case_type is None:
                filters.invalid("case_type", _("Okänd ärendetyp ”%(code)s” i parametern case_type.") % {"code": code})
            else:
                kwargs["case_type"] = case_type.pk
        start, end = kwargs["received_from"], kwargs["received_to"]
        if start is not None and end is not None and start > end:
            filters.invalid(
                "received_to",
                _("Parametern received_to (%(end)s) ligger före received_from (%(start)s).") % {"start": start, "end": end},
            )
        return kwargs

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return CaseCreateSerializer
        return super().get_serializer_class()

    @extend_schema(
        summary="Registrera ärende",
        description="Registrerar ett ärende, t.ex. från en e-blankett i ett annat system. Den inloggade måste få se "
        "kunden (en kundkontakt registrerar för sin egen förvaltning). Svaret har ärendenumret. "
        "400 med svenska meddelanden per fält.",
        request=CaseCreateSerializer,
        responses={201: CaseCreatedSerializer, 400: OpenApiResponse(description="Fel per fält, på svenska.")},
    )
    def create(self, request: Request) -> Response:
        incoming = CaseCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        user = request.user
        errors: dict[str, Any] = {}
        customer = customer_for_new_case(user, data["customer"])
        if customer is None:
            errors["customer"] = [
                _("Okänd kund %(id)s, eller en kund du inte kan registrera ärenden för.") % {"id": data["customer"]}
            ]
        case_type = case_type_by_code(user, data["case_type"])
        if case_type is None:
            errors["case_type"] = [_("Okänd ärendetyp ”%(code)s”.") % {"code": data["case_type"]}]
        else:
            if writes_as_customer(user) and customer is not None and not may_submit(case_type, customer):
                errors["case_type"] = [_("Ärendetypen %(code)s kan inte skickas in av kunden.") % {"code": case_type.code}]
            # The case type's form fields (required, dates, numbers): checked as in the portal, stored as sent.
            _values, field_errors = clean_portal_fields(case_type, data["fields"])
            if field_errors:
                errors["fields"] = {key.removeprefix(portal_field_key("")): value for key, value in field_errors.items()}
        if errors:
            raise ValidationError(errors)
        assert customer is not None and case_type is not None
        try:
            case = case_register(
                actor=user,  # type: ignore[arg-type]
                customer=customer,
                case_type=case_type,
                channel=data["channel"],
                sender_name=data["sender_name"],
                sender_email=data["sender_email"],
                sender_phone=data["sender_phone"],
                subject=data["subject"],
                description=data["description"],
                received_at=data["received_at"],
                fields=data["fields"],
            )
        except DjangoValidationError as error:
            raise service_errors(error) from None
        location = reverse("api-case-detail", kwargs={"pk": case.pk})
        return Response(CaseCreatedSerializer(case).data, status=status.HTTP_201_CREATED, headers={"Location": location})

    @extend_schema(
        summary="Lägg till meddelande",
        description="Personal: internal=true är en intern anteckning, annars ett svar till kunden. Kundkontakt: ett "
        "meddelande från kunden; väntar ärendet på komplettering är meddelandet kompletteringen (klockan startar "
        "igen), ett avslutat ärende öppnas igen. En kundkontakt som skickar internal=true får 403. "
        "404 för ärende utanför behörigheten.",
        request=MessageSerializer,
        responses={
            201: CaseEventSerializer,
            400: OpenApiResponse(description="Fel per fält, på svenska."),
            403: OpenApiResponse(
                description="En kundkontakt försökte skriva en intern anteckning, eller personal utan rätt att handlägga ärendet (t.ex. controller)."
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="messages", serializer_class=MessageSerializer, pagination_class=None)
    def messages(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()  # first: another customer's case is 404 whatever the body says
        incoming = MessageSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        text, internal = incoming.validated_data["text"], incoming.validated_data["internal"]
        user: Any = request.user
        try:
            if writes_as_customer(user):
                if internal:
                    raise PermissionDenied(_("Kundkontakter kan inte skriva interna anteckningar; skicka internal=false."))
                event = case_customer_message(actor=user, case=case, text=text)
            elif not may_handle(user, case):
                raise PermissionDenied(_("Du kan läsa ärendet men inte handlägga det."))
            elif internal:
                event = case_add_note(actor=user, case=case, text=text)
            else:
                event = case_reply(actor=user, case=case, text=text)
        except DjangoValidationError as error:
            raise service_errors(error) from None
        return Response(CaseEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Lägg till dokument",
        description="Laddar upp en fil till ärendet (multipart/form-data, fältet file). Filen sparas oförändrad med "
        "SHA-256; för stor fil eller otillåten filtyp ger 400 med ett svenskt meddelande. Bara personal lägger till "
        "interna dokument (en kundkontakt med internal=true får 403). 404 för ärende utanför behörigheten.",
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={
            201: CaseDocumentSerializer,
            400: OpenApiResponse(description="Fel per fält, på svenska."),
            403: OpenApiResponse(
                description="En kundkontakt försökte lägga till ett internt dokument, eller personal utan rätt att handlägga ärendet."
            ),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="documents",
        serializer_class=DocumentUploadSerializer,
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
    )
    def documents(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()  # first: another customer's case is 404 whatever the body says
        incoming = DocumentUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        upload, internal = incoming.validated_data["file"], incoming.validated_data["internal"]
        user: Any = request.user
        if internal and writes_as_customer(user):
            raise PermissionDenied(_("Kundkontakter kan inte lägga till interna dokument; skicka internal=false."))
        if not writes_as_customer(user) and not may_handle(user, case):
            raise PermissionDenied(_("Du kan läsa ärendet men inte handlägga det."))
        try:
            document = case_document_add(actor=user, case=case, upload=upload, internal=internal)
        except DjangoValidationError as error:
            # documents.py names the upload field of its forms; here it is ``file``.
            raise service_errors(error, rename={"files": "file", "uploads": "file", "upload": "file"}) from None
        return Response(CaseDocumentSerializer(document).data, status=status.HTTP_201_CREATED)
