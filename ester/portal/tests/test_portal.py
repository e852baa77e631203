"""The customer portal shows a contact their own department and nothing else."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from ester.agreements.services import agreement_service_add, price_version_add


@pytest.mark.django_db
class TestPortal:
    def test_contact_lands_on_own_department(self, city: Any, client: Any) -> None:
        client.force_login(city.contact_x)
        response = client.get(reverse("portal:home"))
        assert response.status_code == 302
        assert response["Location"] == reverse("portal:customer", args=[city.customer_x.pk])

    def test_shows_agreement_services_prices_and_contacts(self, city: Any, client: Any) -> None:
        client.force_login(city.contact_x)
        response = client.get(reverse("portal:customer", args=[city.customer_x.pk]), {"ar": 2012})
        body = response.content.decode()
        assert response.status_code == 200
        assert city.customer_x.name in body
        assert "Leverantörsfaktura" in body
        assert "15,00 kr" in body and "50,00 kr" in body
        assert "Kim Kontakt" in body
        assert "Team A" in body
        assert city.customer_y.name not in body and "Yvonne" not in body

    def test_add_on_added_mid_year_appears_with_its_dates(self, city: Any, client: Any) -> None:
        agreement_service_add(
            actor=city.unit_manager, agreement=city.agreement_x, service=city.addon, start=datetime.date(2012, 4, 1)
        )
        client.force_login(city.contact_x)
        body = client.get(reverse("portal:customer", args=[city.customer_x.pk]), {"ar": 2012}).content.decode()
        assert "Anläggningsredovisning" in body and "2012-04-01" in body

    def test_mid_year_price_change_is_listed(self, city: Any, client: Any) -> None:
        price_version_add(
            actor=city.head_of_area,
            price_list=city.price_list,
            variant=city.variant_manual,
            unit_price="45",
            valid_from=datetime.date(2012, 9, 1),
        )
        client.force_login(city.contact_x)
        body = client.get(reverse("portal:customer", args=[city.customer_x.pk]), {"ar": 2012}).content.decode()
        assert "45,00 kr från 2012-09-01" in body

    def test_other_customer_and_staff_get_404(self, city: Any, client: Any) -> None:
        client.force_login(city.contact_x)
        assert client.get(reverse("portal:customer", args=[city.customer_y.pk])).status_code == 404
        for persona in ("handler", "sysadmin", "outsider"):
            client.force_login(city.users[persona])
            assert client.get(reverse("portal:home")).status_code == 404
            assert client.get(reverse("portal:customer", args=[city.customer_x.pk])).status_code == 404

    def test_anonymous_is_sent_to_login(self, client: Any) -> None:
        response = client.get(reverse("portal:home"))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]

    def test_year_without_agreement_says_so(self, city: Any, client: Any) -> None:
        client.force_login(city.contact_x)
        body = client.get(reverse("portal:customer", args=[city.customer_x.pk]), {"ar": 2030}).content.decode()
        assert "Det finns inget serviceavtal för 2030." in body
