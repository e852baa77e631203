from __future__ import annotations

import factory

from ester.cases.models import CaseType, ReturnReason
from ester.organisation.tests.factories import ProcessFactory


class CaseTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseType
        django_get_or_create = ("code",)

    process = factory.SubFactory(ProcessFactory)
    code = factory.Sequence(lambda n: f"CT{n}")
    name = factory.Sequence(lambda n: f"Ärendetyp {n}")
    resolution_hours = 16
    first_response_hours = 8


class ReturnReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReturnReason
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n}")
    text = factory.Sequence(lambda n: f"Orsak {n}")
