"""Single sign-on by OpenID Connect (enabled by ``ESTER_OIDC_ISSUER``).

Users are matched by e-mail address to an existing local account; roles are
never taken from the identity provider — they stay role assignments in Ester.
New accounts are only created when ``ESTER_OIDC_CREATE_USERS=1``, and then
with no roles at all.
"""

from __future__ import annotations

from typing import Any

from mozilla_django_oidc.auth import OIDCAuthenticationBackend


class EsterOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        email = (claims.get("email") or "").strip()
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email, is_active=True)

    def create_user(self, claims: dict[str, Any]) -> Any:
        email = claims.get("email", "")
        username = claims.get("preferred_username") or email
        return self.UserModel.objects.create_user(
            username=username[:150],
            email=email,
            first_name=claims.get("given_name", "")[:150],
            last_name=claims.get("family_name", "")[:150],
        )

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        changed = []
        for attr, claim in (("first_name", "given_name"), ("last_name", "family_name")):
            value = (claims.get(claim) or "")[:150]
            if value and getattr(user, attr) != value:
                setattr(user, attr, value)
                changed.append(attr)
        if changed:
            user.save(update_fields=changed)
        return user
