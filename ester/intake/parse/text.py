"""Text of a mail: charsets, header values (RFC 2047, raw 8-bit), addresses, Message-IDs,
dates, safe filenames, and HTML turned into text. Every function here is total: what
cannot be decoded falls back (utf-8, windows-1252, latin-1) and says so in ``defects``."""

from __future__ import annotations

import binascii
import codecs
import datetime
import mimetypes
import re
import unicodedata
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from ester.core.pii import mask_pii
from ester.intake.parse import limits

# --- text cleaning and charsets ------------------------------------------------------------

SURROGATES = re.compile("[\ud800-\udfff]")
_ONE_LINE_BAD = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_TEXT_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FOLD = re.compile(r"\r?\n(?=[ \t])")

_CHARSET_ALIASES = {
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
    "x-user-defined": "",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gbk",
    "x-gbk": "gbk",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "unicode-1-1-utf-7": "utf-7",
    "ansi_x3.4-1968": "ascii",
}
# Codecs that are not charsets of mail text (escape decoders make arbitrary code points).
_UNSAFE_CODECS = {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined", "mbcs", "oem"}
_LATIN = {"iso8859-1", "cp1252", "iso8859-15", "latin-1"}


def one_line(value: str) -> str:
    """No NUL, no lone surrogate, no line break or other control character; trimmed."""
    value = SURROGATES.sub("\ufffd", value)
    return _ONE_LINE_BAD.sub(" ", value).strip()


def clean_text(value: str) -> str:
    """Multi-line text: LF line ends, no NUL or other C0 control but tab, no lone surrogate."""
    value = SURROGATES.sub("\ufffd", value).replace("\r\n", "\n").replace("\r", "\n")
    return _TEXT_BAD.sub("", value)


def _codec(charset: str | None) -> str | None:
    """Python's name for a declared charset; "" when none was declared, None when unknown/unsafe."""
    name = (charset or "").strip().strip("\"'").lower()
    if not name:
        return ""
    name = _CHARSET_ALIASES.get(name, name)
    if not name:
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if info.name in _UNSAFE_CODECS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def fallback_decode(data: bytes) -> tuple[str, str]:
    """``data`` as utf-8, else windows-1252, else latin-1 (never fails); and the one used."""
    for name in ("utf-8", "windows-1252"):
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1"), "latin-1"


def decode_bytes(data: bytes, charset: str | None, defects: list[str], where: str) -> str:
    """``data`` as text in its declared ``charset``; unknown or wrong charsets fall back to
    utf-8, windows-1252, latin-1 (which always succeeds) with a defect naming ``where``."""
    codec = _codec(charset)
    if codec is None:
        text, used = fallback_decode(data)
        add_defect(defects, f"Okänd teckenkodning ”{snippet(charset or '')}” i {where}; tolkad som {used}")
        return text
    if codec in _LATIN and not data.isascii():
        try:  # UTF-8 declared as latin-1: valid UTF-8 with 8-bit bytes is never latin-1 prose
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            add_defect(defects, f"Fel angiven teckenkodning ”{charset}” i {where}; tolkad som utf-8")
            return text
    if codec:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError, ValueError):
            text, used = fallback_decode(data)
            add_defect(defects, f"Fel angiven teckenkodning ”{snippet(charset or '')}” i {where}; tolkad som {used}")
            return text
    text, used = fallback_decode(data)
    if used != "utf-8":
        add_defect(defects, f"Teckenkodning saknas för 8-bitarstext i {where}; tolkad som {used}")
    return text


def add_defect(defects: list[str], text: str) -> None:
    text = one_line(mask_pii(text))
    if text not in defects:
        defects.append(text)


def snippet(value: str, limit: int = 80) -> str:
    value = one_line(value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


# --- header values -----------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")


def fix_8bit(value: str, defects: list[str], where: str) -> str:
    """A raw header value with undecoded 8-bit bytes (surrogate escapes) as real text."""
    if not SURROGATES.search(value):
        return value
    data = value.encode("ascii", "surrogateescape")
    text, used = fallback_decode(data)
    if used != "utf-8":
        add_defect(defects, f"Okodade 8-bitarstecken i {where}; tolkade som {used}")
    return text


def _word_bytes(encoding: str, text: str) -> bytes:
    data = text.encode("utf-8", "replace")
    if encoding in "qQ":
        return binascii.a2b_qp(data, header=True)
    data = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    if len(data) % 4 == 1:
        data = data[:-1]
    return binascii.a2b_base64(data + b"=" * (-len(data) % 4))


def decode_words(value: str, defects: list[str], where: str) -> str:
    """RFC 2047 encoded words decoded; whitespace between adjacent words dropped."""
    if "=?" not in value:
        return value
    parts: list[str] = []
    pending = bytearray()
    pending_charset = ""
    pos = 0
    previous_was_word = False

    def flush() -> None:
        if pending:
            parts.append(decode_bytes(bytes(pending), pending_charset, defects, where))
            pending.clear()

    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos : match.start()]
        if not (previous_was_word and not gap.strip()):
            flush()
            parts.append(gap)
        charset = match.group(1).split("*", 1)[0].lower()
        try:
            data = _word_bytes(match.group(2), match.group(3))
        except (binascii.Error, ValueError):
            flush()
            parts.append(match.group(0))
            pos, previous_was_word = match.end(), False
            continue
        if pending and charset != pending_charset:
            flush()
        pending += data
        pending_charset = charset
        pos, previous_was_word = match.end(), True
    flush()
    parts.append(value[pos:])
    return "".join(parts)


def header_text(raw: str, defects: list[str], where: str) -> str:
    """A raw header value as one decoded, clean line."""
    value = FOLD.sub("", fix_8bit(raw, defects, where))
    return one_line(decode_words(value, defects, where))


_ID_IN_BRACKETS = re.compile(r"<([^<>]*)>")


def message_ids(raw: str) -> list[str]:
    """The ``<...>`` tokens of a Message-ID/In-Reply-To/References value; bare tokens with
    an ``@`` (broken mailers omit the brackets) get them added."""
    raw = one_line(raw)
    ids = []
    for match in _ID_IN_BRACKETS.finditer(raw):
        inner = re.sub(r"\s+", "", match.group(1))
        if inner:
            ids.append(f"<{inner[:990]}>")
    if not ids:
        for token in re.split(r"[\s,;]+", raw):
            token = token.strip("<>\"'()[]")
            if "@" in token:
                ids.append(f"<{token[:990]}>")
    return list(dict.fromkeys(ids))


ADDRESS = re.compile(r"[^\s@<>()\[\],;:\"\\]+@[\w-]+(?:\.[\w-]+)*")


def valid_address(address: str) -> bool:
    return bool(ADDRESS.fullmatch(address)) and len(address) <= 320


def addresses(raw_values: list[str]) -> list[tuple[str, str]]:
    """(decoded display name, lower-case address) pairs; invalid addresses left out.
    Decoding defects are not repeated here: every header is decoded for ``headers`` too."""
    values = [FOLD.sub("", fix_8bit(v, [], ""))[: limits.MAX_HEADER_CHARS] for v in raw_values]
    result = []
    for name, address in getaddresses(values):
        address = one_line(address).lower()
        if valid_address(address):
            result.append((one_line(decode_words(name, [], "")), address))
    return result


def parse_date(raw: str) -> datetime.datetime | None:
    try:
        value = parsedate_to_datetime(one_line(raw))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


# --- filenames -----------------------------------------------------------------------------

MIME_TYPES = mimetypes.MimeTypes()  # the built-in table only: the same answer on every machine
for _type, _ext in {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.ms-outlook": ".msg",
    "text/calendar": ".ics",
    "image/heic": ".heic",
    "application/ms-tnef": ".dat",
    "application/vnd.ms-tnef": ".dat",
}.items():
    MIME_TYPES.add_type(_type, _ext)
_PREFERRED_EXTENSION = {"image/jpeg": "jpg", "text/plain": "txt", "message/rfc822": "eml", "message/global": "eml"}
_GENERIC_EXTENSION = {"text": "txt", "message": "txt"}
_WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com\d|lpt\d)", re.IGNORECASE)


def extension_for(content_type: str) -> str:
    if content_type in _PREFERRED_EXTENSION:
        return _PREFERRED_EXTENSION[content_type]
    guessed = MIME_TYPES.guess_extension(content_type)
    if guessed:
        return guessed.lstrip(".")
    return _GENERIC_EXTENSION.get(content_type.partition("/")[0], "bin")


def safe_filename(name: str | None) -> str:
    """A decoded filename made safe to store: last path part only, no control or bidi
    characters, no leading dots, at most ``limits.MAX_FILENAME_CHARS`` (extension kept); "" when
    nothing usable is left."""
    if not name:
        return ""
    name = unicodedata.normalize("NFC", SURROGATES.sub("", name[:2000]))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    name = re.sub(r'[<>:"|?*]', "_", name).strip(" .\t")
    if not name:
        return ""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16 or " " in ext:
        stem, ext = name, ""
    if _WINDOWS_RESERVED.fullmatch(stem):
        stem = "_" + stem
    budget = limits.MAX_FILENAME_CHARS - (len(ext) + 1 if ext else 0)
    stem = stem[:budget].rstrip(" .") or "bilaga"
    return f"{stem}.{ext}" if ext else stem


# --- HTML to text ----------------------------------------------------------------------------


class _HTMLText(HTMLParser):
    _SKIP = frozenset({"script", "style", "head", "title", "template"})
    _PARAGRAPH = frozenset({"p", "table", "blockquote", "ul", "ol", "dl", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})
    _LINE = frozenset({"div", "li", "tr", "dt", "dd", "hr", "section", "article", "header", "footer", "address"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.newlines = 2  # no blank lines at the start

    def _break(self, count: int) -> None:
        while self.newlines < count:
            self.out.append("\n")
            self.newlines += 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.skip = 0  # an unclosed <head>
        elif tag in self._SKIP:
            self.skip += 1
        elif tag == "br":
            self.out.append("\n")
            self.newlines += 1
        elif tag in self._PARAGRAPH:
            self._break(2)
        elif tag in self._LINE:
            self._break(1)
        elif tag in ("td", "th") and self.newlines == 0:
            self.out.append("\t")
        if tag == "pre":
            self.pre += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self._SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self._PARAGRAPH:
            self._break(2)
        elif tag in self._LINE:
            self._break(1)
        if tag == "pre":
            self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if not self.pre:
            data = re.sub(r"\s+", " ", data.replace("\xa0", " "))
            if self.newlines:
                data = data.lstrip(" ")
        if data:
            self.out.append(data)
            self.newlines = 0 if not data.endswith("\n") else 1


def html_to_text(markup: str) -> str:
    """Readable text of an HTML body: script/style/head dropped, line breaks kept for
    p, br, div, li, tr (and the like), entities resolved."""
    parser = _HTMLText()
    try:
        parser.feed(markup)
        parser.close()
        text = "".join(parser.out)
    except Exception:  # html.parser is lenient; this is a last resort
        text = re.sub(r"<[^>]*>", " ", markup)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()
