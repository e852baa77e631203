"""A unit manager gives a customer contact a login to the portal, renews the link, and revokes it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ester.core.access import Role
from ester.organisation import selectors, services
from ester.organisation.models import RoleAssignment
from ester.organisation.tests.factories import CustomerContactFactory, RoleAssignmentFactory, UserFactory

NEW_PASSWORD = "Rinkeby-kontakt-2026!"


@pytest.fixture
def contact(city: Any) -> Any:
    return CustomerContactFactory(customer=city.customer_x, name="Petra Portal", email="Petra.Portal@rinkeby.example")


@pytest.mark.django_db
class TestServices:
    def test_grant_creates_a_login_scoped_to_the_customer(self, city: Any, contact: Any) -> None:
        user, path = services.contact_portal_access_grant(actor=city.unit_manager, contact=contact)
        assert user.username == "petra.portal@rinkeby.example" and not user.has_usable_password()
        assert path.startswith("/losenord/")
        contact.refresh_from_db()
        assert contact.user == user and selectors.contact_has_portal_access(contact)
        assert RoleAssignment.objects.get(user=user).customer == city.customer_x

    def test_grant_twice_is_refused_and_staff_addresses_are_never_reused(self, city: Any, contact: Any) -> None:
        services.contact_portal_access_grant(actor=city.unit_manager, contact=contact)
        with pytest.raises(ValidationError, match="har redan inloggning"):
            services.contact_portal_access_grant(actor=city.unit_manager, contact=contact)
        staff_contact = CustomerContactFactory(customer=city.customer_x, name="Hanna", email=city.handler.email)
        with pytest.raises(ValidationError, match="tillhör en medarbetare"):
            services.contact_portal_access_grant(actor=city.unit_manager, contact=staff_contact)

    def test_contact_without_email_gets_an_actionable_message(self, city: Any) -> None:
        nomail = CustomerContactFactory(customer=city.customer_x, name="Utan Adress", email="")
        with pytest.raises(ValidationError, match="saknar e-postadress"):
            services.contact_portal_access_grant(actor=city.unit_manager, contact=nomail)

    def test_only_those_who_may_change_the_customer_grant(self, city: Any, contact: Any) -> None:
        for persona in ("handler", "unit_manager_y"):
            actor = city.handler if persona == "handler" else UserFactory(username="um_y")
            if persona != "handler":
                RoleAssignmentFactory(user=actor, role=Role.UNIT_MANAGER, unit=city.unit2)
            with pytest.raises(PermissionDenied):
                services.contact_portal_access_grant(actor=actor, contact=contact)

    def test_revoke_ends_the_role_and_keeps_history(self, city: Any, contact: Any) -> None:
        user, _path = services.contact_portal_access_grant(actor=city.unit_manager, contact=contact)
        services.contact_portal_access_revoke(actor=city.unit_manager, contact=contact)
        assert not selectors.contact_has_portal_access(contact)
        assignment = RoleAssignment.objects.get(user=user)
        assert assignment.valid_to is not None and assignment.valid_from <= assignment.valid_to

    def test_same_person_for_two_departments_keeps_one_login(self, city: Any, contact: Any) -> None:
        user, _ = services.contact_portal_access_grant(actor=city.unit_manager, contact=contact)
        other = CustomerContactFactory(customer=city.customer_y, name="Petra Portal", email="petra.portal@rinkeby.example")
        again, _ = services.contact_portal_access_grant(actor=city.head_of_area, contact=other)
        assert again == user
        assert set(RoleAssignment.objects.filter(user=user).values_list("customer", flat=True)) == {
            city.customer_x.pk,
            city.customer_y.pk,
        }


@pytest.mark.django_db
def test_whole_flow_through_the_pages(city: Any, contact: Any, client: Any) -> None:
    client.force_login(city.unit_manager)
    url = reverse("organisation:contact-portal", args=[contact.pk])
    page = client.post(url, {"action": "grant"})
    assert page.status_code == 200
    link = re.search(r'value="(http://testserver/losenord/[^"]+)"', page.content.decode()).group(1)
    client.logout()

    form = client.get(link.replace("http://testserver", ""), follow=True)
    assert "Välj lösenord" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert "Lösenordet är sparat" in done.content.decode()
    assert "fungerar inte längre" in client.get(link.replace("http://testserver", ""), follow=True).content.decode()

    landed = client.post(
        reverse("accounts:login"), {"username": "petra.portal@rinkeby.example", "password": NEW_PASSWORD}, follow=True
    )
    assert landed.redirect_chain[-1][0] == reverse("portal:customer", args=[city.customer_x.pk])

    client.force_login(city.unit_manager)
    client.post(url, {"action": "revoke"})
    client.logout()
    client.post(reverse("accounts:login"), {"username": "petra.portal@rinkeby.example", "password": NEW_PASSWORD})
    assert client.get(reverse("portal:home")).status_code == 404


@pytest.mark.django_db
def test_others_get_404_and_bad_actions_nothing(city: Any, contact: Any, client: Any) -> None:
    url = reverse("organisation:contact-portal", args=[contact.pk])
    for persona in ("handler", "handler_b", "contact_x", "outsider"):
        client.force_login(city.users[persona])
        assert client.post(url, {"action": "grant"}).status_code == 404, persona
    client.force_login(city.unit_manager)
    response = client.post(url, {"action": "link"}, follow=True)  # no access yet, nothing to renew
    assert "har ingen inloggning till kundportalen" in response.content.decode()
    assert client.post(url, {"action": "hack"}).status_code == 400
    assert client.get(url).status_code == 405
    assert not selectors.contact_has_portal_access(contact)
