"""Helpers shared by the case services: the timeline line every change writes, the
saved-fields rule, and the checks that a case may be worked on.

Every change to a case is a timeline event (immutable, :class:`~ester.cases.models.CaseEvent`)
written with ``_event`` in the same transaction; ``at`` defaults to ``clock.now()``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _

from ester.accounts.models import User
from ester.cases.models import Case, CaseEvent
from ester.core import clock
from ester.core.access import Action
from ester.core.services import require, require_permission


def _event(
    case: Case,
    kind: str,
    *,
    actor: Any,
    text: str = "",
    internal: bool = False,
    at: datetime.datetime | None = None,
    **payload: Any,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or clock.now(),
        text=text,
        internal=internal,
        payload=payload,
    )


def _save(case: Case, *fields: str) -> None:
    case.save(update_fields=[*fields, "updated_at"])


def _require_handler(actor: User | None, case: Case) -> None:
    """Services check authority too (views check first): working on a case takes the HANDLE
    action on it. ``actor=None`` is the system itself (intake, sweeps)."""
    require_permission(actor, case, Action.HANDLE)


def _require_open(case: Case) -> None:
    require(
        case.is_open,
        _("Ärendet %(number)s är %(status)s. Återöppna det först.")
        % {"number": case.number, "status": case.get_status_display().lower()},
    )


def _mark_first_response(case: Case, at: datetime.datetime) -> list[str]:
    if case.first_response_at is None:
        case.first_response_at = at
        return ["first_response_at"]
    return []
