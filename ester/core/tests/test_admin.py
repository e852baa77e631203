"""Django admin is for system configuration: its changes are audited, and price versions are read-only there."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from ester.core.audit import audit_for
from ester.core.models import AuditEntry
from ester.organisation.tests.factories import UserFactory


@pytest.mark.django_db
def test_admin_changes_are_audited_and_prices_read_only(city: Any, client: Any) -> None:
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    team = city.team_a
    url = reverse("admin:organisation_team_change", args=[team.pk])
    response = client.post(
        url,
        {
            "unit": team.unit_id,
            "name": "Team Alfa",
            "phone": "08-508 00 000",
            "email": "",
            "valid_from": "2011-01-01",
            "valid_to": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = audit_for(team).get()
    assert entry.kind == AuditEntry.Kind.UPDATE and entry.actor == admin
    assert entry.changes["name"] == ["Team A", "Team Alfa"]

    version = city.price_list.versions.first()
    assert client.get(reverse("admin:agreements_priceversion_change", args=[version.pk])).status_code == 200  # view only
    assert client.post(reverse("admin:agreements_priceversion_change", args=[version.pk]), {"unit_price": "1"}).status_code == 403
    assert client.get(reverse("admin:agreements_priceversion_add")).status_code == 403
