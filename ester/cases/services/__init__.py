"""Writes to cases. Every change is a timeline event (immutable) written in the same transaction.

The flow: ``case_register`` (number, received_at, team from the customer's
handling assignment, lead-time clock) → ``case_assign`` / ``case_take_next``
→ handling (``case_add_note``, ``case_reply``, ``case_return_for_completion``
pauses the clock; ``case_hand_over`` gives it to another team) →
``case_complete_by_customer`` resumes it → ``case_close``.

Time, notifications and reference data go through :mod:`ester.core.clock`:
"now" is ``clock.now()``, notifications are scheduled with
``clock.after_commit`` and calendars and handling teams are read through
``area_calendar`` / ``handling_team_on`` (read once inside ``clock.memoized()``).

The package, by step of the flow (every name below is importable from here):

- :mod:`.registration` — case numbers, the handling team on a day, ``case_register``;
- :mod:`.deadlines` — the area calendar, lead-time policy, pauses and due times;
- :mod:`.assignment` — assign, take next, balanced assignment, the team queue, hand over;
- :mod:`.handling` — notes, replies, priority, close, reopen, void;
- :mod:`.completion` — standard letters, return for completion, the customer's completion;
- :mod:`.links` — links between cases, merge and split;
- :mod:`._common` — the timeline event, saving with ``updated_at`` and the handler/open checks.
"""

from __future__ import annotations

from ester.cases.services._common import _event, _mark_first_response, _require_handler, _require_open, _save
from ester.cases.services.assignment import (
    case_assign,
    case_assign_balanced,
    case_hand_over,
    case_take_next,
    team_queue,
)
from ester.cases.services.completion import (
    DEFAULT_RETURN_BODY,
    DEFAULT_RETURN_SUBJECT,
    case_complete_by_customer,
    case_return_for_completion,
    letter_template,
    render_letter,
)
from ester.cases.services.deadlines import area_calendar, case_pauses, case_recompute_due, due_times, lead_time_policy
from ester.cases.services.handling import case_add_note, case_close, case_reopen, case_reply, case_set_priority, case_void, reopen
from ester.cases.services.links import case_link, case_merge, case_split
from ester.cases.services.registration import case_register, handling_team_on, next_case_number

__all__ = [
    "DEFAULT_RETURN_BODY",
    "DEFAULT_RETURN_SUBJECT",
    "_event",
    "_mark_first_response",
    "_require_handler",
    "_require_open",
    "_save",
    "area_calendar",
    "case_add_note",
    "case_assign",
    "case_assign_balanced",
    "case_close",
    "case_complete_by_customer",
    "case_hand_over",
    "case_link",
    "case_merge",
    "case_pauses",
    "case_recompute_due",
    "case_register",
    "case_reopen",
    "case_reply",
    "case_return_for_completion",
    "case_set_priority",
    "case_split",
    "case_take_next",
    "case_void",
    "due_times",
    "handling_team_on",
    "lead_time_policy",
    "letter_template",
    "next_case_number",
    "render_letter",
    "reopen",
    "team_queue",
]
