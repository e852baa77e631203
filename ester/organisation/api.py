"""Read-only API of the organisation: customers, with contacts and handling teams."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from ester.core.api import DATE, STR, QueryFilters, ScopedReadOnlyViewSet, query_parameter
from ester.organisation.choices import CustomerKind
from ester.organisation.models import Customer, CustomerContact, HandlingAssignment, Process, Team, Unit
from ester.organisation.selectors import customer_detail_list, customer_list


class UnitRefSerializer(serializers.ModelSerializer[Unit]):
    class Meta:
        model = Unit
        fields = ["id", "name"]


class ProcessRefSerializer(serializers.ModelSerializer[Process]):
    class Meta:
        model = Process
        fields = ["code", "name"]


class PersonRefSerializer(serializers.Serializer[Any]):
    """A staff member named on a customer (responsible manager, our contact person)."""

    name = serializers.CharField(source="get_full_name", read_only=True)
    email = serializers.EmailField(read_only=True)


class CustomerSerializer(serializers.ModelSerializer[Customer]):
    responsible_unit = UnitRefSerializer(read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "name", "short_name", "kind", "org_number", "mailbox", "responsible_unit", "valid_from", "valid_to"]


class ContactSerializer(serializers.ModelSerializer[CustomerContact]):
    class Meta:
        model = CustomerContact
        fields = ["id", "name", "role", "email", "phone", "active"]


class TeamSerializer(serializers.ModelSerializer[Team]):
    unit = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "unit", "phone", "email"]


class HandlingSerializer(serializers.ModelSerializer[HandlingAssignment]):
    process = ProcessRefSerializer(read_only=True)
    team = TeamSerializer(read_only=True)

    class Meta:
        model = HandlingAssignment
        fields = ["process", "team", "valid_from", "valid_to"]


class CustomerDetailSerializer(CustomerSerializer):
    # A plain string here: the same choice set in two components makes drf-spectacular
    # warn about the enum name without an ENUM_NAME_OVERRIDES entry in settings.
    kind = serializers.CharField(read_only=True, help_text="Kundtyp (se CustomerKindEnum).")
    responsible_manager = PersonRefSerializer(read_only=True, allow_null=True)
    our_contact = PersonRefSerializer(read_only=True, allow_null=True)
    contacts = ContactSerializer(source="api_contacts", many=True, read_only=True)
    handling = HandlingSerializer(
        source="api_handling", many=True, read_only=True, help_text="Handläggande team per process, historik inräknad."
    )

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "responsible_manager", "our_contact", "contacts", "handling"]


@extend_schema_view(
    list=extend_schema(
        summary="Kunder",
        description="Kunder som den inloggade får se (samma urval som i gränssnittet).",
        parameters=[
            query_parameter("q", STR, "Sök i namn, kortnamn, organisationsnummer och funktionsbrevlåda."),
            query_parameter("kind", STR, "Kundtyp.", enum=CustomerKind.values),
            query_parameter("active_on", DATE, "Endast kunder som är giltiga detta datum (ÅÅÅÅ-MM-DD)."),
        ],
    ),
    retrieve=extend_schema(
        summary="Kund",
        description="En kund med kontaktpersoner och handläggande team per process. 404 för okänd kund och för kund utanför behörigheten.",
    ),
)
class CustomerViewSet(ScopedReadOnlyViewSet):
    serializer_class = CustomerSerializer
    detail_serializer_class = CustomerDetailSerializer
    list_selector = staticmethod(customer_list)
    detail_selector = staticmethod(customer_detail_list)

    def list_filters(self, filters: QueryFilters) -> dict[str, Any]:
        return {
            "q": filters.text("q"),
            "kind": filters.choice("kind", CustomerKind.values),
            "active_on": filters.date("active_on"),
        }
