"""The intake configuration and log: a mailbox's secret read from the environment or a file,
rules validated, and who sees which intake rows (never a customer contact)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ester.cases.tests.factories import CaseTypeFactory
from ester.core.audit import audit_for
from ester.intake.models import BouncedAddress, IncomingMessage, Mailbox, MailboxRule, MailboxSecretError
from ester.intake.pipeline import ingest
from ester.intake.services import mailbox_rule_save, mailbox_save
from ester.intake.tests.factories import MailboxFactory, mail

KIM = "kim@rinkeby.example"
PERSONAS = (
    "handler",
    "handler_b",
    "unit_manager",
    "head_of_area",
    "controller",
    "sysadmin",
    "contact_x",
    "contact_y",
    "outsider",
)


class TestSecret:
    def test_from_the_environment(self, monkeypatch: Any) -> None:
        monkeypatch.setenv("ESTER_IMAP_EKONOMI", " hemligt ")
        assert Mailbox(address="a@b.example", secret_env="ESTER_IMAP_EKONOMI").secret() == "hemligt"

    def test_a_missing_variable_is_named_in_swedish(self, monkeypatch: Any) -> None:
        monkeypatch.delenv("ESTER_IMAP_SAKNAS", raising=False)
        with pytest.raises(MailboxSecretError, match="miljövariabeln ESTER_IMAP_SAKNAS är inte satt"):
            Mailbox(address="a@b.example", secret_env="ESTER_IMAP_SAKNAS").secret()

    def test_from_a_file_and_a_missing_file_named(self, tmp_path: Path, monkeypatch: Any) -> None:
        path = tmp_path / "losenord"
        path.write_text("token-123\n", encoding="utf-8")
        monkeypatch.delenv("ESTER_IMAP_SAKNAS", raising=False)
        assert Mailbox(address="a@b.example", secret_env="ESTER_IMAP_SAKNAS", secret_file=str(path)).secret() == "token-123"
        with pytest.raises(MailboxSecretError, match=f"filen {tmp_path / 'nej'}"):
            Mailbox(address="a@b.example", secret_file=str(tmp_path / "nej")).secret()
        with pytest.raises(MailboxSecretError, match="en miljövariabel eller en fil"):
            Mailbox(address="a@b.example").secret()


@pytest.mark.django_db
class TestConfiguration:
    def test_address_lower_case_and_secret_location_required(self, city: Any) -> None:
        mailbox = mailbox_save(actor=city.sysadmin, mailbox=Mailbox(address="Ekonomi@SF.example", secret_env="X"))
        assert mailbox.address == "ekonomi@sf.example" and audit_for(mailbox).count() == 1
        with pytest.raises(ValidationError, match="var lösenordet finns"):
            mailbox_save(actor=city.sysadmin, mailbox=Mailbox(address="ny@sf.example", imap_host="imap.sf.example"))
        with transaction.atomic(), pytest.raises(IntegrityError):
            Mailbox.objects.create(address="Versaler@sf.example")

    def test_default_case_type_must_belong_to_the_process(self, city: Any) -> None:
        other = CaseTypeFactory(code="ANNAN")
        with pytest.raises(ValidationError, match="Välj en ärendetyp i brevlådans process"):
            mailbox_save(
                actor=None, mailbox=Mailbox(address="x@sf.example", default_process=city.process, default_case_type=other)
            )

    def test_a_rule_with_a_broken_regular_expression_is_refused(self, city: Any) -> None:
        mailbox = MailboxFactory()
        case_type = CaseTypeFactory(process=city.process)
        rule = MailboxRule(mailbox=mailbox, field=MailboxRule.Field.SUBJECT, pattern="faktura (", regex=True, case_type=case_type)
        with pytest.raises(ValidationError, match="reguljära uttrycket går inte att använda"):
            mailbox_rule_save(actor=city.sysadmin, rule=rule)
        rule.regex = False  # as plain text the same pattern is fine
        assert mailbox_rule_save(actor=city.sysadmin, rule=rule).pk is not None


@pytest.mark.django_db
class TestWhoSeesTheIntakeLog:
    @pytest.fixture
    def rows(self, city: Any, settings: Any, tmp_path: Path) -> SimpleNamespace:
        settings.MEDIA_ROOT = tmp_path
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
        city.contact_person_x.email = KIM
        city.contact_person_x.save(update_fields=["email"])
        case_type = CaseTypeFactory(process=city.process, code="LEV-MANUELL")
        shared = MailboxFactory(address="ekonomi@sf.example", default_case_type=case_type)
        mailbox_x = MailboxFactory(address="ekonomi.x@sf.example", customer=city.customer_x)  # no case type: quarantine
        return SimpleNamespace(
            case_x=ingest(shared, mail(), source="imap"),  # a case of X (team A)
            quarantine_x=ingest(mailbox_x, mail(subject="Utan ärendetyp"), source="imap"),  # X's mailbox, no case
            unknown=ingest(shared, mail(sender="okand@example.org"), source="imap"),  # shared mailbox, no case
        )

    def test_visibility_per_persona(self, city: Any, rows: Any) -> None:
        assert rows.case_x.case is not None and rows.quarantine_x.case is None and rows.unknown.case is None
        expected = {
            "handler": {rows.case_x.pk, rows.quarantine_x.pk},  # team A: X's case; X's mailbox (team A handles X)
            "handler_b": set(),
            "unit_manager": {rows.case_x.pk, rows.quarantine_x.pk},
            "head_of_area": {rows.case_x.pk, rows.quarantine_x.pk, rows.unknown.pk},  # the shared mailbox's area
            "controller": {rows.case_x.pk, rows.quarantine_x.pk, rows.unknown.pk},
            "sysadmin": {rows.case_x.pk, rows.quarantine_x.pk, rows.unknown.pk},
            "contact_x": set(),  # internal: customer contacts never see the intake log
            "contact_y": set(),
            "outsider": set(),
        }
        for persona in PERSONAS:
            seen = set(IncomingMessage.objects.visible_to(city.users[persona]).values_list("pk", flat=True))
            assert seen == expected[persona], persona

    def test_bounced_addresses_are_for_staff(self, city: Any) -> None:
        BouncedAddress.objects.create(
            address="x@example.org", first_bounced_at="2026-01-01T00:00Z", last_bounced_at="2026-01-01T00:00Z"
        )
        assert BouncedAddress.objects.visible_to(city.handler).count() == 1
        assert BouncedAddress.objects.visible_to(city.contact_x).count() == 0


@pytest.mark.django_db
def test_admin_pages_and_audited_rules(city: Any, client: Any) -> None:
    from django.urls import reverse

    from ester.organisation.tests.factories import UserFactory

    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    case_type = CaseTypeFactory(process=city.process, code="LEV-MANUELL")
    response = client.post(
        reverse("admin:intake_mailbox_add"),
        {
            "address": "Ekonomi.Ny@SF.example",
            "name": "Ny",
            "customer": city.customer_x.pk,
            "default_process": city.process.pk,
            "default_case_type": case_type.pk,
            "active": "on",
            "imap_host": "imap.sf.example",
            "imap_port": "993",
            "imap_security": "ssl",
            "imap_user": "ekonomi.ny",
            "auth_method": "password",
            "secret_env": "ESTER_IMAP_NY",
            "secret_file": "",
            "folder": "INBOX",
            "processed_folder": "",
            "poll_interval_seconds": "120",
            "rules-TOTAL_FORMS": "1",
            "rules-INITIAL_FORMS": "0",
            "rules-MIN_NUM_FORMS": "0",
            "rules-MAX_NUM_FORMS": "1000",
            "rules-0-order": "1",
            "rules-0-field": "amne",
            "rules-0-pattern": "påminnelse",
            "rules-0-case_type": case_type.pk,
            "rules-0-active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    mailbox = Mailbox.objects.get()
    assert mailbox.address == "ekonomi.ny@sf.example" and mailbox.rules.count() == 1
    assert {entry.kind for entry in audit_for(mailbox)} == {"create"} and audit_for(
        mailbox
    ).count() == 2  # the mailbox and its rule
    for name, args in (
        ("admin:intake_mailbox_changelist", []),
        ("admin:intake_mailbox_change", [mailbox.pk]),
        ("admin:intake_incomingmessage_changelist", []),
        ("admin:intake_bouncedaddress_changelist", []),
    ):
        assert client.get(reverse(name, args=args)).status_code == 200, name
    assert client.get(reverse("admin:intake_incomingmessage_add")).status_code == 403


@pytest.mark.django_db
def test_saving_the_configuration_leaves_the_pollers_fields_alone(city: Any) -> None:
    """A mailbox opened in the admin before a poll moved last_uid, saved after: the poll's value stays."""

    mailbox = MailboxFactory(customer=city.customer_x)
    stale = Mailbox.objects.get(pk=mailbox.pk)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=42, uidvalidity=7, messages_waiting=3)
    stale.name = "Ekonomi, Rinkeby"
    stale.save()
    fresh = Mailbox.objects.get(pk=mailbox.pk)
    assert (fresh.name, fresh.last_uid, fresh.uidvalidity, fresh.messages_waiting) == ("Ekonomi, Rinkeby", 42, 7, 3)
