"""The one access mechanism of Ester.

Every scoped row belongs, directly or through its parent, to a customer (and
later to the team that handles it); reference data (areas, processes,
services, prices) belongs to an area.  A model declares how to get from its
rows there with an :class:`AccessPolicy`, and ``Model.objects.visible_to(user,
action)`` compiles the user's role assignments into one SQL filter — a
sub-select over role assignments, never a Python list of ids.

Interface code fetches single objects through ``access_object`` (wrapped as
``access_<entity>`` in each app's selectors); missing and forbidden both
answer 404, so nobody learns that a row of another customer exists.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, cast

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ester.accounts.models import User


class Action(models.TextChoices):
    VIEW = "view", _("Visa")
    #: Work on a case: note, reply, assign, return, close … (handlers of its team, managers above it).
    HANDLE = "handle", _("Handlägga")
    CHANGE = "change", _("Ändra")
    ADMIN = "admin", _("Administrera")


class Role(models.TextChoices):
    HANDLER = "handlaggare", _("Handläggare")
    UNIT_MANAGER = "enhetschef", _("Enhetschef")
    HEAD_OF_AREA = "verksamhetschef", _("Verksamhetschef")
    CONTROLLER = "controller", _("Controller")
    SYSADMIN = "systemadministrator", _("Systemadministratör")
    CUSTOMER_CONTACT = "kundkontakt", _("Kundkontakt")


#: What each role may do inside its scope.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.HANDLER: frozenset({Action.VIEW, Action.HANDLE}),
    Role.UNIT_MANAGER: frozenset({Action.VIEW, Action.HANDLE, Action.CHANGE}),
    Role.HEAD_OF_AREA: frozenset({Action.VIEW, Action.HANDLE, Action.CHANGE}),
    Role.CONTROLLER: frozenset({Action.VIEW}),
    Role.SYSADMIN: frozenset({Action.VIEW, Action.HANDLE, Action.CHANGE, Action.ADMIN}),
    Role.CUSTOMER_CONTACT: frozenset({Action.VIEW}),
}
STAFF_ROLES = frozenset(r for r in Role.values if r != Role.CUSTOMER_CONTACT)


def roles_allowing(action: str) -> list[str]:
    return sorted(role for role, actions in ROLE_ACTIONS.items() if action in actions)


@dataclass(frozen=True)
class AccessPolicy:
    """How a model's rows are scoped.

    ``customer``: lookup path from the row to its ``Customer`` (``""`` for
    the customer itself).  ``area``: lookup path to the ``Area`` that owns
    reference data (``None`` with no customer either: organisation-wide
    reference data that only global roles change).  ``unit``: for units and
    teams, the path to the ``Unit`` — a unit manager changes their own unit's
    rows as a head of area changes the area's.  ``public_to_contacts``: reference data that customer
    contacts may read (the service catalogue and prices are public to every
    department).  ``team``: for work routed to a team (cases), the path to
    that ``Team`` — a handler then sees the rows of their own team and of
    queues lent to it, not everything of the customers the team handles.
    ``internal_field``: a boolean field whose true rows (internal notes)
    customer contacts never see.
    """

    customer: str | None = None
    team: str | None = None
    area: str | None = None
    unit: str | None = None
    public_to_contacts: bool = False
    internal_field: str | None = None


def _prefix(path: str, field: str) -> str:
    return f"{path}__{field}" if path else field


def _active_assignments(user: User, action: str, today: datetime.date | None = None) -> models.QuerySet[Any]:
    RoleAssignment = apps.get_model("organisation", "RoleAssignment")
    today = today or timezone.localdate()
    return RoleAssignment.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today),
        user_id=user.pk,
        role__in=roles_allowing(action),
        valid_from__lte=today,
    )


class _UserScope:
    """Facts about one user's scope that cost one query each, cached on the user."""

    def __init__(self, user: User) -> None:
        self.user = user
        self._cache: dict[tuple[str, str], bool] = {}

    def _flag(self, key: tuple[str, str], compute: Any) -> bool:
        if key not in self._cache:
            self._cache[key] = bool(compute())
        return self._cache[key]

    def is_global(self, action: str) -> bool:
        if self.user.is_superuser:
            return True
        return self._flag(
            ("global", action),
            lambda: (
                _active_assignments(self.user, action)
                .filter(area__isnull=True, unit__isnull=True, team__isnull=True, customer__isnull=True)
                .exists()
            ),
        )

    def has_staff_role(self, action: str) -> bool:
        if self.user.is_superuser:
            return True
        return self._flag(
            ("staff", action),
            lambda: _active_assignments(self.user, action).filter(role__in=STAFF_ROLES).exists(),
        )

    def has_any_role(self, action: str) -> bool:
        if self.user.is_superuser:
            return True
        return self._flag(("any", action), lambda: _active_assignments(self.user, action).exists())


def user_scope(user: User) -> _UserScope:
    scope = getattr(user, "_ester_scope", None)
    if scope is None:
        scope = _UserScope(user)
        user._ester_scope = scope  # type: ignore[attr-defined]
    return scope


def forget_scope(user: Any) -> None:
    """Drop the per-user cache (after role assignments change in the same request)."""
    if hasattr(user, "_ester_scope"):
        del user._ester_scope


def visible_team_q(user: User, action: str, team: str, customer: str) -> Q:
    """A Q over team-routed rows: the user's teams (and queues lent to them), the
    units and areas above those teams, and — for customer contacts and customer
    managers — the customer's rows."""
    today = timezone.localdate()
    ra = _active_assignments(user, action, today)
    by_team = ra.filter(team__isnull=False).values("team_id")
    by_unit = ra.filter(unit__isnull=False).values("unit_id")
    by_area = ra.filter(area__isnull=False).values("area_id")
    # Every path is "column IN (sub-select)" on the row's own team and customer columns — no
    # join to teams, units or customers in the row's query, which planners otherwise weave
    # into the plan of a queue or a search (a merge join that multiplied rows by units).
    Team = apps.get_model("organisation", "Team")
    Customer = apps.get_model("organisation", "Customer")
    Unit = apps.get_model("organisation", "Unit")
    units_of_areas = Unit.objects.filter(area_id__in=by_area).values("pk")
    q = (
        Q(**{f"{team}__in": by_team})
        | Q(**{f"{team}__in": Team.objects.filter(Q(unit_id__in=by_unit) | Q(unit_id__in=units_of_areas)).values("pk")})
        | Q(**{f"{customer}__in": ra.filter(customer__isnull=False).values("customer_id")})
        | Q(
            **{
                f"{customer}__in": Customer.objects.filter(
                    Q(responsible_unit_id__in=by_unit) | Q(responsible_unit_id__in=units_of_areas)
                ).values("pk")
            }
        )
    )
    if apps.is_installed("ester.cases"):
        QueueLoan = apps.get_model("cases", "QueueLoan")
        lent = QueueLoan.objects.filter(borrower_id__in=by_team, start__lte=today, end__gte=today).values("team_id")
        q |= Q(**{f"{team}__in": lent})
    return q


def visible_customers_q(user: User, action: str, path: str = "") -> Q:
    """A Q over rows whose customer (at ``path``) the user may ``action``."""
    Customer = apps.get_model("organisation", "Customer")
    HandlingAssignment = apps.get_model("organisation", "HandlingAssignment")
    today = timezone.localdate()
    ra = _active_assignments(user, action, today)
    by_team = ra.filter(team__isnull=False).values("team_id")
    by_unit = ra.filter(unit__isnull=False).values("unit_id")
    by_area = ra.filter(area__isnull=False).values("area_id")
    handled = HandlingAssignment.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today),
        Q(team_id__in=by_team) | Q(team__unit_id__in=by_unit) | Q(team__unit__area_id__in=by_area),
        valid_from__lte=today,
    ).values("customer_id")
    customer_q = (
        Q(pk__in=ra.filter(customer__isnull=False).values("customer_id"))
        | Q(pk__in=handled)
        | Q(responsible_unit_id__in=by_unit)
        | Q(responsible_unit__area_id__in=by_area)
    )
    if path == "":
        return customer_q
    return Q(**{f"{path}__in": Customer.objects.filter(customer_q).values("pk")})


M = TypeVar("M", bound=models.Model, covariant=True)


class ScopedQuerySet(models.QuerySet[M], Generic[M]):
    """QuerySet with ``visible_to`` — the only way interface code reads scoped rows."""

    def valid_on(self, day: datetime.date) -> Self:
        """Rows valid on ``day`` (models with ``valid_from``/``valid_to``)."""
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day)

    def visible_to(self, user: User | AnonymousUser | None, action: str = Action.VIEW) -> Self:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        policy: AccessPolicy | None = getattr(self.model, "access", None)
        if policy is None:
            raise TypeError(f"{self.model.__name__} has no AccessPolicy; it cannot be read through visible_to()")
        scope = user_scope(user)  # type: ignore[arg-type]
        if scope.is_global(action):
            return self.all()
        if policy.customer is not None:
            if policy.team is not None:
                rows = self.filter(visible_team_q(user, action, policy.team, policy.customer))  # type: ignore[arg-type]
            else:
                rows = self.filter(visible_customers_q(user, action, policy.customer))  # type: ignore[arg-type]
            if policy.internal_field and not scope.has_staff_role(Action.VIEW):
                rows = rows.filter(**{policy.internal_field: False})
            return rows  # type: ignore[arg-type]
        # Reference data: every staff member may read it, customer contacts
        # only what is public to them; changing it takes a role on its area.
        if action == Action.VIEW:
            if scope.has_staff_role(action) or (policy.public_to_contacts and scope.has_any_role(action)):
                return self.all()
            return self.none()
        if policy.area is None:
            return self.none()  # organisation-wide reference data: global roles only
        assignments = _active_assignments(user, action)  # type: ignore[arg-type]
        areas = assignments.filter(area__isnull=False).values("area_id")
        condition = Q(**{_prefix(policy.area, "id__in") if policy.area else "pk__in": areas})
        if policy.unit is not None:
            units = assignments.filter(unit__isnull=False).values("unit_id")
            condition |= Q(**{_prefix(policy.unit, "id__in") if policy.unit else "pk__in": units})
        return self.filter(condition)


# Module-level ``from_queryset`` is the form the django-stubs plugin understands:
# ``Model.objects`` and related managers are then typed with ``visible_to`` and
# ``valid_on``, and every queryset method returns ``ScopedQuerySet[Model]``.
_ScopedManagerBase = models.Manager.from_queryset(ScopedQuerySet)


class ScopedManager(_ScopedManagerBase[M]):
    pass


def access_object(model_or_qs: type[M] | models.QuerySet[M], user: Any, pk: Any, action: str = Action.VIEW) -> M:
    """Fetch one row the user may ``action``; 404 when missing *or* forbidden."""
    qs = model_or_qs if isinstance(model_or_qs, models.QuerySet) else model_or_qs._default_manager.all()
    scoped = cast("ScopedQuerySet[M]", qs)  # scoped models' managers and querysets are ScopedQuerySets
    try:
        return scoped.visible_to(user, action).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):  # get() raises the model's DoesNotExist
        raise Http404 from None


def can(user: Any, obj: models.Model, action: str) -> bool:
    """Whether ``user`` may ``action`` on ``obj`` (one query; for showing buttons)."""
    if user is None or not user.is_authenticated:
        return False
    scoped = cast("ScopedQuerySet[models.Model]", type(obj)._default_manager.all())
    return scoped.visible_to(user, action).filter(pk=obj.pk).exists()


def contact_customer_ids(user: Any) -> list[int] | None:
    """The customers a user sees *only* through customer-scoped roles (a customer's contacts),
    or None when the user's scope is anything wider (staff, global roles). For reads that
    can start from those customers' rows; the rows are still filtered by ``visible_to``."""
    if user is None or not user.is_authenticated or user.is_superuser:
        return None
    assignments = _active_assignments(user, Action.VIEW)
    if assignments.filter(customer__isnull=True).exists():
        return None
    return sorted(set(assignments.values_list("customer_id", flat=True))) or None


def is_staff_user(user: Any) -> bool:
    return bool(user and user.is_authenticated and user_scope(user).has_staff_role(Action.VIEW))


def is_customer_contact(user: Any) -> bool:
    return bool(user and user.is_authenticated and not is_staff_user(user) and user_scope(user).has_any_role(Action.VIEW))
