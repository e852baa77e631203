"""Intake pages, mounted at ``/inkommande/``: the mailbox status (*Funktionsbrevlådor*),
the intake error list (*Inkorgsfel*) with retry and the original ``.eml``, and scanned post.

Thin views: staff only (customer contacts and users without a role get 404); every row
through ``ester.intake.selectors`` scoped to the user, so a mailbox or message the user
may not see answers 404 whether it exists or not. Trying a message again takes HANDLE on
the mailbox's customer: read-only roles (controllers) see the list but get 403.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ester.core.decorators import staff_required
from ester.core.forms import submit
from ester.core.pii import mask_pii
from ester.core.ui import paginate, render_page_or_partial
from ester.core.ui import request_actor as _actor
from ester.intake import pipeline, scanning, selectors
from ester.intake.forms import MessageFilterForm, ScanUploadForm
from ester.intake.models import IncomingMessage

log = logging.getLogger(__name__)

PER_PAGE = 50
State = IncomingMessage.State

#: Badge class per state: the words carry the meaning, colour only repeats it.
STATE_BADGES = {
    State.PROCESSED: "badge-ok",
    State.THREADED: "badge-ok",
    State.POSSIBLE_REPLY: "badge-warn",
    State.AUTO_REPLY: "badge-muted",
    State.BOUNCE: "badge-muted",
    State.LOOP: "badge-muted",
    State.QUARANTINE: "badge-warn",
    State.FAILED: "badge-bad",
    State.RECEIVED: "badge-muted",
}


def _rows(request: HttpRequest, items: list[IncomingMessage]) -> list[IncomingMessage]:
    """Set what a row shows: masked sender, badge, whether the user may retry it and see its case."""
    user = request.user
    retryable = selectors.retryable_ids(user, [m.pk for m in items])
    cases = selectors.visible_case_ids(user, [m.case_id for m in items if m.case_id])
    for message in items:
        message.sender_masked = mask_pii(message.from_address)  # type: ignore[attr-defined]
        message.subject_masked = mask_pii(message.subject)  # type: ignore[attr-defined]
        message.reason_masked = mask_pii(message.reason)  # type: ignore[attr-defined]
        message.badge_class = STATE_BADGES.get(State(message.state), "badge-muted")  # type: ignore[attr-defined]
        message.may_retry = message.pk in retryable  # type: ignore[attr-defined]
        message.visible_case = message.case if message.case_id in cases else None  # type: ignore[attr-defined]
    return items


# --- mailboxes ------------------------------------------------------------------------------


@staff_required
@require_safe
def mailboxes(request: HttpRequest) -> HttpResponse:
    """Funktionsbrevlådor: per mailbox the user may see, its last poll, waiting messages,
    last error and today's messages by state."""
    boxes = list(selectors.mailboxes(request.user))
    statuses = selectors.mailbox_statuses(request.user, boxes)
    context = {"nav": "intake", "page": "mailboxes", "statuses": statuses, "errors_count": _errors_count(request)}
    return render(request, "intake/mailboxes.html", context)


def _errors_count(request: HttpRequest) -> int:
    return selectors.intake_errors(request.user).count()


@staff_required
@require_safe
def mailbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One mailbox: its status, its routing rules and its messages (newest first, by state)."""
    mailbox = selectors.access_mailbox(request.user, pk)
    form = MessageFilterForm(request.GET or None)
    state = form.state() if form.is_bound else ""
    page = paginate(request, selectors.mailbox_messages(request.user, mailbox, state), PER_PAGE)
    context = {
        "nav": "intake",
        "page": "mailboxes",
        "mailbox": mailbox,
        "status": selectors.mailbox_statuses(request.user, [mailbox])[0],
        "rules": selectors.mailbox_rules(mailbox),
        "form": form,
        "state": state,
        "page_obj": page,
        "messages_list": _rows(request, list(page.object_list)),
        "errors_count": _errors_count(request),
    }
    return render_page_or_partial(request, "intake/mailbox_detail.html", context, partial="messages")


# --- the intake error list ------------------------------------------------------------------


@staff_required
@require_safe
def errors(request: HttpRequest) -> HttpResponse:
    """Inkorgsfel: messages in fel and karantän, newest first, each with its reason and a retry."""
    page = paginate(request, selectors.intake_errors(request.user), PER_PAGE)
    rows = _rows(request, list(page.object_list))
    context = {
        "nav": "intake",
        "page": "errors",
        "page_obj": page,
        "messages_list": rows,
        "errors_count": page.paginator.count,
    }
    return render_page_or_partial(request, "intake/errors.html", context, partial="results")


def retry_message(row: IncomingMessage) -> tuple[str, str]:
    """(level, Swedish text) telling how a retry went."""
    reason = mask_pii(row.reason)
    if row.state == State.FAILED:
        return "error", _("Försöket misslyckades igen: %(reason)s") % {"reason": reason}
    if row.state == State.QUARANTINE:
        return "warning", _("Meddelandet ligger kvar i karantän: %(reason)s") % {"reason": reason}
    return "success", _("Meddelandet är behandlat: %(reason)s") % {"reason": reason}


#: What the row itself says after a retry (the status region above the list has the whole text).
RESULT_IN_ROW = {
    "success": gettext_lazy("Klart – försöket lyckades."),
    "warning": gettext_lazy("Försökt igen – fortfarande kvar."),
    "error": gettext_lazy("Försökt igen – misslyckades."),
}


@staff_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Försök igen: run the pipeline again on the stored original (HANDLE on the mailbox's customer).

    To htmx it answers with the row as it is now and the result in the status region;
    otherwise it goes back to the error list with the result as a message."""
    user = request.user
    incoming = selectors.access_incoming(user, pk)
    if not selectors.may_retry(user, incoming):
        raise PermissionDenied
    try:
        row = pipeline.retry(incoming)
        level, text = retry_message(row)
    except ValidationError as error:  # processed meanwhile
        row, level, text = incoming, "warning", " ".join(error.messages)
    except (OSError, ValueError):
        log.exception("intake: retry of message %s could not read its original", incoming.pk)
        row = incoming
        level = "error"
        text = _("Originalet till meddelandet kunde inte läsas, så det gick inte att försöka igen. Kontakta systemförvaltningen.")
    if getattr(request, "htmx", False):
        fresh = selectors.access_incoming(user, pk)
        context = {
            "message": _rows(request, [fresh])[0],
            "result_level": level,
            "result_text": text,
            "result_short": RESULT_IN_ROW[level],
        }
        return render(request, "intake/errors.html#retry-result", context)
    getattr(messages, level)(request, text)
    return redirect(reverse("intake:errors"))


@staff_required
@require_safe
def original(request: HttpRequest, pk: int) -> FileResponse:
    """The message's original bytes, as a download (never shown in the browser)."""
    incoming = selectors.access_incoming(request.user, pk)
    try:
        handle = incoming.raw.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    received = timezone.localtime(incoming.received_at)
    name = f"meddelande-{incoming.pk}-{received:%Y%m%d-%H%M}.eml"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type="message/rfc822")
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- scanned post ----------------------------------------------------------------------------


def _scan_context(request: HttpRequest, form: ScanUploadForm | None) -> dict[str, Any]:
    page = paginate(request, selectors.scan_batches(request.user), PER_PAGE)
    return {
        "nav": "intake",
        "page": "scans",
        "form": form,
        "page_obj": page,
        "batches": page.object_list,
        "errors_count": _errors_count(request),
    }


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def scans(request: HttpRequest) -> HttpResponseBase:
    """Skannad post: upload PDFs with the arrival stamp's date (each a case), and the batches so far."""
    user = _actor(request)
    may_register = selectors.may_register_scans(user)
    if request.method != "POST":
        form = ScanUploadForm(user=user) if may_register else None
        return render_page_or_partial(request, "intake/scans.html", _scan_context(request, form), partial="batches")
    if not may_register:
        raise PermissionDenied
    form = ScanUploadForm(request.POST, request.FILES, user=user)
    ok, result = submit(form, lambda d: scanning.scans_upload(actor=user, **d))
    if not ok:
        return render(request, "intake/scans.html", _scan_context(request, form))
    seen = {item.pk for item in selectors.scanned_cases(user, [item for _name, item in result.already])}
    for name, item in result.already:
        where = item.case.number if item.pk in seen else _("i ett ärende du inte kan se")
        messages.warning(request, _("”%(name)s” är redan registrerad (%(case)s).") % {"name": name, "case": where})
    if result.batch is None:
        messages.info(request, _("Inga nya ärenden: alla filer var redan registrerade."))
        return redirect(reverse("intake:scans"))
    numbers = ", ".join(item.case.number for item in result.created)
    messages.success(
        request,
        _("%(summary)s Ärendenummer: %(numbers)s.") % {"summary": result.summary(), "numbers": numbers},
    )
    return redirect(reverse("intake:scan-batch", kwargs={"pk": result.batch.pk}))


@staff_required
@require_safe
def scan_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """One batch: its documents the user may see, each with its case."""
    batch = selectors.access_scan_batch(request.user, pk)
    items = list(selectors.scan_batch_items(request.user, batch))
    cases = selectors.visible_case_ids(request.user, [item.case_id for item in items])
    for item in items:
        item.visible_case = item.case if item.case_id in cases else None  # type: ignore[attr-defined]
    context = {"nav": "intake", "page": "scans", "batch": batch, "items": items, "errors_count": _errors_count(request)}
    return render(request, "intake/scan_batch.html", context)
