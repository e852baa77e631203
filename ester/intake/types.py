"""The contract between the steps of mail intake: what parsing yields and what the
classifier decides.  ``parse.py`` turns raw bytes into a :class:`ParsedMail`,
``classify.py`` gives a :class:`Verdict`, ``pipeline.py`` acts on both.

Nothing here touches the database; every field is plain data, so the parser and
the classifier are tested on a corpus of real-world and hostile mail alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Attachment:
    """One file carried by a mail, as it will be stored (bytes unaltered)."""

    filename: str  # decoded (RFC 2047/2231), made safe for storage; never empty ("bilaga-1.bin" when unnamed)
    content_type: str  # as declared, lower case ("application/pdf")
    data: bytes
    inline: bool = False  # an inline image of an HTML body (Content-Disposition inline with a Content-ID)
    from_container: str = ""  # "winmail.dat" / "message/rfc822" when taken out of such a container


@dataclass
class ParsedMail:
    """What could be read from one message.  Parsing never raises: what cannot be
    read is listed in ``defects`` (Swedish, for the intake error list)."""

    raw_size: int
    sha256: str  # of the raw bytes exactly as received
    message_id: str  # "<...>" as in the header, or "" when missing
    in_reply_to: list[str] = field(default_factory=list)  # Message-IDs, "<...>"
    references: list[str] = field(default_factory=list)
    from_name: str = ""
    from_address: str = ""  # lower case, "" when missing or unparseable
    reply_to: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    subject: str = ""  # decoded, one line
    date: datetime.datetime | None = None  # aware; None when missing or unparseable
    text: str = ""  # the readable body: text/plain, else text from HTML
    html: str = ""  # the HTML body when there was one (not sanitised; never rendered as is)
    attachments: list[Attachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case name -> decoded value (first occurrence)
    defects: list[str] = field(default_factory=list)
    # Delivery status notification (RFC 3464) contents, when the mail is one:
    dsn_action: str = ""  # "failed", "delayed", "delivered", ... of the first recipient
    dsn_status: str = ""  # "5.1.1"
    dsn_recipients: list[str] = field(default_factory=list)  # Final-Recipient / Original-Recipient addresses
    dsn_original_message_id: str = ""  # Message-ID of the returned original, when included


class Disposition(StrEnum):
    """What the pipeline does with a message."""

    PROCESS = "process"  # make or join a case
    AUTO_REPLY = "auto_reply"  # out-of-office and other robots: dropped, no case, no receipt
    BOUNCE = "bounce"  # a delivery failure report: mark the address, tell the handler, no case
    LOOP = "loop"  # our own mail coming back: dropped
    QUARANTINE = "quarantine"  # cannot be handled safely (too large, unreadable): kept, shown in the error list


@dataclass(frozen=True)
class Verdict:
    disposition: Disposition
    reason: str = ""  # Swedish, shown in the intake log / error list
    send_receipt: bool = True  # False for X-Auto-Response-Suppress, no-reply senders, lists …
