"""The IMAP poller against a real IMAP server on loopback (pymap, see ``imapserver.py``):
new mail becomes cases and is marked on the server only after its commit, a second poll
does nothing, a new UIDVALIDITY is taken exactly once, a broken message stays on the
server in the error list while the others go on, and a failed login is on the mailbox."""

from __future__ import annotations

import datetime
import hashlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from ester.cases.models import Case
from ester.cases.tests.factories import CaseTypeFactory
from ester.intake import imap
from ester.intake.imap import KEYWORD, PollResult, imap_utf7, poll, uid_set
from ester.intake.models import IncomingMessage, Mailbox
from ester.intake.pipeline import retry
from ester.intake.scheduler import MailboxScheduler, due_mailboxes
from ester.intake.tasks import poll_mailbox
from ester.intake.tests.conftest import IMAP_PASSWORD, IMAP_TOKEN, IMAP_USER, SECRET_ENV
from ester.intake.tests.factories import PDF, MailboxFactory, MailboxRuleFactory, mail
from ester.intake.tests.imapserver import ImapServer

State = IncomingMessage.State
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
FLAGGED = {"\\Seen", KEYWORD}
ARRIVED = datetime.datetime(2026, 3, 2, 8, 30, tzinfo=datetime.UTC)


@pytest.fixture
def world(
    city: Any, settings: Any, tmp_path: Any, imap_server: ImapServer, imap_folder: str, imap_secret: str
) -> SimpleNamespace:
    """Customer Y's functional mailbox, read from a new folder of the IMAP server."""
    settings.MEDIA_ROOT = tmp_path
    settings.DEFAULT_FROM_EMAIL = "ester@serviceforvaltningen.example"
    settings.TASKS = DUMMY
    case_type = CaseTypeFactory(process=city.process, code="LEV-MANUELL", name="Manuell leverantörsfaktura")
    mailbox = MailboxFactory(
        address="ekonomi.bromma@serviceforvaltningen.example",
        customer=city.customer_y,
        default_case_type=case_type,
        imap_port=imap_server.port,
        imap_user=IMAP_USER,
        folder=imap_folder,
    )
    return SimpleNamespace(city=city, case_type=case_type, mailbox=mailbox, server=imap_server, folder=imap_folder)


def crlf(raw: bytes) -> bytes:
    """A message as it travels over IMAP: lines end in CRLF (a server hands out nothing else)."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def messages(count: int, prefix: str = "Faktura") -> list[bytes]:
    return [
        crlf(mail(subject=f"{prefix} {n} från Kontorsvaror AB", attachments=[(f"faktura-{n}.pdf", "application/pdf", PDF)]))
        for n in range(1, count + 1)
    ]


def fresh(mailbox: Mailbox) -> Mailbox:
    return Mailbox.objects.get(pk=mailbox.pk)


def test_new_mail_becomes_cases_and_is_flagged_on_the_server(world: SimpleNamespace) -> None:
    raws = messages(3)
    uids = world.server.append(raws, folder=world.folder, date=ARRIVED)

    result = poll(world.mailbox)

    assert (result.fetched, result.new, result.marked, result.failed, result.waiting) == (3, 3, 3, 0, 0)
    assert result.ok and not result.more
    rows = list(IncomingMessage.objects.order_by("uid"))
    assert [row.uid for row in rows] == uids
    assert {row.state for row in rows} == {State.PROCESSED}
    assert {row.uidvalidity for row in rows} == {world.server.uidvalidity(world.folder)}
    assert [row.sha256 for row in rows] == [hashlib.sha256(raw).hexdigest() for raw in raws]  # the bytes as sent
    with rows[0].raw.open("rb") as file:
        assert file.read() == raws[0]
    assert {row.received_at for row in rows} == {ARRIVED}  # the INTERNALDATE
    cases = Case.objects.filter(customer=world.city.customer_y)
    assert cases.count() == 3
    assert {c.received_at for c in cases} == {ARRIVED}
    assert world.server.flags(world.folder) == {uid: FLAGGED for uid in uids}
    mailbox = fresh(world.mailbox)
    assert mailbox.last_uid == uids[-1]
    assert mailbox.uidvalidity == rows[0].uidvalidity
    assert mailbox.last_poll_at is not None and mailbox.last_success_at is not None
    assert (mailbox.last_error, mailbox.messages_waiting, mailbox.polling_until) == ("", 0, None)


def test_a_second_poll_does_nothing(world: SimpleNamespace) -> None:
    uids = world.server.append(messages(2), folder=world.folder)
    poll(world.mailbox)

    again = poll(fresh(world.mailbox))  # UID SEARCH last_uid+1:* answers with the last message: filtered out

    assert (again.fetched, again.new, again.marked, again.failed, again.waiting) == (0, 0, 0, 0, 0)
    assert IncomingMessage.objects.count() == 2 and Case.objects.count() == 2
    assert world.server.flags(world.folder) == {uid: FLAGGED for uid in uids}
    assert fresh(world.mailbox).last_uid == uids[-1]


def test_messages_are_read_without_setting_seen(world: SimpleNamespace) -> None:
    """BODY.PEEK: a message that fails stays unread on the server."""
    MailboxRuleFactory(mailbox=world.mailbox, pattern="(", regex=True, case_type=world.case_type)  # broken: every message fails
    [uid] = world.server.append(messages(1), folder=world.folder)

    result = poll(world.mailbox)

    assert (result.fetched, result.failed, result.marked) == (1, 1, 0)
    assert world.server.flags(world.folder) == {uid: set()}


def test_a_broken_message_stays_on_the_server_and_the_others_go_on(world: SimpleNamespace) -> None:
    # A rule broken in the database fails every message that reaches it: only "Trasigt" does.
    MailboxRuleFactory(mailbox=world.mailbox, order=1, pattern="Faktura", case_type=world.case_type)
    broken_rule = MailboxRuleFactory(mailbox=world.mailbox, order=2, pattern="(", regex=True, case_type=world.case_type)
    raws = [*messages(1), mail(subject="Trasigt underlag"), *messages(2, prefix="Faktura B")]
    uids = world.server.append(raws, folder=world.folder)

    result = poll(world.mailbox)

    assert (result.fetched, result.new, result.marked, result.failed, result.waiting) == (4, 4, 3, 1, 1)
    failed = IncomingMessage.objects.get(state=State.FAILED)
    assert failed.uid == uids[1] and failed.case is None
    assert Case.objects.count() == 3
    assert world.server.flags(world.folder) == {uids[0]: FLAGGED, uids[1]: set(), uids[2]: FLAGGED, uids[3]: FLAGGED}
    mailbox = fresh(world.mailbox)
    assert mailbox.last_uid == uids[-1]  # past the failed one: it is tracked by its row and its unmarked state
    assert mailbox.messages_waiting == 1
    assert "1 meddelanden kunde inte behandlas" in mailbox.last_error
    assert mailbox.last_success_at is not None

    again = poll(mailbox)  # the failed message is not fetched again: its row decides
    assert (again.fetched, again.marked, again.failed, again.waiting) == (0, 0, 1, 1)

    broken_rule.delete()
    assert retry(failed).state == State.PROCESSED  # the retry button, after the cause was fixed
    after = poll(fresh(world.mailbox))

    assert (after.fetched, after.marked, after.failed, after.waiting) == (0, 1, 0, 0)
    assert world.server.flags(world.folder) == {uid: FLAGGED for uid in uids}
    assert IncomingMessage.objects.count() == 4 and Case.objects.count() == 4
    assert (fresh(world.mailbox).last_error, fresh(world.mailbox).messages_waiting) == ("", 0)


def test_quarantine_is_handled_and_marked(world: SimpleNamespace, city: Any) -> None:
    """Quarantine is an outcome (kept, in the error list, retryable): the message is marked."""
    shared = MailboxFactory(
        address="ekonomi@serviceforvaltningen.example",
        default_case_type=world.case_type,
        imap_port=world.server.port,
        imap_user=IMAP_USER,
        folder=world.folder,
    )
    [uid] = world.server.append(mail(sender="okand@example.org"), folder=world.folder)

    result = poll(shared)

    assert (result.fetched, result.marked, result.failed) == (1, 1, 0)
    assert IncomingMessage.objects.get().state == State.QUARANTINE
    assert world.server.flags(world.folder) == {uid: FLAGGED}


def test_moved_to_the_processed_folder(world: SimpleNamespace) -> None:
    processed = f"{world.folder}-behandlat"
    world.server.create(processed)
    world.mailbox.processed_folder = processed
    world.mailbox.save()
    world.server.append(messages(3), folder=world.folder)

    result = poll(world.mailbox)

    assert (result.fetched, result.marked, result.waiting) == (3, 3, 0)
    assert world.server.flags(world.folder) == {}
    assert len(world.server.flags(processed)) == 3
    assert poll(fresh(world.mailbox)).fetched == 0
    assert len(world.server.flags(processed)) == 3 and Case.objects.count() == 3


def test_a_folder_name_with_swedish_letters(world: SimpleNamespace) -> None:
    processed = "Behandlade ärenden"
    assert imap_utf7(processed) == "Behandlade &AOQ-renden"
    assert imap_utf7("~peter/mail/台北/日本語") == "~peter/mail/&U,BTFw-/&ZeVnLIqe-"  # RFC 3501's example
    assert imap_utf7("A&B") == "A&-B"
    world.server.create(imap_utf7(processed))
    world.mailbox.processed_folder = processed
    world.mailbox.save()
    world.server.append(messages(1), folder=world.folder)

    assert poll(world.mailbox).marked == 1
    assert len(world.server.flags(imap_utf7(processed))) == 1


@pytest.fixture
def plain_world(world: SimpleNamespace, imap_server_plain: ImapServer) -> SimpleNamespace:
    folder = f"{world.folder}-plain"
    imap_server_plain.create(folder)
    world.mailbox.imap_port = imap_server_plain.port
    world.mailbox.folder = folder
    world.mailbox.save()
    return SimpleNamespace(**{**vars(world), "server": imap_server_plain, "folder": folder})


def test_a_server_without_keywords_gets_seen_only(plain_world: SimpleNamespace) -> None:
    w = plain_world
    MailboxRuleFactory(mailbox=w.mailbox, order=1, pattern="Faktura", case_type=w.case_type)
    broken_rule = MailboxRuleFactory(mailbox=w.mailbox, order=2, pattern="(", regex=True, case_type=w.case_type)
    uids = w.server.append([*messages(2), mail(subject="Trasigt")], folder=w.folder)

    result = poll(w.mailbox)

    assert (result.fetched, result.marked, result.failed, result.waiting) == (3, 2, 1, 1)
    assert w.server.flags(w.folder) == {uids[0]: {"\\Seen"}, uids[1]: {"\\Seen"}, uids[2]: set()}
    assert poll(fresh(w.mailbox)).fetched == 0  # the left-overs are found as UNSEEN
    broken_rule.delete()
    retry(IncomingMessage.objects.get(state=State.FAILED))
    assert poll(fresh(w.mailbox)).marked == 1
    assert w.server.flags(w.folder) == {uid: {"\\Seen"} for uid in uids}


def test_without_move_the_message_is_copied_deleted_and_expunged(plain_world: SimpleNamespace) -> None:
    w = plain_world
    processed = f"{w.folder}-behandlat"
    w.server.create(processed)
    w.mailbox.processed_folder = processed
    w.mailbox.save()
    w.server.append(messages(2), folder=w.folder)

    result = poll(w.mailbox)

    assert (result.fetched, result.marked) == (2, 2)
    assert w.server.flags(w.folder) == {}
    assert len(w.server.flags(processed)) == 2
    assert poll(fresh(w.mailbox)).fetched == 0


def test_a_new_uidvalidity_is_read_again_exactly_once(world: SimpleNamespace) -> None:
    first = messages(2)
    world.server.append(first, folder=world.folder)
    poll(world.mailbox)
    old = fresh(world.mailbox).uidvalidity
    # The folder is recreated on the server (a restore, a migration): same messages, new UIDVALIDITY, one more.
    world.server.delete(world.folder)
    world.server.create(world.folder)
    uids = world.server.append([*first, *messages(1, prefix="Ny faktura")], folder=world.folder)
    assert world.server.uidvalidity(world.folder) != old

    result = poll(fresh(world.mailbox))

    assert result.uidvalidity_changed
    assert (result.fetched, result.new, result.marked, result.waiting) == (3, 1, 3, 0)  # two known by their bytes
    assert IncomingMessage.objects.count() == 3 and Case.objects.count() == 3
    assert world.server.flags(world.folder) == {uid: FLAGGED for uid in uids}
    mailbox = fresh(world.mailbox)
    assert mailbox.uidvalidity == world.server.uidvalidity(world.folder) and mailbox.last_uid == uids[-1]
    assert poll(mailbox).fetched == 0


def test_the_batch_limit_leaves_the_rest_for_the_next_poll(world: SimpleNamespace) -> None:
    uids = world.server.append(messages(5), folder=world.folder)

    first = poll(world.mailbox, limit=2)

    assert (first.fetched, first.marked, first.waiting, first.more) == (2, 2, 3, True)
    assert fresh(world.mailbox).messages_waiting == 3
    assert poll(fresh(world.mailbox), limit=2).fetched == 2
    last = poll(fresh(world.mailbox), limit=2)
    assert (last.fetched, last.waiting, last.more) == (1, 0, False)
    assert world.server.flags(world.folder) == {uid: FLAGGED for uid in uids}
    assert Case.objects.count() == 5


def test_a_failed_login_is_recorded_on_the_mailbox(world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    [uid] = world.server.append(messages(1), folder=world.folder)
    monkeypatch.setenv(SECRET_ENV, "fel-lösen-123")

    result = poll(world.mailbox)

    assert not result.ok and result.fetched == 0
    mailbox = fresh(world.mailbox)
    assert "Inloggningen på 127.0.0.1" in mailbox.last_error and IMAP_USER in mailbox.last_error
    assert "fel-lösen-123" not in mailbox.last_error and IMAP_PASSWORD not in mailbox.last_error
    assert mailbox.last_poll_at is not None and mailbox.last_success_at is None
    assert mailbox.polling_until is None  # the claim is given back
    assert world.server.flags(world.folder) == {uid: set()}
    assert not IncomingMessage.objects.exists()


def test_a_missing_secret_and_a_closed_port_are_recorded(world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV)
    assert SECRET_ENV in poll(world.mailbox).error
    assert "miljövariabeln" in fresh(world.mailbox).last_error

    monkeypatch.setenv(SECRET_ENV, IMAP_PASSWORD)
    world.mailbox.imap_port = 1  # nothing listens there
    world.mailbox.save()
    assert "Kunde inte ansluta till IMAP-servern 127.0.0.1:1" in poll(world.mailbox).error

    world.mailbox.imap_port = world.server.port
    world.mailbox.folder = "Finns-inte"
    world.mailbox.save()
    assert "Mappen Finns-inte kan inte öppnas" in poll(world.mailbox).error


def test_xoauth2(world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    world.mailbox.auth_method = Mailbox.Auth.XOAUTH2
    world.mailbox.save()
    [uid] = world.server.append(messages(1), folder=world.folder)

    monkeypatch.setenv(SECRET_ENV, "ett-gammalt-token")
    refused = poll(world.mailbox)
    assert "Inloggningen" in refused.error and "ett-gammalt-token" not in refused.error

    monkeypatch.setenv(SECRET_ENV, IMAP_TOKEN)
    result = poll(fresh(world.mailbox))
    assert (result.fetched, result.marked, result.error) == (1, 1, "")
    assert world.server.flags(world.folder) == {uid: FLAGGED}


def test_starttls_with_a_verified_certificate(
    world: SimpleNamespace, imap_server_tls: tuple[ImapServer, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, cert = imap_server_tls
    server.create(world.folder)
    world.mailbox.imap_port = server.port
    world.mailbox.save()
    [uid] = server.append(messages(1), folder=world.folder)

    world.mailbox.imap_security = Mailbox.Security.STARTTLS
    world.mailbox.save()
    untrusted = poll(world.mailbox)  # a self-signed certificate is not trusted
    assert "STARTTLS" in untrusted.error and "CERTIFICATE_VERIFY_FAILED" in untrusted.error

    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test server's certificate
    result = poll(fresh(world.mailbox))
    assert (result.fetched, result.marked, result.error) == (1, 1, "")
    assert server.flags(world.folder) == {uid: FLAGGED}


def test_a_mailbox_another_process_polls_is_left_alone(world: SimpleNamespace) -> None:
    world.server.append(messages(1), folder=world.folder)
    claimed = timezone.now() + datetime.timedelta(minutes=3)
    Mailbox.objects.filter(pk=world.mailbox.pk).update(polling_until=claimed)

    result = poll(world.mailbox)

    assert result.skipped and result.fetched == 0
    assert fresh(world.mailbox).polling_until == claimed
    Mailbox.objects.filter(pk=world.mailbox.pk).update(polling_until=timezone.now() - datetime.timedelta(seconds=1))
    assert poll(fresh(world.mailbox)).fetched == 1  # the lease ran out (a poll that died)


def test_poll_mail_command(world: SimpleNamespace, capsys: pytest.CaptureFixture[str]) -> None:
    world.server.append(messages(3), folder=world.folder)

    call_command("poll_mail", mailbox=world.mailbox.address.upper(), limit=2)

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{world.mailbox.address}: 2 hämtade (2 nya), 2 markerade på servern, 0 med fel, 1 väntar.")
    assert out[1].startswith(f"{world.mailbox.address}: 1 hämtade (1 nya), 1 markerade")  # polled again until empty
    assert Case.objects.count() == 3

    with pytest.raises(CommandError, match="ingen brevlåda"):
        call_command("poll_mail", mailbox="finns.inte@serviceforvaltningen.example")
    world.mailbox.folder = "Finns-inte"
    world.mailbox.save()
    with pytest.raises(CommandError, match="1 hämtningar misslyckades"):
        call_command("poll_mail")  # every active mailbox


def test_the_scheduler_enqueues_due_mailboxes_once_per_interval(world: SimpleNamespace) -> None:
    inactive = MailboxFactory(address="inaktiv@serviceforvaltningen.example", active=False)
    no_server = MailboxFactory(address="lmtp@serviceforvaltningen.example", imap_host="")
    recent = MailboxFactory(address="nyss@serviceforvaltningen.example", last_poll_at=timezone.now())
    enqueued: list[int] = []
    scheduler = MailboxScheduler(every=0, enqueue=enqueued.append)

    assert scheduler.enqueue_due() == [world.mailbox.pk]
    assert scheduler.enqueue_due() == []  # not again before its interval has passed
    assert enqueued == [world.mailbox.pk]
    assert {pk for pk, _interval in due_mailboxes()} == {world.mailbox.pk}
    assert inactive.pk not in enqueued and no_server.pk not in enqueued and recent.pk not in enqueued
    Mailbox.objects.filter(pk=world.mailbox.pk).update(polling_until=timezone.now() + datetime.timedelta(minutes=1))
    assert due_mailboxes() == []  # being polled


def test_the_poll_task(world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    from django_tasks import default_task_backend

    world.server.append(messages(3), folder=world.folder)
    Mailbox.objects.filter(pk=world.mailbox.pk).update(poll_interval_seconds=600)
    monkeypatch.setattr(imap.poller, "BATCH_LIMIT", 2)

    first = poll_mailbox.call(world.mailbox.pk)

    assert (first["fetched"], first["more"], first["error"]) == (2, True, "")
    [again] = [r for r in default_task_backend.results if r.task.name == "poll_mailbox"]  # type: ignore[attr-defined]
    assert again.args == [world.mailbox.pk] and again.kwargs == {"only_if_due": False}  # the rest at once
    assert poll_mailbox.call(world.mailbox.pk) == {"mailbox": world.mailbox.address, "skipped": True, "reason": "not due"}
    assert poll_mailbox.call(world.mailbox.pk, only_if_due=False)["fetched"] == 1
    assert poll_mailbox.call(0)["skipped"] is True


def test_the_worker_starts_and_stops_the_scheduler() -> None:
    from ester.core.management.commands.worker import HeartbeatWorker

    worker = HeartbeatWorker(
        queue_names=["default"],
        interval=0.05,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-mail-scheduler",
        excluded_queue_names=[],
    )
    assert isinstance(worker.mail_scheduler, MailboxScheduler)
    assert worker.mail_scheduler.every > 0


def test_uid_sets() -> None:
    assert uid_set([107, 101, 102, 103, 103]) == "101:103,107"
    assert uid_set([5]) == "5"


def test_poll_result_summary() -> None:
    assert PollResult(mailbox="a@b", skipped=True).summary() == "a@b: hämtas redan av en annan process."
    assert "? väntar" in PollResult(mailbox="a@b", error="x").summary()
