"""The reader: walks the MIME tree of one parsed message and fills a ``ParsedMail``
(headers, body text, attachments, winmail.dat contents, delivery-report fields)."""

from __future__ import annotations

import binascii
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from email import policy as email_policy
from email.generator import BytesGenerator, Generator
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser

from ester.intake.parse import limits, tnef
from ester.intake.parse.text import (
    ADDRESS,
    FOLD,
    SURROGATES,
    add_defect,
    addresses,
    clean_text,
    decode_bytes,
    decode_words,
    extension_for,
    fallback_decode,
    fix_8bit,
    header_text,
    html_to_text,
    message_ids,
    one_line,
    parse_date,
    safe_filename,
    snippet,
    valid_address,
)
from ester.intake.types import Attachment, ParsedMail

_C32 = email_policy.compat32
_EML_POLICY = email_policy.compat32.clone(linesep="\r\n", max_line_length=0)
_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
_NESTED_TYPES = {"message/rfc822", "message/global"}
_STATUS_TYPES = {"message/delivery-status", "message/global-delivery-status"}
_HEADERS_TYPES = {"text/rfc822-headers", "message/rfc822-headers", "message/global-headers"}

_STRUCTURE_DEFECTS = {
    "NoBoundaryInMultipartDefect": "MIME-gräns saknas i en multipart-del",
    "StartBoundaryNotFoundDefect": "Den angivna MIME-gränsen finns inte i meddelandet",
    "CloseBoundaryNotFoundDefect": "Meddelandet är avkortat (avslutande MIME-gräns saknas)",
    "InvalidMultipartContentTransferEncodingDefect": "Felaktig överföringskodning för en multipart-del",
    "MissingHeaderBodySeparatorDefect": "Tomraden mellan rubriker och innehåll saknas",
    "FirstHeaderLineIsContinuationDefect": "Första rubrikraden är en fortsättningsrad",
    "MisplacedEnvelopeHeaderDefect": "Felplacerad kuvertrad (From_) bland rubrikerna",
}
_BOUNDARY_LINE = re.compile(rb"^--([^\s\"]{1,200})[ \t]*\r?$", re.MULTILINE)

_DAEMON_LOCAL = re.compile(r"(mailer-?daemon|postmaster|microsoftexchange[0-9a-f]*|mail-?delivery-?(system|subsystem)?)")
_DAEMON_NAME = re.compile(r"mail delivery (system|subsystem)|mailer-daemon|postmaster", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"\s*(undeliverable|undelivered mail|delivery status notification \(failure\)|mail delivery failed|"
    r"returned mail|olevererbart|ej levererat|kunde inte levereras|delivery failure|failure notice|"
    r"mail delivery failure|non-?delivery)",
    re.IGNORECASE,
)
_DELAY_SUBJECT = re.compile(
    r"\s*(delivery status notification \(delay\)|delayed mail|delivery delayed|warning: could not send message|fördröjd)",
    re.IGNORECASE,
)
_BOUNCE_TEXT = re.compile(
    r"delivery has failed to these recipients|i['’]m afraid i wasn['’]t able to deliver|the following address(?:es)? failed|"
    r"could not be delivered to one or more recipients|this is a permanent error|"
    r"your message (?:couldn['’]t|could not|wasn['’]t) (?:be )?delivered|"
    r"det gick inte att leverera till följande|leveransen till följande mottagare",
    re.IGNORECASE,
)
_STATUS_CODE = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])")


def _decoded(part: Message) -> bytes:
    """The transfer-decoded body of a non-multipart part (b"" when there is none)."""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _raw_header(message: Message, name: str) -> str:
    """The first raw value of header ``name`` (compat32's ``get`` garbles 8-bit values)."""
    for key, value in message.raw_items():
        if key.lower() == name:
            return str(value)
    return ""


@dataclass
class _Segment:
    plain: str | None = None
    html: str | None = None


class Reader:
    """Reads one message into ``mail``; each step guarded, so one failure keeps the rest."""

    def __init__(self, mail: ParsedMail, raw: bytes) -> None:
        self.mail = mail
        self.raw = raw
        self.total_bytes = 0
        self.report_depth = -1
        self.first_nested_id = ""
        self.tnef_text = ""

    def defect(self, text: str) -> None:
        add_defect(self.mail.defects, text)

    # -- entry point --

    def read(self) -> None:
        raw = self.raw
        if not raw or raw.isspace():
            self.defect("Meddelandet är tomt")
            return
        if len(raw) > limits.MAX_RAW_BYTES:
            size = len(raw) / 1024 / 1024
            self.defect(
                f"Meddelandet är för stort ({size:.0f} MB; gränsen är {limits.MAX_RAW_BYTES // 1024 // 1024} MB) – bara rubrikerna har lästs"
            )
            self.read_headers(self.header_block())
            return
        try:
            message = BytesParser(policy=_C32).parsebytes(raw)
        except Exception as exc:  # RecursionError on absurd nesting, and anything else
            self.defect(f"Meddelandets struktur kunde inte läsas ({type(exc).__name__}) – bara rubrikerna har lästs")
            self.read_headers(self.header_block())
            return
        self.step("rubrikerna", self.read_headers, message)
        self.step("innehållet", self.read_body, message)
        self.step("leveransrapporten", self.loose_bounce)

    def step(self, what: str, function: Callable[..., None], *args: object) -> None:
        try:
            function(*args)
        except Exception as exc:
            self.defect(f"Fel vid läsning av {what} ({type(exc).__name__}); det som gick att läsa har sparats")

    def header_block(self) -> Message:
        head = self.raw[: limits.HEADER_SCAN_BYTES]
        end = re.search(rb"\r?\n\r?\n", head)
        return BytesHeaderParser(policy=_C32).parsebytes(head[: end.end()] if end else head)

    # -- headers --

    def read_headers(self, message: Message) -> None:
        mail, defects = self.mail, self.mail.defects
        first: dict[str, str] = {}
        names: dict[str, str] = {}
        every: dict[str, list[str]] = {"to": [], "cc": []}
        for name, value in message.raw_items():
            name = one_line(str(name))[:100]
            key = name.lower()
            if not key:
                continue
            if not isinstance(value, str):
                value = str(value)
            if key in every:
                every[key].append(value)
            if key not in first:
                if len(first) >= limits.MAX_HEADERS:
                    self.defect(f"Fler än {limits.MAX_HEADERS} olika rubrikfält; resten finns bara i originalet")
                    continue
                first[key], names[key] = value, name
        for key, value in first.items():
            text = header_text(value[: limits.MAX_HEADER_CHARS * 4], defects, f"rubrikfältet {names[key]}")
            if len(text) > limits.MAX_HEADER_CHARS:
                self.defect(f"Rubrikfältet {names[key]} är längre än {limits.MAX_HEADER_CHARS} tecken och har kortats")
                text = text[: limits.MAX_HEADER_CHARS]
            mail.headers[key] = text
        mail.subject = mail.headers.get("subject", "")
        mail.message_id = next(iter(message_ids(first.get("message-id", ""))), "")
        mail.in_reply_to = message_ids(first.get("in-reply-to", ""))
        mail.references = message_ids(first.get("references", ""))[-limits.MAX_REFERENCES :]
        mail.date = parse_date(first["date"]) if "date" in first else None
        if "from" not in first:
            self.defect("Avsändare (From) saknas")
        else:
            senders = addresses([first["from"]])
            if senders:
                mail.from_name, mail.from_address = senders[0]
            else:
                self.defect(f"Avsändaradressen kunde inte tolkas: ”{snippet(first['from'])}”")
        reply_to = addresses([first["reply-to"]]) if "reply-to" in first else []
        mail.reply_to = reply_to[0][1] if reply_to else ""
        mail.to = list(dict.fromkeys(a for _, a in addresses(every["to"])))
        mail.cc = list(dict.fromkeys(a for _, a in addresses(every["cc"])))

    # -- body and attachments --

    def read_body(self, message: Message) -> None:
        segments = self.walk(message, 0)
        texts = []
        html_parts = []
        for segment in segments:
            if segment.html is not None:
                html_parts.append(segment.html)
            if segment.plain is not None and (segment.plain.strip() or segment.html is None):
                texts.append(segment.plain)
            elif segment.html is not None:
                markup = segment.html
                if len(markup) > limits.MAX_HTML_CHARS:
                    self.defect("HTML-texten är mycket lång; bara början har gjorts om till text")
                    markup = markup[: limits.MAX_HTML_CHARS]
                texts.append(html_to_text(markup))
        text = "\n\n".join(t.strip("\n") for t in texts if t.strip())
        if not text.strip() and self.tnef_text:
            text = self.tnef_text
        self.mail.text = text.strip()
        self.mail.html = "\n".join(html_parts)

    def note_defects(self, part: Message) -> None:
        for defect in getattr(part, "defects", ()):
            text = _STRUCTURE_DEFECTS.get(type(defect).__name__)
            if text:
                self.defect(text)

    def walk(self, part: Message, depth: int) -> list[_Segment]:
        if depth > limits.MAX_DEPTH:
            self.defect(f"Delar som ligger djupare än {limits.MAX_DEPTH} nivåer har hoppats över")
            return []
        self.note_defects(part)
        content_type = self.content_type(part)
        # is_multipart() before get_payload(): without decode=True, compat32 decodes a text
        # payload with the declared charset and fails on a charset name with a NUL in it.
        payload = part.get_payload() if part.is_multipart() else None
        if content_type.startswith("multipart/"):
            if isinstance(payload, list):
                if content_type == "multipart/report":
                    self.report_depth = depth
                children = [child for child in payload if isinstance(child, Message)]
                if content_type == "multipart/alternative":
                    return [self.alternative(children, depth)]
                segments: list[_Segment] = []
                for child in children:
                    segments += self.walk(child, depth + 1)
                return segments
            salvaged = self.salvage(part, depth)
            if salvaged is not None:
                return salvaged
            content_type = "text/plain"
        if content_type in _NESTED_TYPES or (content_type.startswith("message/") and content_type not in _STATUS_TYPES):
            self.nested_message(part, content_type)
            return []
        if content_type in _STATUS_TYPES:
            self.delivery_status(part)
            return []
        return self.leaf(part, content_type)

    def alternative(self, children: list[Message], depth: int) -> _Segment:
        best = _Segment()
        for child in children:
            for segment in self.walk(child, depth + 1):
                if segment.plain is not None and (best.plain is None or not best.plain.strip()):
                    best.plain = segment.plain
                if segment.html is not None and best.html is None:
                    best.html = segment.html
        return best

    def salvage(self, part: Message, depth: int) -> list[_Segment] | None:
        """A multipart without usable boundary: find the delimiter lines in the body."""
        if part.is_multipart():
            return None
        body = _decoded(part)
        match = _BOUNDARY_LINE.search(body)
        if not match:
            return None
        boundary = match.group(1).removesuffix(b"--")
        if body.count(b"--" + boundary) < 2:
            return None
        self.defect("MIME-gränsen saknades eller var fel; delarna har lästs ut ändå")
        rebuilt = BytesParser(policy=_C32).parsebytes(
            b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n' + body
        )
        if not rebuilt.is_multipart():
            return None
        return self.walk(rebuilt, depth + 1)

    def content_type(self, part: Message) -> str:
        try:
            value = part.get_content_type()
        except Exception:
            return "application/octet-stream"
        return one_line(value).lower()[:200] or "application/octet-stream"

    def param_view(self, part: Message) -> Message:
        """``part`` itself, or a copy of its Content-Type/Disposition with 8-bit bytes decoded
        (compat32 would turn them into U+FFFD)."""
        raw = [(k, v) for k, v in part.raw_items() if k.lower() in ("content-type", "content-disposition")]
        if not any(isinstance(v, str) and SURROGATES.search(v) for _, v in raw):
            return part
        view = Message()
        for key, value in raw:
            view[key] = FOLD.sub("", fix_8bit(str(value), self.mail.defects, "ett filnamn"))
        return view

    def filename(self, part: Message) -> str:
        try:
            name = self.param_view(part).get_filename()
        except Exception:
            name = None
        if not name:
            return ""
        return one_line(decode_words(str(name), self.mail.defects, "ett filnamn"))

    def disposition(self, part: Message) -> str:
        try:
            return (part.get_content_disposition() or "").lower()
        except Exception:
            return ""

    def leaf(self, part: Message, content_type: str) -> list[_Segment]:
        disposition = self.disposition(part)
        name = self.filename(part)
        data = self.payload(part)
        self.note_defects(part)
        if content_type in ("text/plain", "text/html") and disposition != "attachment" and not name:
            text = self.body_text(part, data, content_type)
            return [_Segment(plain=text)] if content_type == "text/plain" else [_Segment(html=text)]
        if self.report_depth >= 0 and content_type in _HEADERS_TYPES:
            self.note_original_id(BytesHeaderParser(policy=_C32).parsebytes(data))
        if content_type in _TNEF_TYPES or (name.lower() == "winmail.dat" and data.startswith(tnef.SIGNATURE)):
            self.tnef(name or "winmail.dat", content_type, data)
            return []
        inline = disposition != "attachment" and bool(part.get("content-id"))
        self.add(name, content_type, data, inline=inline)
        return []

    def payload(self, part: Message) -> bytes:
        """The decoded body of a leaf part, decoded once (base64 straight from the raw text)."""
        encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
        if encoding == "base64" and not part.is_multipart():
            # The text as parsed: get_payload() would first re-decode 8-bit text with the declared
            # charset (and fail on odd charset names); base64 is ASCII, the rest is ignored anyway.
            raw = getattr(part, "_payload", None)
            if isinstance(raw, str):
                return self.base64(raw.encode("ascii", "ignore"))
        return _decoded(part)

    def base64(self, data: bytes) -> bytes:
        try:
            return binascii.a2b_base64(data)
        except (binascii.Error, ValueError):
            pass
        self.defect("En base64-kodad del var avkortad eller felaktig; det som gick att avkoda har sparats")
        cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
        cleaned = cleaned[: len(cleaned) - (len(cleaned) % 4 == 1)]
        try:
            return binascii.a2b_base64(cleaned + b"=" * (-len(cleaned) % 4))
        except (binascii.Error, ValueError):
            return b""

    def body_text(self, part: Message, data: bytes, content_type: str) -> str:
        try:
            charset = part.get_content_charset()
        except Exception:
            charset = None
        if not charset and content_type == "text/html" and not data.isascii():
            meta = re.search(rb"<meta[^>]{0,200}charset\s*=\s*[\"']?([\w.:-]{1,40})", data[:8192], re.IGNORECASE)
            charset = meta.group(1).decode("ascii") if meta else None
        if b"\x00" in data:
            self.defect("NUL-tecken har tagits bort ur texten")
        return clean_text(decode_bytes(data, charset, self.mail.defects, "texten"))

    def add(self, name: str, content_type: str, data: bytes, *, inline: bool = False, from_container: str = "") -> None:
        attachments = self.mail.attachments
        if len(attachments) >= limits.MAX_ATTACHMENTS:
            self.defect(f"Fler än {limits.MAX_ATTACHMENTS} bilagor; resten finns bara i originalet")
            return
        if self.total_bytes + len(data) > limits.MAX_ATTACHMENT_BYTES:
            self.defect(
                f"Bilagorna är större än {limits.MAX_ATTACHMENT_BYTES // 1024 // 1024} MB tillsammans; resten finns bara i originalet"
            )
            return
        filename = safe_filename(name) or f"bilaga-{len(attachments) + 1}.{extension_for(content_type)}"
        attachments.append(Attachment(filename, content_type, data, inline=inline, from_container=from_container))
        self.total_bytes += len(data)

    def nested_message(self, part: Message, content_type: str) -> None:
        payload = part.get_payload() if part.is_multipart() else None
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, Message):
            self.add(self.filename(part), content_type, _decoded(part), from_container=content_type)
            return
        encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
        if encoding in ("base64", "quoted-printable") and not inner.keys():
            # Forbidden for message/* (RFC 2046) but sent: the parser saw no headers; decode the text.
            text = _decoded(inner)
            data = self.base64(text) if encoding == "base64" else binascii.a2b_qp(text)
            inner = BytesParser(policy=_C32).parsebytes(data)
        else:
            data = self.as_bytes(inner)
        self.note_original_id(inner)
        name = self.filename(part)
        if content_type not in _NESTED_TYPES:  # message/disposition-notification and the like: a text file
            self.add(name, content_type, data)
            return
        if not name:
            subject = header_text(_raw_header(inner, "subject"), [], "")
            name = f"{subject[:120]}.eml" if subject else ""
        if name and not name.lower().endswith(".eml"):
            name += ".eml"
        self.add(name, content_type, data, from_container=content_type)

    def as_bytes(self, message: Message) -> bytes:
        """A parsed (nested) message as bytes again: the stdlib generator, no refolding, 8-bit
        bytes kept; for structures it cannot write, its text generator (lossy, with a defect)."""
        buffer = io.BytesIO()
        try:
            BytesGenerator(buffer, mangle_from_=False, policy=_EML_POLICY).flatten(message)
            return buffer.getvalue()
        except Exception:
            self.defect("Ett bifogat meddelande kunde inte återskapas exakt; originalet innehåller det orört")
        text = io.StringIO()
        Generator(text, mangle_from_=False, policy=_EML_POLICY).flatten(message)
        return text.getvalue().encode("utf-8", "surrogateescape")

    def note_original_id(self, message: Message) -> None:
        if self.first_nested_id:
            return
        raw = _raw_header(message, "message-id")
        if raw:
            ids = message_ids(raw)
            self.first_nested_id = ids[0] if ids else ""
            if self.report_depth >= 0 and not self.mail.dsn_original_message_id:
                self.mail.dsn_original_message_id = self.first_nested_id

    def tnef(self, name: str, content_type: str, data: bytes) -> None:
        try:
            files, body = tnef.extract(data)
        except tnef.UnsafeTnef as exc:
            self.defect(f"winmail.dat är skadad ({exc}); filen har sparats som den var")
            self.add(name, content_type, data)
            return
        except Exception as exc:
            self.defect(f"winmail.dat kunde inte läsas ({type(exc).__name__}); filen har sparats som den var")
            self.add(name, content_type, data)
            return
        if isinstance(body, bytes):
            body = decode_bytes(body, "cp1252", self.mail.defects, "winmail.dat")
        if isinstance(body, str):
            self.tnef_text = clean_text(body).strip()
        if not files:
            self.defect("winmail.dat innehöll inga bilagor som kunde läsas; filen har sparats som den var")
            self.add(name, content_type, data)
            return
        for file_name, file_type, file_data in files:
            self.add(file_name, file_type, file_data, from_container="winmail.dat")

    # -- delivery reports --

    def delivery_status(self, part: Message) -> None:
        payload = part.get_payload() if part.is_multipart() else None
        blocks: list[dict[str, str]] = []
        if isinstance(payload, list) and part.get_content_type() == "message/delivery-status":
            for block in payload:
                if isinstance(block, Message):
                    fields: dict[str, str] = {}
                    for key, value in block.raw_items():
                        fields.setdefault(str(key).lower(), header_text(str(value), [], ""))
                    blocks.append(fields)
        else:
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                data = self.as_bytes(payload[0])
            else:
                data = _decoded(part)
            text = clean_text(fallback_decode(data)[0])
            for chunk in re.split(r"\n[ \t]*\n", text):
                fields = {}
                for line in FOLD.sub("", chunk).split("\n"):
                    key, colon, value = line.partition(":")
                    if colon and key.strip():
                        fields.setdefault(key.strip().lower(), one_line(value))
                blocks.append(fields)
        recipients: list[tuple[str, str, list[str]]] = []
        for fields in blocks:
            action = fields.get("action", "").split("(")[0].strip().lower()
            if not action:
                continue
            status = _STATUS_CODE.search(fields.get("status", ""))
            addresses = [self.dsn_address(fields.get(k, "")) for k in ("final-recipient", "original-recipient")]
            recipients.append((action, status.group(1) if status else "", [a for a in addresses if a]))
        if not recipients:
            self.defect("Leveransrapporten saknar mottagaruppgifter")
            return
        severity = {"failed": 0, "delayed": 1}
        action = min((r[0] for r in recipients), key=lambda a: severity.get(a, 2))
        chosen = [r for r in recipients if r[0] == action]
        self.mail.dsn_action = action[:40]
        self.mail.dsn_status = chosen[0][1]
        self.mail.dsn_recipients = list(dict.fromkeys(a for r in chosen for a in r[2]))

    @staticmethod
    def dsn_address(value: str) -> str:
        address = value.rpartition(";")[2].strip().strip("<>").lower()
        return address if valid_address(address) else ""

    def loose_bounce(self) -> None:
        """Non-standard bounces (old Exchange, qmail …): read loosely when no RFC 3464 part said."""
        mail = self.mail
        if mail.dsn_action:
            return
        local = mail.from_address.partition("@")[0]
        daemon = bool(_DAEMON_LOCAL.fullmatch(local)) or bool(_DAEMON_NAME.search(mail.from_name))
        if not daemon:
            return
        head = mail.text[:20_000]
        marker = _BOUNCE_TEXT.search(head)
        if _DELAY_SUBJECT.match(mail.subject):
            mail.dsn_action = "delayed"
        elif _BOUNCE_SUBJECT.match(mail.subject) or marker:
            mail.dsn_action = "failed"
        else:
            return
        status = _STATUS_CODE.search(head)
        mail.dsn_status = status.group(1) if status else ""
        failed = mail.headers.get("x-failed-recipients", "")
        found = [a.lower() for a in ADDRESS.findall(failed)]
        if not found and marker:
            ours = {mail.from_address, *mail.to, *mail.cc}
            found = [a.lower() for a in ADDRESS.findall(head[marker.end() : marker.end() + 3000])]
            found = [a for a in found if a not in ours]
        mail.dsn_recipients = list(dict.fromkeys(a for a in found if valid_address(a)))[:20]
        if not mail.dsn_original_message_id and self.first_nested_id:
            mail.dsn_original_message_id = self.first_nested_id
