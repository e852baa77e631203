"""Implicit TLS (``Mailbox.Security.SSL``, as on port 993) against a real IMAP server: pymap
behind a TLS-terminating forwarder on loopback (``TlsFront`` in ``imapserver.py``), with a
self-signed certificate trusted through SSL_CERT_FILE. A poll over TLS takes and marks mail
as one over plain IMAP does; an untrusted certificate and a server that speaks no TLS are
refused with a Swedish error on the mailbox, and nothing is taken."""

from __future__ import annotations

import imaplib
import itertools
import ssl
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ester.cases.models import Case
from ester.cases.tests.factories import CaseTypeFactory
from ester.intake import imap
from ester.intake.imap import poll
from ester.intake.models import IncomingMessage, Mailbox
from ester.intake.tests.conftest import IMAP_USER
from ester.intake.tests.factories import MailboxFactory
from ester.intake.tests.imapserver import ImapServer, self_signed_certificate
from ester.intake.tests.test_imap import DUMMY, FLAGGED, fresh, messages

State = IncomingMessage.State
_folders = itertools.count(1)


@pytest.fixture
def world(
    city: Any,
    settings: Any,
    tmp_path: Path,
    imap_server_ssl: tuple[ImapServer, int, Path],
    imap_secret: str,
) -> SimpleNamespace:
    """Customer Y's functional mailbox over implicit TLS, read from a new folder of the server."""
    server, tls_port, cert = imap_server_ssl
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = DUMMY
    folder = f"Tls{next(_folders)}"
    server.create(folder)
    case_type = CaseTypeFactory(process=city.process, code="LEV-MANUELL", name="Manuell leverantörsfaktura")
    mailbox = MailboxFactory(
        address="ekonomi.bromma@serviceforvaltningen.example",
        customer=city.customer_y,
        default_case_type=case_type,
        imap_port=tls_port,
        imap_security=Mailbox.Security.SSL,
        imap_user=IMAP_USER,
        folder=folder,
    )
    return SimpleNamespace(city=city, mailbox=mailbox, server=server, folder=folder, tls_port=tls_port, cert=cert)


def test_a_poll_over_implicit_tls_takes_and_marks_mail(world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(world.cert))  # trust the test certificate
    uids = world.server.append(messages(2), folder=world.folder)

    result = poll(world.mailbox)

    assert (result.fetched, result.new, result.marked, result.failed, result.waiting) == (2, 2, 2, 0, 0)
    assert result.ok
    assert [row.uid for row in IncomingMessage.objects.order_by("uid")] == uids
    assert set(IncomingMessage.objects.values_list("state", flat=True)) == {State.PROCESSED}
    assert Case.objects.filter(customer=world.city.customer_y).count() == 2
    assert world.server.flags(world.folder) == {uid: FLAGGED for uid in uids}
    mailbox = fresh(world.mailbox)
    assert (mailbox.last_uid, mailbox.last_error, mailbox.messages_waiting) == (uids[-1], "", 0)
    assert mailbox.last_success_at is not None

    # The connection is TLS from the first byte, with the certificate verified for the address.
    with imap.connected(mailbox) as connection:
        assert isinstance(connection, imaplib.IMAP4_SSL)
        assert isinstance(connection.sock, ssl.SSLSocket)
        assert connection.sock.version() in {"TLSv1.2", "TLSv1.3"}
        peer = connection.sock.getpeercert()
        assert peer and ("IP Address", "127.0.0.1") in peer["subjectAltName"]


def test_an_untrusted_certificate_is_refused(world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    other, _key = self_signed_certificate(tmp_path)  # a certificate for the same address, but not the server's
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    [uid] = world.server.append(messages(1), folder=world.folder)

    result = poll(world.mailbox)

    where = f"127.0.0.1:{world.tls_port}"
    assert result.error.startswith(f"Kunde inte ansluta till IMAP-servern {where}: ")
    assert "CERTIFICATE_VERIFY_FAILED" in result.error
    assert fresh(world.mailbox).last_error == result.error
    assert (result.fetched, result.marked) == (0, 0)
    assert IncomingMessage.objects.count() == 0 and Case.objects.count() == 0
    assert world.server.flags(world.folder) == {uid: set()}  # left as it was


def test_implicit_tls_against_a_plain_port_fails_cleanly(world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plain server greets in clear text ("* OK …"), which the TLS client takes for a broken
    record: the handshake fails at once, it does not wait for the timeout."""
    monkeypatch.setenv("SSL_CERT_FILE", str(world.cert))
    [uid] = world.server.append(messages(1), folder=world.folder)
    world.mailbox.imap_port = world.server.port
    world.mailbox.save()

    result = poll(world.mailbox)

    where = f"127.0.0.1:{world.server.port}"
    assert result.error.startswith(f"Kunde inte ansluta till IMAP-servern {where}: [SSL")
    assert fresh(world.mailbox).last_error == result.error
    assert IncomingMessage.objects.count() == 0 and Case.objects.count() == 0
    assert world.server.flags(world.folder) == {uid: set()}


def test_the_certificate_must_name_the_host(world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trusted certificate for 127.0.0.1 does not do for another name of the same machine."""
    monkeypatch.setenv("SSL_CERT_FILE", str(world.cert))
    world.server.append(messages(1), folder=world.folder)
    world.mailbox.imap_host = "localhost"
    world.mailbox.save()

    result = poll(world.mailbox)

    assert result.error.startswith(f"Kunde inte ansluta till IMAP-servern localhost:{world.tls_port}: ")
    assert "CERTIFICATE_VERIFY_FAILED" in result.error and "localhost" in result.error.split(": ", 1)[1]
    assert IncomingMessage.objects.count() == 0
