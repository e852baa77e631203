"""What intake does to cases, through the cases app's services, as the system (``actor=None``).

The incoming mail's Message-ID goes on the timeline line that holds the message
(``payload["message_id"]``): the outgoing mail's In-Reply-To/References name the
Message-IDs on the case's timeline, so the customer's mail program threads our
answers under their mail. Intake never links cases of two customers (the
services refuse it for the system): a link row is readable by the contacts of
its first case's customer, which would show them the other customer's number.
"""

from __future__ import annotations

import hashlib
import re

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from ester.cases import services as case_services
from ester.cases.documents import StoredFiles, ValidatedUpload, store_document, validate_upload
from ester.cases.models import Case, CaseDocument, CaseEvent
from ester.cases.services_messages import case_customer_message
from ester.intake.types import Attachment

SYSTEM = None  # the actor of what intake does: nobody in particular


def customer_message(case: Case, text: str, *, message_id: str = "") -> CaseEvent:
    """A message from the customer on ``case``: completes a waiting case, reopens a closed one."""
    payload = {"message_id": message_id} if message_id else None
    return case_customer_message(actor=SYSTEM, case=case, text=text, payload=payload)


def note(case: Case, text: str) -> CaseEvent:
    """An internal line on the timeline (never shown to the customer)."""
    return case_services.case_add_note(actor=SYSTEM, case=case, text=text)


def link_same_customer(case: Case, other: Case, kind: str) -> None:
    """Link two cases of one customer (the services refuse the system a link across customers)."""
    case_services.case_link(actor=SYSTEM, case=case, other=other, kind=kind)


_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def eml_name(subject: str) -> str:
    """A file name for the original message: its subject, made safe, ``.eml``."""
    stem = " ".join(_UNSAFE_IN_NAME.sub(" ", subject or "").split())[:100].strip(" .")
    return f"{stem or _('e-post')}.eml"


def store_original(case: Case, raw: bytes, name: str, written: StoredFiles) -> CaseDocument:
    """The message as received, byte for byte, as a document of ``case``.

    Not through ``validate_upload``: the original is always kept, whatever its size
    or its first bytes look like (a refused attachment inside it is still in it)."""
    checked = ValidatedUpload(
        upload=ContentFile(raw, name=name),
        name=name,
        size=len(raw),
        content_type="message/rfc822",
        sha256=hashlib.sha256(raw).hexdigest(),
    )
    return store_document(actor=None, case=case, checked=checked, written=written)


def store_attachment(case: Case, attachment: Attachment, written: StoredFiles) -> CaseDocument:
    """One attachment as a document of ``case``, through the same checks as an upload
    (raises ``ValidationError`` with a Swedish reason when its type or size is refused)."""
    checked = validate_upload(ContentFile(attachment.data, name=attachment.filename))
    return store_document(actor=None, case=case, checked=checked, written=written)
