"""winmail.dat (TNEF, Outlook's rich-text wrapper): the files inside, through ``tnefparse``.

``tnefparse`` trusts the counts written in the stream and copies the rest of the stream
for every object it reads. A corrupt or hostile winmail.dat could therefore keep a
worker busy for hours: a property count of 2**32 makes it loop 2**32 times (logging a
warning each time), a multi-value count does the same, and 100 000 empty objects make
it copy the stream 100 000 times. ``check`` walks the same structure first, in linear
time over a memoryview, and refuses any count the remaining bytes cannot hold, more
than ``MAX_COPY_BYTES`` of copying, and embedded messages nested deeper than
``MAX_EMBEDDED_DEPTH``. A refused file is kept whole, as when tnefparse fails.
"""

from __future__ import annotations

import re
import struct
from typing import Any

from ester.intake.parse.text import MIME_TYPES, fallback_decode, one_line

MAX_COPY_BYTES = 512 * 1024 * 1024  # what tnefparse's per-object slicing may copy in total
MAX_EMBEDDED_DEPTH = 3
MAX_SKIPPED_PROPERTIES = 16  # properties counted but absent: tnefparse logs one warning each

SIGNATURE = b"\x78\x9f\x3e\x22"
EMBEDDED = b"\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"  # IMessage in ATTACH_DATA_OBJ
_U16 = struct.Struct("<H").unpack_from
_U32 = struct.Struct("<I").unpack_from
# MAPI property types: bytes per value; the variable ones carry a length each.
_FIXED = {
    0x0002: 2,
    0x000B: 2,
    0x0003: 4,
    0x0004: 4,
    0x000A: 4,
    0x0005: 8,
    0x0006: 8,
    0x0007: 8,
    0x0014: 8,
    0x0040: 8,
    0x0048: 16,
}
_VARIABLE = {0x0000, 0x000D, 0x001E, 0x001F, 0x0102}
_ATTACH_DATA_OBJ = 0x3701
_ATTACH_MIME_TAG = 0x370E


class UnsafeTnef(ValueError):
    """The stream would cost tnefparse more than linear time; it is kept whole instead."""


def check(data: bytes | memoryview, depth: int = 0, budget: list[int] | None = None) -> None:
    """Raise ``UnsafeTnef`` unless tnefparse can read ``data`` in about linear time."""
    view = memoryview(data)
    budget = budget if budget is not None else [MAX_COPY_BYTES]
    if depth > MAX_EMBEDDED_DEPTH:
        raise UnsafeTnef("embedded messages nested too deep")
    offset, size = 6, len(view)
    while offset + 12 < size:  # the object loop of tnefparse.TNEF
        budget[0] -= size - offset  # TNEFObject(data[offset:]) copies the rest
        if budget[0] < 0:
            raise UnsafeTnef("too many objects")
        name = _U16(view, offset + 1)[0]
        length = min(size - offset, _U32(view, offset + 5)[0] + 11)
        body = view[offset + 9 : offset + length - 2]
        if name in (0x9003, 0x9005):  # attMAPIProps, attAttachment
            _check_properties(body, 0, depth, budget)
        elif name == 0x9004 and len(body) >= 4:  # attRecipTable: rows of property lists
            at = 4
            for _ in range(_U32(body, 0)[0]):
                if at + 4 > len(body):
                    break
                at = _check_properties(body, at, depth, budget)
        offset += length


def _check_properties(view: memoryview, offset: int, depth: int, budget: list[int]) -> int:
    """Mirror of ``tnefparse.mapi.decode_mapi``'s walk; returns where the list ends."""
    size = len(view)
    if offset + 4 > size:
        return size
    count = _U32(view, offset)[0]
    offset += 4
    for index in range(count):
        if offset >= size:  # tnefparse skips (and logs) each remaining property
            if count - index > MAX_SKIPPED_PROPERTIES:
                raise UnsafeTnef("property count beyond the data")
            return size
        if offset + 4 > size:
            return size
        kind, name = _U16(view, offset)[0], _U16(view, offset + 2)[0]
        offset += 4
        if name >= 0x8000:  # named property: GUID, then an id or a name
            offset += 16
            if offset + 4 > size:
                return size
            named = _U32(view, offset)[0]
            offset += 4
            if named:
                if offset + 4 > size:
                    return size
                length = _U32(view, offset)[0]
                offset += 4 + length + (-length % 4)
            else:
                offset += 4
        multi = bool(kind & 0x1000)
        kind &= ~0x1000
        values = 1
        if multi:
            if offset + 4 > size:
                return size
            values = _U32(view, offset)[0]
            offset += 4
            if values > (size - offset) // _FIXED.get(kind, 4) + 1:
                raise UnsafeTnef("value count beyond the data")
        for _ in range(values or 1):
            if kind in _FIXED:
                offset += _FIXED[kind]
            elif kind in _VARIABLE:
                items = 1
                if not multi:
                    if offset + 4 > size:
                        return size
                    items = _U32(view, offset)[0]
                    offset += 4
                    if items > (size - offset) // 4 + 1:
                        raise UnsafeTnef("value count beyond the data")
                for _ in range(items):
                    if offset + 4 > size:
                        return size
                    length = _U32(view, offset)[0]
                    offset += 4
                    value = view[offset : offset + length]
                    if name == _ATTACH_DATA_OBJ and bytes(value[:16]) == EMBEDDED:
                        check(value[16:], depth + 1, budget)
                    offset += length + (-length % 4)
            else:  # tnefparse raises on an unknown type and stops reading the list
                return size
        if (values or 1) % 2 and kind in (0x0002, 0x000B):
            offset += 2
    return offset


def extract(data: bytes) -> tuple[list[tuple[str, str, bytes]], str | bytes | None]:
    """(name, content type, bytes) of each file in a winmail.dat, and its plain body.
    Raises when the stream is unsafe (``UnsafeTnef``) or unreadable (anything tnefparse raises)."""
    import tnefparse

    check(data)
    container = tnefparse.TNEF(data, do_checksum=False)
    files = [(_name(item), _content_type(item), bytes(item.data or b"")) for item in container.attachments]
    return files, container.body


def _name(item: Any) -> str:
    for getter in (item.long_filename, lambda: item._name):
        try:
            value = getter()
        except Exception:  # tnefparse decodes 8.3 names as UTF-8 and may fail
            value = None
        if isinstance(value, bytes):
            value = fallback_decode(value)[0]
        if isinstance(value, str) and value.strip("\x00 "):
            return one_line(value)
    return ""


def _content_type(item: Any) -> str:
    for attribute in getattr(item, "mapi_attrs", ()):
        if attribute.name == _ATTACH_MIME_TAG:
            value = attribute.data
            value = one_line(value.decode("latin-1") if isinstance(value, bytes) else str(value)).lower()
            if re.fullmatch(r"[\w.+-]+/[\w.+-]+", value):
                return value
    return MIME_TYPES.guess_type(_name(item) or "x.bin")[0] or "application/octet-stream"
