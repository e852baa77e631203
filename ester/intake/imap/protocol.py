"""Talking to the IMAP server (standard library ``imaplib``): connecting and logging in,
SELECT, SEARCH, FETCH and marking the messages Ester has handled."""

from __future__ import annotations

import base64
import datetime
import imaplib
import re
import ssl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from ester.intake.imap.errors import PollError
from ester.intake.models import Mailbox, MailboxSecretError

#: The keyword that marks a message Ester has handled (when it is not moved).
KEYWORD = "$EsterBehandlad"
#: Seconds a connection waits for the server before giving up.
TIMEOUT = 60.0

# A SEARCH answer is one line; a folder of 100 000 messages makes it longer than imaplib's 1 MB default.
imaplib._MAXLINE = max(imaplib._MAXLINE, 20_000_000)  # type: ignore[attr-defined]


def imap_utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3): "Behandlade ärenden" → "Behandlade &AOQ-renden"."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).rstrip(b"=").replace(b"/", b",")
            out.append("&" + encoded.decode("ascii") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def quoted_folder(name: str) -> str:
    encoded = imap_utf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def response_text(value: Any) -> str:
    """The text of an imaplib error or response data, without b'' around it."""
    if isinstance(value, OSError):  # "[SSL: CERTIFICATE_VERIFY_FAILED] …", "[Errno 111] Connection refused"
        value = str(value) or type(value).__name__
    elif isinstance(value, BaseException):
        value = value.args[0] if value.args else type(value).__name__
    if isinstance(value, list):
        value = b" ".join(v if isinstance(v, bytes) else str(v).encode() for v in value if v is not None)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value)
    match = re.fullmatch(r"b(['\"])(.*)\1", text, re.DOTALL)
    return " ".join((match.group(2) if match else text).split())[:500]


def xoauth2(user: str, token: str) -> Any:
    """The XOAUTH2 answer to the server's challenge. A server that refuses sends its
    reasons as a second challenge, which must be answered empty."""
    answered = False

    def respond(challenge: bytes) -> bytes:
        nonlocal answered
        if answered:
            return b""
        answered = True
        return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()

    return respond


def plain(user: str, password: str) -> Any:
    """The SASL PLAIN answer (RFC 4616), UTF-8."""
    return lambda _challenge: f"\0{user}\0{password}".encode()


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    """An authenticated connection to the mailbox's server (raises :class:`PollError`)."""
    host, port = mailbox.imap_host.strip(), mailbox.imap_port
    where = f"{host}:{port}"
    if not host:
        raise PollError(_("Brevlådan saknar IMAP-server."))
    try:
        secret = mailbox.secret()
    except MailboxSecretError as error:
        raise PollError(str(error)) from None

    def scrub(text: str) -> str:
        return text.replace(secret, "***") if len(secret) >= 4 else text

    context = ssl.create_default_context()
    try:
        if mailbox.imap_security == Mailbox.Security.SSL:
            imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=TIMEOUT)
        else:
            imap = imaplib.IMAP4(host, port, timeout=TIMEOUT)
    except (OSError, imaplib.IMAP4.error) as error:
        raise PollError(
            _("Kunde inte ansluta till IMAP-servern %(where)s: %(error)s")
            % {"where": where, "error": scrub(response_text(error))}
        ) from None
    try:
        if mailbox.imap_security == Mailbox.Security.STARTTLS:
            try:
                imap.starttls(context)
            except (OSError, imaplib.IMAP4.error) as error:
                raise PollError(
                    _("STARTTLS mot %(where)s misslyckades: %(error)s") % {"where": where, "error": scrub(response_text(error))}
                ) from None
        try:
            if mailbox.auth_method == Mailbox.Auth.XOAUTH2:
                imap.authenticate("XOAUTH2", xoauth2(mailbox.imap_user, secret))
            elif (mailbox.imap_user + secret).isascii():
                imap.login(mailbox.imap_user, secret)
            else:  # LOGIN takes ASCII only; SASL PLAIN carries UTF-8 ("lösenord")
                imap.authenticate("PLAIN", plain(mailbox.imap_user, secret))
        except (imaplib.IMAP4.error, UnicodeError) as error:
            raise PollError(
                _("Inloggningen på %(where)s som %(user)s misslyckades: %(error)s")
                % {"where": where, "user": mailbox.imap_user, "error": scrub(response_text(error))}
            ) from None
        # Servers announce MOVE, UIDPLUS … only after the login (imaplib keeps the list from before).
        typ, data = imap.capability()
        if typ == "OK" and data and isinstance(data[0], bytes):
            imap.capabilities = tuple(data[0].decode("ascii", "replace").upper().split())
    except BaseException:
        with suppress(Exception):
            imap.shutdown()
        raise
    return imap


@contextmanager
def connected(mailbox: Mailbox) -> Iterator[imaplib.IMAP4]:
    imap = connect(mailbox)
    try:
        yield imap
    finally:
        with suppress(Exception):
            imap.logout()


def check(typ: str, data: Any, what: str) -> None:
    if typ != "OK":
        raise PollError(_("IMAP-servern svarade nej på %(what)s: %(error)s") % {"what": what, "error": response_text(data)})


@dataclass
class Folder:
    """A selected folder: its UIDVALIDITY and what the server allows in it."""

    name: str
    uidvalidity: int
    keywords: bool  # the server keeps $EsterBehandlad (PERMANENTFLAGS has it or \*)
    move: bool  # MOVE (RFC 6851)
    uidplus: bool  # UID EXPUNGE (RFC 4315)


def select(imap: imaplib.IMAP4, name: str) -> Folder:
    try:
        typ, data = imap.select(quoted_folder(name))
    except imaplib.IMAP4.readonly:
        raise PollError(
            _("Mappen %(folder)s är skrivskyddad: behandlade meddelanden kan inte markeras.") % {"folder": name}
        ) from None
    if typ != "OK":
        raise PollError(_("Mappen %(folder)s kan inte öppnas: %(error)s") % {"folder": name, "error": response_text(data)})
    _code, values = imap.response("UIDVALIDITY")
    try:
        uidvalidity = int(values[0])
    except (TypeError, ValueError, IndexError):
        raise PollError(_("IMAP-servern angav ingen UIDVALIDITY för mappen %(folder)s.") % {"folder": name}) from None
    _code, flags = imap.response("PERMANENTFLAGS")
    permanent = b" ".join(f for f in flags if isinstance(f, bytes))
    capabilities = {c.upper() for c in imap.capabilities}
    return Folder(
        name=name,
        uidvalidity=uidvalidity,
        keywords=b"\\*" in permanent or KEYWORD.encode().lower() in permanent.lower(),
        move="MOVE" in capabilities,
        uidplus="UIDPLUS" in capabilities,
    )


def search(imap: imaplib.IMAP4, *criteria: str) -> list[int]:
    typ, data = imap.uid("SEARCH", *criteria)
    check(typ, data, "UID SEARCH")
    uids: set[int] = set()
    for part in data:
        if isinstance(part, bytes):
            uids.update(int(value) for value in part.split() if value.isdigit())
    return sorted(uids)


MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
INTERNALDATE = re.compile(rb'INTERNALDATE "\s?(\d{1,2})-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"', re.I)
FETCH_START = re.compile(rb"^\d+ \(")
FETCH_UID = re.compile(rb"\bUID (\d+)", re.I)
BODY_LITERAL = re.compile(rb"BODY\[\] \{\d+\}$", re.I)


def internaldate(meta: bytes) -> datetime.datetime | None:
    match = INTERNALDATE.search(meta)
    if not match:
        return None
    day, month, year, hour, minute, second, sign, off_h, off_m = match.groups()
    try:
        offset = datetime.timedelta(hours=int(off_h), minutes=int(off_m)) * (-1 if sign == b"-" else 1)
        return datetime.datetime(
            int(year),
            MONTHS[month.decode().lower()],
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=datetime.timezone(offset),
        ).astimezone(datetime.UTC)
    except (KeyError, ValueError):
        return None


def fetch(imap: imaplib.IMAP4, uid: int) -> tuple[bytes, datetime.datetime | None] | None:
    """The bytes and INTERNALDATE of a message, read without setting ``\\Seen``; None when it is gone
    (no answer for the UID). An answer without the message's bytes raises :class:`PollError`."""
    typ, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[] INTERNALDATE)")
    check(typ, data, f"UID FETCH {uid}")
    # The answer may hold other (unsolicited) FETCH responses too: group by response, match the UID.
    responses: list[tuple[bytes, bytes | None]] = []
    for item in data:
        head, literal = (item[0], item[1]) if isinstance(item, tuple) else (item, None)
        if not isinstance(head, bytes):
            continue
        if FETCH_START.match(head) or not responses:
            responses.append((b"", None))
        meta, body = responses[-1]
        if literal is not None and body is None and BODY_LITERAL.search(head.rstrip()):
            body = literal
            head = head.rstrip()[: head.rstrip().rfind(b"{")]
        responses[-1] = (meta + b" " + head, body)
    answered = False
    for meta, body in responses:
        found = FETCH_UID.search(meta)
        if found and int(found.group(1)) == uid:
            if body is not None:
                return body, internaldate(meta)
            answered = True
    if answered:
        raise PollError(_("IMAP-servern skickade inte innehållet i meddelandet med UID %(uid)s.") % {"uid": uid})
    return None


def uid_set(uids: Iterable[int]) -> str:
    """An IMAP sequence set of UIDs: [101, 102, 103, 107] → "101:103,107"."""
    ranges: list[list[int]] = []
    for uid in sorted(set(uids)):
        if ranges and uid == ranges[-1][1] + 1:
            ranges[-1][1] = uid
        else:
            ranges.append([uid, uid])
    return ",".join(str(a) if a == b else f"{a}:{b}" for a, b in ranges)


def mark(imap: imaplib.IMAP4, uids: list[int], folder: Folder, processed: str) -> None:
    """Move the messages to the processed folder, or flag them: Ester has handled them."""
    key = uid_set(uids)
    if processed:
        target = quoted_folder(processed)
        if folder.move:
            typ, data = imap.uid("MOVE", key, target)
            check(typ, data, _("flytt till mappen %(folder)s") % {"folder": processed})
            return
        typ, data = imap.uid("COPY", key, target)
        check(typ, data, _("kopiering till mappen %(folder)s") % {"folder": processed})
        typ, data = imap.uid("STORE", key, "+FLAGS.SILENT", "(\\Deleted)")
        check(typ, data, "UID STORE \\Deleted")
        if folder.uidplus:
            typ, data = imap.uid("EXPUNGE", key)
            check(typ, data, "UID EXPUNGE")
        return
    flags = f"(\\Seen {KEYWORD})" if folder.keywords else "(\\Seen)"
    typ, data = imap.uid("STORE", key, "+FLAGS.SILENT", flags)
    check(typ, data, "UID STORE")


def leftover_criteria(folder: Folder, processed: str, last_uid: int) -> list[str]:
    """SEARCH criteria for the messages at or below ``last_uid`` that are still unmarked."""
    criteria = ["UID", f"1:{last_uid}", "UNDELETED"]
    if processed:
        return criteria  # what is still in the folder was not moved
    return [*criteria, "UNKEYWORD", KEYWORD] if folder.keywords else [*criteria, "UNSEEN"]
