"""factory_boy factories for the organisation and agreements."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from stdnum import luhn

from ester.accounts.models import User
from ester.agreements.choices import AgreementStatus, Channel, ServiceKind, UnitOfMeasure
from ester.agreements.models import Agreement, AgreementService, PriceList, PriceVersion, Service, ServiceVariant
from ester.core.access import Role
from ester.organisation.choices import ContactRole, CustomerKind
from ester.organisation.models import Area, Customer, CustomerContact, HandlingAssignment, Process, RoleAssignment, Team, Unit

START = datetime.date(2011, 1, 1)
PASSWORD = "Testlösenord-123!"


def org_number(n: int) -> str:
    """A valid Swedish organisation number in the municipal 212000- range."""
    body = f"212000{n % 1000:03d}"
    return f"{body[:6]}-{body[6:]}{luhn.calc_check_digit(body)}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Faker("last_name", locale="sv_SE")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"A{n}")
    name = factory.Sequence(lambda n: f"Område {n}")
    valid_from = START


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    area = factory.SubFactory(AreaFactory)
    name = factory.Sequence(lambda n: f"Enhet {n}")
    valid_from = START


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    phone = "08-508 11 000"
    valid_from = START


class ProcessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Process
        django_get_or_create = ("code",)

    area = factory.SubFactory(AreaFactory)
    code = factory.Sequence(lambda n: f"P{n}")
    name = factory.Sequence(lambda n: f"Process {n}")
    valid_from = START


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Förvaltning {n}")
    kind = CustomerKind.SPECIALIST
    org_number = factory.Sequence(org_number)
    responsible_unit = factory.SubFactory(UnitFactory)
    mailbox = factory.Sequence(lambda n: f"kund{n}@sf.example")
    valid_from = START


class HandlingAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HandlingAssignment

    customer = factory.SubFactory(CustomerFactory)
    process = factory.SubFactory(ProcessFactory)
    team = factory.SubFactory(TeamFactory)
    valid_from = START


class CustomerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerContact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name", locale="sv_SE")
    role = ContactRole.CONTACT
    email = factory.Sequence(lambda n: f"kontakt{n}@kund.example")


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.HANDLER
    valid_from = START


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("code",)

    process = factory.SubFactory(ProcessFactory)
    code = factory.Sequence(lambda n: f"S{n}")
    name = factory.Sequence(lambda n: f"Tjänst {n}")
    kind = ServiceKind.ADDON
    unit = UnitOfMeasure.HOUR


class ServiceVariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceVariant
        django_get_or_create = ("code",)

    service = factory.SubFactory(ServiceFactory)
    code = factory.Sequence(lambda n: f"V{n}")
    name = "Standard"
    channel = Channel.STANDARD


class PriceListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceList
        django_get_or_create = ("year",)

    year = 2012
    name = factory.LazyAttribute(lambda o: f"Prislista {o.year}")


class PriceVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceVersion

    price_list = factory.SubFactory(PriceListFactory)
    variant = factory.SubFactory(ServiceVariantFactory)
    unit_price = Decimal("100.00")
    valid_from = factory.LazyAttribute(lambda o: datetime.date(o.price_list.year, 1, 1))


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    customer = factory.SubFactory(CustomerFactory)
    year = 2012
    status = AgreementStatus.SIGNED
    signed_on = datetime.date(2011, 12, 15)


class AgreementServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementService

    agreement = factory.SubFactory(AgreementFactory)
    service = factory.SubFactory(ServiceFactory)
    start = factory.LazyAttribute(lambda o: datetime.date(o.agreement.year, 1, 1))
    end = factory.LazyAttribute(lambda o: datetime.date(o.agreement.year, 12, 31))
