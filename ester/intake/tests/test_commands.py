"""``ester import-mail`` on a folder of .eml files and an mbox file, run twice; ``ester mailboxes``;
the demo city's mailboxes."""

from __future__ import annotations

import mailbox as mbox_lib
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ester.cases.models import Case, CaseDocument
from ester.cases.tests.factories import CaseTypeFactory
from ester.intake import casework
from ester.intake.demo import load_demo_mailboxes
from ester.intake.models import IncomingMessage, Mailbox, MailboxRule
from ester.intake.tests.factories import PDF, MailboxFactory, auto_reply, mail
from ester.organisation.models import Customer

KIM = "kim@rinkeby.example"
ADDRESS = "ekonomi.rinkeby@serviceforvaltningen.example"


@pytest.fixture
def world(city: Any, settings: Any, tmp_path: Path) -> SimpleNamespace:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    city.contact_person_x.email = KIM
    city.contact_person_x.save(update_fields=["email"])
    case_type = CaseTypeFactory(process=city.process, code="LEV-MANUELL", name="Manuell leverantörsfaktura")
    mailbox = MailboxFactory(address=ADDRESS, customer=city.customer_x, default_case_type=case_type)
    return SimpleNamespace(city=city, case_type=case_type, mailbox=mailbox)


@pytest.fixture
def old_mail(tmp_path: Path) -> Path:
    """A department's old mailbox: a folder of .eml files (one in a subfolder) and an mbox file."""
    root = tmp_path / "gammal-brevlada"
    (root / "2025" / "mars").mkdir(parents=True)
    (root / "faktura-1.eml").write_bytes(mail(subject="Faktura 1", attachments=[("faktura-1.pdf", "application/pdf", PDF)]))
    (root / "2025" / "mars" / "faktura-2.eml").write_bytes(mail(subject="Faktura 2"))
    (root / "2025" / "anteckning.txt").write_text("inte ett meddelande", encoding="utf-8")
    box = mbox_lib.mbox(str(tmp_path / "arkiv.mbox"))
    box.add(mail(subject="Faktura 3 från arkivet"))
    box.add(auto_reply())
    box.add(mail(subject="Svar på faktura 3", sender="Okänd <okand@annanstans.example>"))
    box.flush()
    box.close()
    return tmp_path


def import_mail(*args: str) -> str:
    out = StringIO()
    call_command("import_mail", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
class TestImportMail:
    def test_a_folder_and_an_mbox_then_a_second_run_changes_nothing(self, world: Any, old_mail: Path) -> None:
        output = import_mail("--mailbox", ADDRESS.upper(), str(old_mail / "gammal-brevlada"), str(old_mail / "arkiv.mbox"))
        assert f"Import till {ADDRESS}: 5 meddelanden." in output
        assert "  ärenden skapade: 4\n" in output
        assert "  möjliga svar (nya ärenden, att kontrollera): 0\n" in output
        assert "  autosvar/studsar/loopar borttagna: 1\n" in output
        assert "  redan importerade: 0\n" in output and "  fel: 0\n" in output
        # the stranger in the customer's own mailbox: a new case of the customer (the mailbox says whose)
        assert Case.objects.count() == 4 and IncomingMessage.objects.count() == 5
        assert set(Case.objects.values_list("customer", flat=True)) == {world.city.customer_x.pk}
        assert CaseDocument.objects.filter(original_name="faktura-1.pdf").exists()
        assert not IncomingMessage.objects.exclude(receipt_at=None).exists()  # old mail: no receipts
        before = (list(Case.objects.values_list("pk", "updated_at")), list(IncomingMessage.objects.values_list("pk", "state")))

        again = import_mail("--mailbox", ADDRESS, str(old_mail / "gammal-brevlada"), str(old_mail / "arkiv.mbox"))
        assert "  redan importerade: 5\n" in again and "  ärenden skapade: 0\n" in again
        assert (
            list(Case.objects.values_list("pk", "updated_at")),
            list(IncomingMessage.objects.values_list("pk", "state")),
        ) == before

    def test_quarantined_messages_are_listed(self, world: Any, tmp_path: Path) -> None:
        world.mailbox.default_case_type = None
        world.mailbox.default_process = None
        world.mailbox.save()
        path = tmp_path / "a.eml"
        path.write_bytes(mail())
        output = import_mail("--mailbox", ADDRESS, str(path))
        assert "  i karantän: 1\n" in output
        assert f"karantän: {path}: Ingen ärendetyp" in output

    def test_an_error_gives_a_non_zero_exit_and_the_original_is_kept(self, world: Any, tmp_path: Path, monkeypatch: Any) -> None:
        def broken(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("lagringen svarar inte")

        monkeypatch.setattr(casework, "store_original", broken)
        (tmp_path / "a.eml").write_bytes(mail())
        out = StringIO()
        with pytest.raises(CommandError) as raised:
            call_command("import_mail", "--mailbox", ADDRESS, str(tmp_path / "a.eml"), stdout=out)
        assert raised.value.returncode == 1 and "1 meddelanden kunde inte behandlas" in str(raised.value)
        assert "  fel: 1\n" in out.getvalue()
        assert IncomingMessage.objects.get().state == IncomingMessage.State.FAILED

    def test_unknown_mailbox_and_missing_path(self, world: Any, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match="Det finns ingen brevlåda"):
            import_mail("--mailbox", "nobody@example.org", str(tmp_path))
        with pytest.raises(CommandError, match="Finns inte"):
            import_mail("--mailbox", ADDRESS, str(tmp_path / "saknas.eml"))


@pytest.mark.django_db
def test_mailboxes_lists_every_mailbox(world: Any) -> None:
    MailboxFactory(address="gemensam@serviceforvaltningen.example", last_error="LOGIN failed")
    out = StringIO()
    call_command("mailboxes", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("ekonomi.rinkeby@serviceforvaltningen.example\t") and world.city.customer_x.name in lines[0]
    assert lines[1].startswith("gemensam@serviceforvaltningen.example\t(gemensam brevlåda") and "LOGIN failed" in lines[1]
    assert "senast hämtad: aldrig" in lines[1] and lines[-1] == "2 brevlådor."


@pytest.mark.django_db
def test_demo_mailboxes_one_per_customer_idempotent(city: Any) -> None:
    lev = CaseTypeFactory(process=city.process, code="LEV-MANUELL")
    reminder = CaseTypeFactory(process=city.process, code="KUND-PAMINNELSE")
    Customer.objects.filter(pk=city.customer_y.pk).update(mailbox="")
    assert load_demo_mailboxes() == 2
    assert load_demo_mailboxes() == 0
    x = Mailbox.objects.get(customer=city.customer_x)
    assert x.address == city.customer_x.mailbox and not x.active and x.imap_port == 1143
    assert x.default_case_type == lev and x.default_process == city.process
    y = Mailbox.objects.get(customer=city.customer_y)
    assert y.address.startswith("ekonomi.") and y.address.endswith("@serviceforvaltningen.example")
    assert list(MailboxRule.objects.filter(mailbox=x).values_list("pattern", "case_type")) == [("påminnelse", reminder.pk)]
