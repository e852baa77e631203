"""The handler workspace: queues, a case's page with its actions, and phone calls.

Thin views: parse the request, fetch through ``access_case`` and selectors,
write through services, render.  Every page is staff-only; a case the user may
not see answers 404 whether it exists or not.  Read-only roles (controllers)
see cases but get 403 for any action on them.  Each action is a POST to its
own URL; a service's Swedish ValidationError is shown on the case's page next
to the form, success redirects back with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from ester.cases import selectors, services
from ester.cases.choices import CaseChannel, CaseStatus, EventKind
from ester.cases.forms import (
    AssignForm,
    CloseForm,
    HandOverForm,
    NoteForm,
    PhoneForm,
    PhoneNoteForm,
    PriorityForm,
    ReopenForm,
    ReplyForm,
    ReturnForm,
    VoidForm,
)
from ester.cases.models import Case
from ester.core.decorators import staff_required
from ester.core.forms import submit as _submit
from ester.core.ui import paginate, render_page_or_partial
from ester.core.ui import request_actor as _actor

if TYPE_CHECKING:
    from ester.accounts.models import User

PER_PAGE = 50

#: Badge class and wording per clock state: the words carry the meaning, colour only repeats it.
CLOCK_BADGES: dict[str, tuple[str, Any]] = {
    "ok": ("badge-ok", gettext_lazy("i tid")),
    "warning": ("badge-warn", gettext_lazy("snart")),
    "breached": ("badge-bad", gettext_lazy("försenat")),
    "paused": ("badge-muted", gettext_lazy("pausad")),
    "met": ("badge-ok", gettext_lazy("klart i tid")),
    "missed": ("badge-bad", gettext_lazy("klart för sent")),
}


def _badge(case: Any) -> None:
    """Set ``badge_class`` and ``badge_text`` from the case's ``clock`` (see selectors.with_clocks)."""
    clock = getattr(case, "clock", None)
    if clock is None:
        case.badge_class, case.badge_text = "", ""
        return
    css, text = CLOCK_BADGES[clock.status]
    case.badge_class, case.badge_text = css, str(text)


def _detail_url(case: Case, anchor: str = "") -> str:
    url = reverse("cases:detail", kwargs={"pk": case.pk})
    return f"{url}#{anchor}" if anchor else url


# --- the workspace ----------------------------------------------------------------------


def _workspace_url(**params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    url = reverse("cases:workspace")
    return f"{url}?{query}" if query else url


@staff_required
@require_safe
def workspace(request: HttpRequest) -> HttpResponseBase:
    """Left the queues with counts, middle the chosen queue (or the quick search's hits)."""
    user = request.user
    q = request.GET.get("q", "").strip()[:100]
    if q:
        found = selectors.case_by_number(user, q)
        if found is not None:
            url = _detail_url(found)
            return HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else redirect(url)
    scope = selectors.workspace_scope(user, request.GET.get("team"))
    default_queue = selectors.DEFAULT_QUEUE if scope.own_team_ids else "alla"
    queue = request.GET.get("ko", default_queue)
    if queue not in selectors.QUEUE_KEYS:
        queue = default_queue
    now = timezone.now()
    counts = selectors.queue_counts(user, scope.team_ids, now)
    cases = selectors.case_search(user, q) if q else selectors.queue_cases(user, queue, scope.team_ids, now)
    page = paginate(request, cases, PER_PAGE)
    rows = selectors.with_clocks(page.object_list, now)
    for case in rows:
        _badge(case)
    team_param = scope.selected.pk if scope.selected is not None else ""
    queues = [
        {
            "key": key,
            "label": label,
            "count": counts[key],
            "url": _workspace_url(ko=key, team=team_param),
            "current": not q and key == queue,
        }
        for key, label in selectors.QUEUES
    ]
    may_take = bool(scope.own_team_ids) or (scope.selected is not None and selectors.may_handle_team(user, scope.selected))
    context = {
        "nav": "cases",
        "scope": scope,
        "queues": queues,
        "queue": queue,
        "queue_label": dict(selectors.QUEUES)[queue],
        "q": q,
        "page_obj": page,
        "cases": rows,
        "team_param": team_param,
        "may_take": may_take,
    }
    return render_page_or_partial(request, "cases/workspace.html", context, partial="workspace")


@staff_required
@require_POST
def take_next(request: HttpRequest) -> HttpResponse:
    """Take the next case (urgent first, then earliest due) from the user's queues or the picked team's."""
    user = _actor(request)
    scope = selectors.workspace_scope(user, request.POST.get("team"))
    if scope.selected is not None:
        if not selectors.may_handle_team(user, scope.selected):
            raise PermissionDenied
        teams = [scope.selected]
    else:
        teams = [team for team in scope.teams if team.pk in scope.own_team_ids]
    back = _workspace_url(team=scope.selected.pk if scope.selected is not None else "")
    if not teams:
        messages.error(request, _("Du har ingen kö att ta ärenden från."))
        return redirect(back)
    case = services.case_take_next(actor=user, teams=teams)
    if case is None:
        messages.info(request, _("Det finns inga ärenden att ta – kön är tom."))
        return redirect(back)
    messages.success(request, _("Du har tagit ärende %(number)s.") % {"number": case.number})
    return redirect(_detail_url(case))


# --- a case -------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, case: Case, **bound: forms.Form) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    selectors.with_clocks([case], now)
    _badge(case)
    may_handle = selectors.may_handle(user, case)
    context: dict[str, Any] = {
        "nav": "cases",
        "case": case,
        "timeline": selectors.case_timeline(user, case),
        "documents": selectors.case_documents(user, case),
        "return_requests": selectors.case_return_requests(user, case),
        "may_handle": may_handle,
        "is_open": case.is_open,
        "is_waiting": case.status == CaseStatus.WAITING,
        "note_kind": EventKind.NOTE,
        "has_errors": any(form.errors for form in bound.values()),
    }
    if may_handle:
        context.update(
            note_form=bound.get("note_form") or NoteForm(prefix="note"),
            reply_form=bound.get("reply_form") or ReplyForm(prefix="reply"),
            return_form=bound.get("return_form") or ReturnForm(prefix="return", case=case),
            assign_form=bound.get("assign_form") or AssignForm(prefix="assign", user=user, case=case),
            hand_over_form=bound.get("hand_over_form") or HandOverForm(prefix="hand_over", user=user, case=case),
            close_form=bound.get("close_form") or CloseForm(prefix="close"),
            reopen_form=bound.get("reopen_form") or ReopenForm(prefix="reopen"),
            void_form=bound.get("void_form") or VoidForm(prefix="void"),
            priority_form=bound.get("priority_form")
            or PriorityForm(prefix="priority", initial={"priority": case.priority, "urgent": case.urgent}),
        )
    return context


@staff_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.access_case(request.user, pk)
    return render(request, "cases/detail.html", _detail_context(request, case))


@staff_required
@require_safe
def document(request: HttpRequest, pk: int, doc: int) -> FileResponse:
    """A document of the case as it was received (bytes unaltered), as a download."""
    case = selectors.access_case(request.user, pk)
    row = selectors.access_case_document(request.user, case, doc)
    try:
        handle = row.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=row.original_name, content_type=row.content_type)


def _handled_case(request: HttpRequest, pk: int) -> Case:
    """The case of an action: 404 if the user may not see it, 403 if they may only look."""
    case = selectors.access_case(request.user, pk)
    if not selectors.may_handle(request.user, case):
        raise PermissionDenied
    return case


def _case_action(
    request: HttpRequest,
    pk: int,
    *,
    name: str,
    make_form: Callable[[Case], forms.Form],
    call: Callable[[Case, forms.Form, dict[str, Any]], Any],
    message: Callable[[Case, Any], str],
    anchor: str = "",
    back: Callable[[Case], str] | None = None,
) -> HttpResponse:
    """One of the case page's forms: validate, hand to the service, and either show the
    page again with the form's errors or go back to it (or to ``back(case)``) with a message."""
    case = _handled_case(request, pk)
    form = make_form(case)
    ok, result = _submit(form, lambda data: call(case, form, data))
    if not ok:
        case = selectors.access_case(request.user, pk)  # the service may have touched the instance before refusing
        return render(request, "cases/detail.html", _detail_context(request, case, **{f"{name}_form": form}))
    messages.success(request, message(case, result))
    return redirect(back(case) if back is not None else _detail_url(case, anchor))


@staff_required
@require_POST
def note(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        name="note",
        make_form=lambda case: NoteForm(request.POST, prefix="note"),
        call=lambda case, form, d: services.case_add_note(actor=_actor(request), case=case, text=d["text"]),
        message=lambda case, _r: _("Anteckningen är sparad i ärende %(number)s.") % {"number": case.number},
        anchor="tidslinje",
    )


@staff_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        name="reply",
        make_form=lambda case: ReplyForm(request.POST, prefix="reply"),
        call=lambda case, form, d: services.case_reply(actor=_actor(request), case=case, text=d["text"]),
        message=lambda case, _r: _("Svaret i ärende %(number)s är skickat.") % {"number": case.number},
        anchor="tidslinje",
    )


@staff_required
@require_POST
def return_for_completion(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        name="return",
        make_form=lambda case: ReturnForm(request.POST, prefix="return", case=case),
        call=lambda case, form, d: services.case_return_for_completion(
            actor=_actor(request), case=case, reasons=list(d["reasons"]), free_text=d["free_text"]
        ),
        message=lambda case, _r: (
            _("Ärende %(number)s är återsänt för komplettering. Klockan står still tills kunden har kompletterat.")
            % {"number": case.number}
        ),
        anchor="komplettering",
    )


@staff_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    def call(case: Case, form: forms.Form, _d: dict[str, Any]) -> Any:
        return services.case_assign(actor=_actor(request), case=case, assignee=cast(AssignForm, form).chosen_user())

    def message(case: Case, _r: Any) -> str:
        if case.assignee is None:
            return _("Ärende %(number)s ligger i teamets kö.") % {"number": case.number}
        return _("Ärende %(number)s är tilldelat %(user)s.") % {"number": case.number, "user": case.assignee}

    return _case_action(
        request,
        pk,
        name="assign",
        make_form=lambda case: AssignForm(request.POST, prefix="assign", user=request.user, case=case),
        call=call,
        message=message,
    )


@staff_required
@require_POST
def hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    """Lämna över: the case goes, unassigned and with the reason, to another team's queue."""

    def call(case: Case, form: forms.Form, d: dict[str, Any]) -> Any:
        team = cast(HandOverForm, form).chosen_team()
        return services.case_hand_over(actor=_actor(request), case=case, team=team, reason=d["reason"])

    return _case_action(
        request,
        pk,
        name="hand_over",
        make_form=lambda case: HandOverForm(request.POST, prefix="hand_over", user=request.user, case=case),
        call=call,
        message=lambda case, _r: (
            _("Ärende %(number)s är överlämnat till %(team)s och ligger i deras kö.") % {"number": case.number, "team": case.team}
        ),
        back=lambda case: _detail_url(case) if _still_visible(request, case) else _workspace_url(),
    )


def _still_visible(request: HttpRequest, case: Case) -> bool:
    """Whether the user still sees the case (after a handover to a team they do not work in, not)."""
    try:
        selectors.access_case(request.user, case.pk)
    except Http404:
        return False
    return True


@staff_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        name="close",
        make_form=lambda case: CloseForm(request.POST, prefix="close"),
        call=lambda case, form, d: services.case_close(
            actor=_actor(request), case=case, text=d["text"], first_contact_resolved=d["first_contact_resolved"]
        ),
        message=lambda case, _r: _("Ärende %(number)s är avslutat.") % {"number": case.number},
    )


@staff_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        name="reopen",
        make_form=lambda case: ReopenForm(request.POST, prefix="reopen"),
        call=lambda case, form, d: services.case_reopen(actor=_actor(request), case=case, reason=d["reason"]),
        message=lambda case, _r: _("Ärende %(number)s är öppnat igen.") % {"number": case.number},
    )


@staff_required
@require_POST
def priority(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        name="priority",
        make_form=lambda case: PriorityForm(request.POST, prefix="priority"),
        call=lambda case, form, d: services.case_set_priority(
            actor=_actor(request), case=case, priority=d["priority"], urgent=d["urgent"]
        ),
        message=lambda case, _r: _("Prioriteten för %(number)s är ändrad.") % {"number": case.number},
    )


@staff_required
@require_POST
def void(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_action(
        request,
        pk,
        name="void",
        make_form=lambda case: VoidForm(request.POST, prefix="void"),
        call=lambda case, form, d: services.case_void(actor=_actor(request), case=case, reason=d["reason"]),
        message=lambda case, _r: _("Ärende %(number)s är makulerat. Det finns kvar med orsaken.") % {"number": case.number},
    )


# --- phone calls --------------------------------------------------------------------------


def _register_call(actor: User, data: dict[str, Any]) -> Case:
    """A call as a new case (channel telefon): assigned to the one who took it, and
    closed at once when it was resolved at the first contact — all or nothing."""
    with transaction.atomic():
        case = services.case_register(
            actor=actor,
            customer=data["customer"],
            case_type=data["case_type"],
            channel=CaseChannel.PHONE,
            sender_name=data["sender_name"],
            sender_phone=data["sender_phone"],
            subject=data["subject"],
            description=data["description"],
        )
        resolved = data["first_contact_resolved"]
        if (data["assign_to_me"] or resolved) and selectors.may_handle(actor, case):
            services.case_assign(actor=actor, case=case, assignee=actor)
        if resolved:
            services.case_close(actor=actor, case=case, text=data["description"], first_contact_resolved=True)
    return case


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def phone(request: HttpRequest) -> HttpResponse:
    """Register a call: a new case, or — with ``?arende=<number>`` — a note on an existing one."""
    user = _actor(request)
    if not selectors.may_register_calls(user):
        raise PermissionDenied
    posted = request.method == "POST"
    number = ((request.POST if posted else request.GET).get("arende") or "").strip()[:30]
    existing: Case | None = None
    lookup_error = ""
    if number:
        existing = selectors.case_by_number(user, number)
        if existing is None:
            lookup_error = _("Det finns inget ärende med numret %(number)s som du kan se.") % {"number": number}
        elif not selectors.may_handle(user, existing):
            lookup_error = _("Du kan läsa ärende %(number)s men inte anteckna i det.") % {"number": existing.number}
            existing = None
    context: dict[str, Any] = {"nav": "cases", "number": number, "lookup_error": lookup_error, "existing": existing}
    if existing is not None:
        target = existing
        note_form = PhoneNoteForm(request.POST if posted else None, initial={"arende": existing.number})
        if posted:
            ok, _event = _submit(note_form, lambda d: services.case_add_note(actor=user, case=target, text=note_form.note_text()))
            if ok:
                messages.success(request, _("Samtalet är antecknat i ärende %(number)s.") % {"number": target.number})
                return redirect(_detail_url(target, "tidslinje"))
        context["form"] = note_form
        return render(request, "cases/phone.html", context)
    form = PhoneForm(request.POST if posted and not number else None, user=user)
    if form.is_bound:
        ok, case = _submit(form, lambda d: _register_call(user, d))
        if ok:
            if case.status == CaseStatus.CLOSED:
                text = _("Samtalet är registrerat som ärende %(number)s och avslutat – löst vid första kontakten.")
            else:
                text = _("Samtalet är registrerat som ärende %(number)s.")
            messages.success(request, text % {"number": case.number})
            return redirect(_detail_url(case))
    context["form"] = form
    return render(request, "cases/phone.html", context)
