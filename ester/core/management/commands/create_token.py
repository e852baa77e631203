"""``ester create-token USERNAME``: print the API token of an existing user (created if missing)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Skriver ut API-nyckeln (token) för en befintlig användare; skapar den om den saknas."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="Användarnamnet.")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            raise CommandError(f"Det finns ingen användare med användarnamnet {username!r}.", returncode=1) from None
        if not user.is_active:
            self.stderr.write(f"Obs: användaren {username!r} är inaktiverad; nyckeln fungerar inte förrän kontot aktiveras.")
        token, _created = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
