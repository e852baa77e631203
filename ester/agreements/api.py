"""Read-only API of the service catalogue, the price lists and the service agreements.

Money is a decimal string (``"15.00"``), never a float.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ester.agreements.choices import AgreementStatus, ServiceKind
from ester.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementService,
    Deviation,
    InterfaceText,
    LeadTime,
    PriceList,
    PriceVersion,
    Service,
    ServiceVariant,
)
from ester.agreements.selectors import (
    agreement_detail_list,
    agreement_list,
    price_list_detail_list,
    price_list_list,
    price_rows,
    service_list,
)
from ester.core.api import DATE, INT, STR, QueryFilters, ScopedReadOnlyViewSet, query_parameter
from ester.organisation.api import ProcessRefSerializer
from ester.organisation.models import Customer
from ester.organisation.selectors import process_by_code


def money(**kwargs: Any) -> serializers.DecimalField:
    """Kronor as a decimal string in JSON ("15.00"), never a float."""
    return serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True, read_only=True, **kwargs)


# --- services ------------------------------------------------------------------


class VariantSerializer(serializers.ModelSerializer[ServiceVariant]):
    unit = serializers.CharField(
        source="unit_of_measure", read_only=True, help_text="Variantens enhet (tjänstens om inget annat anges)."
    )

    class Meta:
        model = ServiceVariant
        fields = ["id", "code", "name", "channel", "unit", "order"]


class ServiceSerializer(serializers.ModelSerializer[Service]):
    process = ProcessRefSerializer(read_only=True)
    variants = VariantSerializer(many=True, read_only=True)

    class Meta:
        model = Service
        fields = ["id", "code", "name", "kind", "unit", "description", "active", "process", "variants"]


@extend_schema_view(
    list=extend_schema(
        summary="Tjänster",
        description="Tjänstekatalogen (aktiva tjänster) med varianter.",
        parameters=[
            query_parameter("process", STR, "Processens kod, t.ex. LEV."),
            query_parameter("kind", STR, "Obligatorisk tjänst eller tilläggstjänst.", enum=ServiceKind.values),
        ],
    ),
    retrieve=extend_schema(summary="Tjänst", description="En tjänst med varianter."),
)
class ServiceViewSet(ScopedReadOnlyViewSet):
    serializer_class = ServiceSerializer
    list_selector = staticmethod(service_list)

    def list_filters(self, filters: QueryFilters) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"kind": filters.choice("kind", ServiceKind.values)}
        code = filters.text("process", max_length=20)
        if code:
            process = process_by_code(self.request.user, code)
            if process is None:
                filters.invalid("process", _("Okänd process ”%(code)s” i parametern process.") % {"code": code})
            else:
                kwargs["process"] = process.pk
        return kwargs


# --- price lists -----------------------------------------------------------------


class PriceVersionSerializer(serializers.ModelSerializer[PriceVersion]):
    variant_code = serializers.CharField(source="variant.code", read_only=True)
    variant = serializers.CharField(source="variant.name", read_only=True)
    service_code = serializers.CharField(source="variant.service.code", read_only=True)
    service = serializers.CharField(source="variant.service.name", read_only=True)
    unit = serializers.CharField(source="variant.unit_of_measure", read_only=True)
    unit_price = money(help_text="Pris per enhet i kronor, som decimalsträng.")

    class Meta:
        model = PriceVersion
        fields = [
            "id",
            "variant_code",
            "variant",
            "service_code",
            "service",
            "unit",
            "unit_price",
            "valid_from",
            "decision_ref",
            "note",
        ]


class PriceListSerializer(serializers.ModelSerializer[PriceList]):
    class Meta:
        model = PriceList
        fields = ["id", "year", "name", "decision_ref", "billed_through"]


class PriceListDetailSerializer(PriceListSerializer):
    versions = PriceVersionSerializer(
        source="api_versions", many=True, read_only=True, help_text="Alla prisversioner i prislistan."
    )

    class Meta(PriceListSerializer.Meta):
        fields = [*PriceListSerializer.Meta.fields, "versions"]


class PriceOnDateSerializer(serializers.Serializer[Any]):
    """The price of one variant in force on the requested date."""

    variant_code = serializers.CharField(source="variant.code")
    variant = serializers.CharField(source="variant.name")
    service_code = serializers.CharField(source="variant.service.code")
    service = serializers.CharField(source="variant.service.name")
    process = serializers.CharField(source="variant.service.process.code")
    unit = serializers.CharField(source="variant.unit_of_measure")
    unit_price = money(source="current.unit_price", allow_null=True, help_text="null om ingen version gäller ännu på datumet.")
    valid_from = serializers.DateField(source="current.valid_from", allow_null=True)
    decision_ref = serializers.CharField(source="current.decision_ref", allow_null=True)
    changed_mid_year = serializers.BooleanField(help_text="Varianten har fler än en prisversion under året.")


class PricesOnDateSerializer(serializers.Serializer[Any]):
    price_list = PriceListSerializer()
    date = serializers.DateField()
    prices = PriceOnDateSerializer(many=True)


@extend_schema_view(
    list=extend_schema(summary="Prislistor", description="Prislistorna, nyaste året först. Offentliga för alla kunder."),
    retrieve=extend_schema(summary="Prislista", description="En prislista med alla prisversioner."),
)
class PriceListViewSet(ScopedReadOnlyViewSet):
    serializer_class = PriceListSerializer
    detail_serializer_class = PriceListDetailSerializer
    list_selector = staticmethod(price_list_list)
    detail_selector = staticmethod(price_list_detail_list)

    @extend_schema(
        summary="Priser på ett datum",
        description="Det pris som gäller för varje variant på datumet. Utan datum: i dag, eller årets första/sista dag "
        "för en prislista för ett annat år.",
        parameters=[
            OpenApiParameter(
                "date",
                DATE,
                OpenApiParameter.QUERY,
                required=False,
                description="Datum (ÅÅÅÅ-MM-DD) inom prislistans år.",
            )
        ],
        responses=PricesOnDateSerializer,
    )
    @action(detail=True, methods=["get"], url_path="prices", pagination_class=None)
    def prices(self, request: Request, pk: str | None = None) -> Response:
        price_list = self.get_object()
        filters = QueryFilters(request)
        day = filters.date("date")
        if day is not None and day.year != price_list.year:
            filters.invalid(
                "date",
                _("Parametern date måste ligga inom prislistans år %(year)d; fick %(date)s.")
                % {"year": price_list.year, "date": day},
            )
        filters.check()
        if day is None:
            today = timezone.localdate()
            day = (
                today
                if today.year == price_list.year
                else (price_list.last_day if today.year > price_list.year else price_list.first_day)
            )
        data = {"price_list": price_list, "date": day, "prices": price_rows(price_list, day=day)}
        return Response(PricesOnDateSerializer(data).data)


# --- agreements ------------------------------------------------------------------


class CustomerRefSerializer(serializers.ModelSerializer[Customer]):
    class Meta:
        model = Customer
        fields = ["id", "name"]


class AgreementSerializer(serializers.ModelSerializer[Agreement]):
    customer = CustomerRefSerializer(read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "year", "status", "signed_on", "customer"]


class AgreementServiceSerializer(serializers.ModelSerializer[AgreementService]):
    code = serializers.CharField(source="service.code", read_only=True)
    name = serializers.CharField(source="service.name", read_only=True)
    process = serializers.CharField(source="service.process.code", read_only=True)
    kind = serializers.CharField(source="service.kind", read_only=True, help_text="obligatorisk eller tillagg")
    mandatory = serializers.BooleanField(source="service.is_mandatory", read_only=True)

    class Meta:
        model = AgreementService
        fields = ["id", "code", "name", "process", "kind", "mandatory", "start", "end", "note"]


class LeadTimeSerializer(serializers.ModelSerializer[LeadTime]):
    process = ProcessRefSerializer(read_only=True)

    class Meta:
        model = LeadTime
        fields = ["process", "work_kind", "first_response_hours", "resolution_hours"]


class InterfaceTextSerializer(serializers.ModelSerializer[InterfaceText]):
    process = ProcessRefSerializer(read_only=True)

    class Meta:
        model = InterfaceText
        fields = ["process", "text"]


class DeviationSerializer(serializers.ModelSerializer[Deviation]):
    process = ProcessRefSerializer(read_only=True)

    class Meta:
        model = Deviation
        fields = ["process", "description", "approved_on", "approved_by"]


class DocumentSerializer(serializers.ModelSerializer[AgreementDocument]):
    name = serializers.CharField(source="original_name", read_only=True)

    class Meta:
        model = AgreementDocument
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at"]


class AgreementDetailSerializer(AgreementSerializer):
    services = AgreementServiceSerializer(source="api_services", many=True, read_only=True)
    lead_times = LeadTimeSerializer(source="api_lead_times", many=True, read_only=True)
    interface_texts = InterfaceTextSerializer(source="api_interfaces", many=True, read_only=True)
    deviations = DeviationSerializer(source="api_deviations", many=True, read_only=True)
    documents = DocumentSerializer(source="api_documents", many=True, read_only=True)

    class Meta(AgreementSerializer.Meta):
        fields = [
            *AgreementSerializer.Meta.fields,
            "opening_hours",
            "notes",
            "services",
            "lead_times",
            "interface_texts",
            "deviations",
            "documents",
        ]


@extend_schema_view(
    list=extend_schema(
        summary="Serviceavtal",
        description="Serviceavtal som den inloggade får se (samma urval som i gränssnittet).",
        parameters=[
            query_parameter("year", INT, "Avtalsår, t.ex. 2012."),
            query_parameter("customer", INT, "Kundens id."),
            query_parameter("status", STR, "Avtalets status.", enum=AgreementStatus.values),
        ],
    ),
    retrieve=extend_schema(
        summary="Serviceavtal",
        description="Ett avtal med tjänster, ledtider, gränssnitt, godkända avvikelser och dokument. "
        "404 för okänt avtal och för avtal utanför behörigheten.",
    ),
)
class AgreementViewSet(ScopedReadOnlyViewSet):
    serializer_class = AgreementSerializer
    detail_serializer_class = AgreementDetailSerializer
    list_selector = staticmethod(agreement_list)
    detail_selector = staticmethod(agreement_detail_list)

    def list_filters(self, filters: QueryFilters) -> dict[str, Any]:
        return {
            "year": filters.year("year"),
            "customer": filters.integer("customer"),
            "status": filters.choice("status", AgreementStatus.values),
        }
