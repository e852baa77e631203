"""A real IMAP4rev1 server on loopback for the intake tests and ``bench/intake.py``.

It is pymap's in-memory ``dict`` backend (pure Python, asyncio) in a process of its own,
started by :func:`start_server` and spoken to with ``imaplib`` only — no mocks. The
process adds what pymap leaves to its deployer:

* several users with passwords (``--user NAME:PASSWORD``);
* XOAUTH2 (``--token NAME:TOKEN``): pysasl parses the mechanism, the token is checked here
  as an OAuth2 provider would;
* the keyword ``$EsterBehandlad`` kept as a permanent flag (``--no-keywords`` keeps only the
  system flags, as pymap does by default: the poller then flags ``\\Seen`` only);
* ``--no-move`` leaves MOVE out of the capabilities (the poller then copies, deletes and
  expunges);
* ``--cert``/``--key``: STARTTLS (login only after it).

pymap has no implicit-TLS listener (port 993 style): :class:`TlsFront` terminates TLS on a
loopback port of its own and relays the bytes to the plain server.

Run as a script (``python imapserver.py --port 0 --user ester:hemligt``) it prints
``PORT <n>`` when it listens and stops on SIGTERM or when its stdin closes (its parent died).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import imaplib
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
KEYWORD = "$EsterBehandlad"
APPENDUID = re.compile(rb"APPENDUID \d+ (\d+)")


# --- the server (in its own process) ----------------------------------------------------------


async def serve(options: argparse.Namespace) -> None:
    from proxyprotocol.reader import ProxyProtocolReader
    from pymap.backend.dict import Config, DictBackend, Identity, Login
    from pymap.backend.dict import mailbox as dict_mailbox
    from pymap.exceptions import InvalidAuth
    from pymap.imap import IMAPServer
    from pymap.parsing.specials.flag import Flag
    from pymap.user import Passwords, UserMetadata
    from pysasl import SASLAuth
    from pysasl.creds.external import ExternalCredentials, ExternalVerificationRequired
    from pysasl.hashing import BuiltinHash

    users = dict(entry.split(":", 1) for entry in options.user)
    tokens = dict(entry.split(":", 1) for entry in options.token)

    if options.keywords:
        system_flags = dict_mailbox.MailboxData.permanent_flags.fget  # type: ignore[attr-defined]
        dict_mailbox.MailboxData.permanent_flags = property(  # type: ignore[method-assign,assignment]
            lambda self: system_flags(self) | {Flag(KEYWORD.encode())}
        )

    class TestConfig(Config):
        @property
        def tls_auth(self) -> SASLAuth:
            return SASLAuth.named([b"PLAIN", b"LOGIN", b"XOAUTH2"])

        @property
        def login_capability(self) -> Any:
            capabilities = list(super().login_capability)
            return capabilities if options.move else [c for c in capabilities if c != b"MOVE"]

    class TestLogin(Login):
        async def authenticate(self, credentials: Any) -> Any:
            if isinstance(credentials, ExternalCredentials):  # XOAUTH2: user and bearer token
                try:
                    credentials.verify(None)
                except ExternalVerificationRequired as required:
                    token = required.token
                name = credentials.authzid
                if not token or tokens.get(name) != token:
                    raise InvalidAuth()
                return Identity(name, self, None, frozenset())
            return await super().authenticate(credentials)

    first = next(iter(users))
    args = argparse.Namespace(
        debug=False,
        host=HOST,
        port=options.port,
        cert=options.cert,
        key=options.key,
        tls=bool(options.cert),
        proxy_protocol=None,
        inherited_sockets=None,
        passlib_cfg=None,
        demo_data=False,
        demo_user=first,
        demo_password=users[first],
    )
    # One PBKDF2 round: a login costs no key derivation (the default is ~0.3 s per login).
    config = TestConfig.from_args(args, invalid_user_sleep=0.0, hash_context=BuiltinHash(rounds=1))
    config.apply_context()
    login = TestLogin(config)
    for name, password in users.items():
        hashed = await Passwords(config).hash_password(password)
        await Identity(name, login, None, frozenset()).set(UserMetadata(config, name, password=hashed))
    backend = DictBackend(login, config)
    callback = ProxyProtocolReader(config.proxy_protocol).get_callback(IMAPServer(backend.login, config))
    server = await asyncio.start_server(callback, host=HOST, port=options.port)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)

    def watch_parent() -> None:
        sys.stdin.read()  # returns when the parent closes the pipe or dies
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch_parent, daemon=True).start()
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="pymap (dict backend) for Ester's intake tests")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--user", action="append", required=True, metavar="NAME:PASSWORD")
    parser.add_argument("--token", action="append", default=[], metavar="NAME:TOKEN")
    parser.add_argument("--no-keywords", dest="keywords", action="store_false")
    parser.add_argument("--no-move", dest="move", action="store_false")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    asyncio.run(serve(parser.parse_args(argv)))


# --- the client side (tests and bench) ---------------------------------------------------------


def internaldate(value: datetime.datetime) -> str:
    return imaplib.Time2Internaldate(value)


@dataclass
class ImapServer:
    """A running test server, and what a test does with it over IMAP (as a mail client would)."""

    port: int
    process: subprocess.Popen[str]
    users: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)
    tls: bool = False
    host: str = HOST

    @property
    def user(self) -> str:
        return next(iter(self.users))

    def client(self, user: str | None = None) -> imaplib.IMAP4:
        user = user or self.user
        imap = imaplib.IMAP4(self.host, self.port, timeout=30)
        if self.tls:
            import ssl

            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            imap.starttls(context)
        password = self.users[user]
        imap.authenticate("PLAIN", lambda _challenge: f"\0{user}\0{password}".encode())  # UTF-8, unlike LOGIN
        return imap

    def create(self, folder: str, *, user: str | None = None) -> None:
        imap = self.client(user)
        try:
            typ, data = imap.create(quote(folder))
            assert typ == "OK", data
        finally:
            imap.logout()

    def delete(self, folder: str, *, user: str | None = None) -> None:
        imap = self.client(user)
        try:
            typ, data = imap.delete(quote(folder))
            assert typ == "OK", data
        finally:
            imap.logout()

    def append(
        self,
        messages: list[bytes] | bytes,
        *,
        folder: str = "INBOX",
        user: str | None = None,
        date: datetime.datetime | None = None,
        flags: str = "",
    ) -> list[int]:
        """APPEND the messages (one connection); their UIDs in order."""
        batch = [messages] if isinstance(messages, bytes) else messages
        when = internaldate(date or datetime.datetime.now(datetime.UTC))
        uids: list[int] = []
        imap = self.client(user)
        try:
            for raw in batch:
                typ, data = imap.append(quote(folder), f"({flags})" if flags else None, when, raw)
                assert typ == "OK", data
                match = APPENDUID.search(data[0] or b"")
                assert match, data
                uids.append(int(match.group(1)))
        finally:
            imap.logout()
        return uids

    def flags(self, folder: str = "INBOX", *, user: str | None = None) -> dict[int, set[str]]:
        """UID → flags of every message in the folder (read-only: nothing changes)."""
        imap = self.client(user)
        try:
            typ, data = imap.select(quote(folder), readonly=True)
            assert typ == "OK", data
            if int(data[0] or 0) == 0:
                return {}
            typ, data = imap.uid("FETCH", "1:*", "(FLAGS)")
            assert typ == "OK", data
        finally:
            imap.logout()
        found: dict[int, set[str]] = {}
        for line in data:
            if not isinstance(line, bytes):
                continue
            uid = re.search(rb"UID (\d+)", line)
            flags = re.search(rb"FLAGS \(([^)]*)\)", line)
            if uid and flags:
                found[int(uid.group(1))] = {f.decode() for f in flags.group(1).split()} - {"\\Recent"}
        return found

    def messages(self, folder: str = "INBOX", *, user: str | None = None) -> dict[int, bytes]:
        """UID → bytes of every message in the folder (read-only, with PEEK: nothing changes)."""
        imap = self.client(user)
        try:
            typ, data = imap.select(quote(folder), readonly=True)
            assert typ == "OK", data
            if int(data[0] or 0) == 0:
                return {}
            typ, data = imap.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
            assert typ == "OK", data
        finally:
            imap.logout()
        found: dict[int, bytes] = {}
        for item in data:
            if isinstance(item, tuple):
                uid = re.search(rb"UID (\d+)", item[0])
                assert uid, item[0]
                found[int(uid.group(1))] = item[1]
        return found

    def uidvalidity(self, folder: str = "INBOX", *, user: str | None = None) -> int:
        imap = self.client(user)
        try:
            typ, data = imap.select(quote(folder), readonly=True)
            assert typ == "OK", data
            return int(imap.response("UIDVALIDITY")[1][0])
        finally:
            imap.logout()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def start_server(
    *,
    users: dict[str, str],
    tokens: dict[str, str] | None = None,
    keywords: bool = True,
    move: bool = True,
    cert: Path | None = None,
    key: Path | None = None,
    timeout: float = 30.0,
) -> ImapServer:
    """Start the server in a process of its own on a free loopback port and wait until it listens."""
    command = [sys.executable, str(Path(__file__).resolve()), "--port", "0"]
    command += [arg for name, password in users.items() for arg in ("--user", f"{name}:{password}")]
    command += [arg for name, token in (tokens or {}).items() for arg in ("--token", f"{name}:{token}")]
    if not keywords:
        command.append("--no-keywords")
    if not move:
        command.append("--no-move")
    if cert is not None and key is not None:
        command += ["--cert", str(cert), "--key", str(key)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ})
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("PORT ") or not line:
            break
    if not line.startswith("PORT "):
        process.kill()
        raise RuntimeError(f"the IMAP test server did not start (exit code {process.wait()})")
    return ImapServer(
        port=int(line.split()[1]),
        process=process,
        users=dict(users),
        tokens=dict(tokens or {}),
        tls=cert is not None,
    )


class TlsFront:
    """Implicit TLS in front of a plain server: accepts TLS connections on ``host``:<free port>
    with ``cert``/``key`` and relays the bytes both ways to ``host``:``upstream``. When one side
    closes (or fails, as in a refused handshake) the other is closed too. An asyncio loop in a
    daemon thread does the work; :meth:`stop` closes the listener and every open relay."""

    def __init__(self, upstream: int, cert: Path, key: Path, host: str = HOST) -> None:
        self.host, self.upstream = host, upstream
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="tls-front", daemon=True)
        self.thread.start()
        listening = asyncio.start_server(self.relay, host=host, port=0, ssl=context)
        self.server = asyncio.run_coroutine_threadsafe(listening, self.loop).result(30)
        self.port: int = self.server.sockets[0].getsockname()[1]

    async def relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(self.host, self.upstream)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))

    def stop(self) -> None:
        async def close() -> None:
            self.server.close()
            relays = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in relays:
                task.cancel()
            await asyncio.gather(*relays, return_exceptions=True)
            await self.server.wait_closed()

        if self.loop.is_running():
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(30)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(30)
        self.loop.close()


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy ``reader`` to ``writer`` until the end or an error, then close ``writer`` (which ends
    the opposite pipe: its reader is that connection)."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:  # ssl.SSLError and a reset connection included
        pass
    finally:
        writer.close()


def self_signed_certificate(directory: Path, host: str = HOST) -> tuple[Path, Path]:
    """A certificate for ``host`` (as an IP address) and its key, for the TLS tests."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "imap-cert.pem", directory / "imap-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


if __name__ == "__main__":
    main()
