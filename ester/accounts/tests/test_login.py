"""Login: Swedish messages, throttling of failed attempts, single sign-on configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from ester.organisation.tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
class TestLogin:
    def test_login_page_is_swedish(self, client: Any) -> None:
        body = client.get(reverse("accounts:login")).content.decode()
        assert "Logga in i Ester" in body and 'lang="sv"' in body

    def test_staff_login_lands_in_the_staff_ui(self, city: Any, client: Any) -> None:
        response = client.post(reverse("accounts:login"), {"username": "handler", "password": PASSWORD}, follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0].startswith("/organisation/kunder/")

    def test_contact_login_lands_in_the_portal(self, city: Any, client: Any) -> None:
        response = client.post(reverse("accounts:login"), {"username": "contact_x", "password": PASSWORD}, follow=True)
        assert response.redirect_chain[-1][0] == reverse("portal:customer", args=[city.customer_x.pk])

    def test_wrong_password_gives_an_actionable_swedish_message(self, city: Any, client: Any) -> None:
        body = client.post(reverse("accounts:login"), {"username": "handler", "password": "fel"}).content.decode()
        assert "Fel användarnamn eller lösenord" in body

    def test_failed_logins_are_throttled(self, city: Any, client: Any, settings: Any) -> None:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(reverse("accounts:login"), {"username": "handler", "password": "fel"})
        response = client.post(reverse("accounts:login"), {"username": "handler", "password": PASSWORD})
        assert response.status_code == 429
        assert "tillfälligt spärrad" in response.content.decode()
        assert "_auth_user_id" not in client.session
        # another account from the same address is not locked
        other = client.post(reverse("accounts:login"), {"username": "sysadmin", "password": PASSWORD})
        assert other.status_code == 302

    def test_profile_lists_roles(self, city: Any, client: Any) -> None:
        client.force_login(city.handler)
        body = client.get(reverse("accounts:profile")).content.decode()
        assert "Handläggare" in body and "Team A" in body

    def test_language_can_be_switched_to_english(self, city: Any, client: Any) -> None:
        client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
        body = client.get(reverse("accounts:login")).content.decode()
        assert 'lang="en"' in body


@pytest.mark.django_db
class TestSingleSignOn:
    @pytest.fixture
    def backend(self, settings: Any) -> Any:
        settings.OIDC_RP_CLIENT_ID = "ester"
        settings.OIDC_RP_CLIENT_SECRET = "hemlig"
        settings.OIDC_OP_TOKEN_ENDPOINT = "https://idp.example/token"
        settings.OIDC_OP_USER_ENDPOINT = "https://idp.example/userinfo"
        settings.OIDC_OP_JWKS_ENDPOINT = "https://idp.example/jwks"
        settings.OIDC_RP_SIGN_ALGO = "RS256"
        from ester.accounts.oidc import EsterOIDCBackend

        return EsterOIDCBackend()

    def test_users_are_matched_by_email_and_get_no_roles(self, backend: Any) -> None:
        user = UserFactory(username="anna", email="Anna.Andersson@stad.example")
        assert list(backend.filter_users_by_claims({"email": "anna.andersson@stad.example"})) == [user]
        assert not backend.filter_users_by_claims({"email": ""}).exists()
        created = backend.create_user({"email": "ny@stad.example", "given_name": "Ny", "family_name": "Person"})
        assert created.email == "ny@stad.example" and not created.role_assignments.exists()
        backend.update_user(user, {"given_name": "Anna", "family_name": "Berg"})
        user.refresh_from_db()
        assert user.last_name == "Berg"

    def test_settings_enable_sso_from_the_environment(self, tmp_path: Path) -> None:
        env = {
            **os.environ,
            "ESTER_DEBUG": "1",
            "ESTER_DATA_DIR": str(tmp_path),
            "ESTER_OIDC_ISSUER": "https://idp.stad.example/realms/stad",
            "ESTER_OIDC_CLIENT_ID": "ester",
            "ESTER_OIDC_CLIENT_SECRET": "hemlig",
        }
        env.pop("ESTER_DATABASE_URL", None)
        code = (
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
            "from django.conf import settings; from django.urls import reverse;"
            "print(settings.AUTHENTICATION_BACKENDS[1]); print(settings.OIDC_OP_AUTHORIZATION_ENDPOINT);"
            "print(reverse('oidc_authentication_init'))"
        )
        out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout
        assert out.split() == [
            "ester.accounts.oidc.EsterOIDCBackend",
            "https://idp.stad.example/realms/stad/authorize",
            "/oidc/authenticate/",
        ]

    def test_missing_client_secret_fails_loudly(self, tmp_path: Path) -> None:
        env = {
            **os.environ,
            "ESTER_DEBUG": "1",
            "ESTER_DATA_DIR": str(tmp_path),
            "ESTER_OIDC_ISSUER": "https://idp.example",
            "ESTER_OIDC_CLIENT_ID": "x",
        }
        env.pop("ESTER_OIDC_CLIENT_SECRET", None)
        result = subprocess.run(
            [sys.executable, "-c", "import config.settings"], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode != 0 and "ESTER_OIDC_CLIENT_SECRET" in result.stderr


@pytest.mark.django_db
def test_swedish_even_for_an_english_browser(client: Any) -> None:
    body = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="sv"' in body and "Logga in i Ester" in body
