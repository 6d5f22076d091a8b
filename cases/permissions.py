"""Who is acting, what they may see and what they may do: row-level rules from ``StaffMember`` links.

A department officer sees the cases assigned to their department, grid staff their grid's,
a dispatcher their subdistrict's, alley and street chiefs their alley's and street's;
supervisors and superusers see everything. ``visible_cases`` is the one queryset every surface uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from cms.models import StaffMember, StaffRole
from cms.units import UnitKind

from .models import Assignment, Case, CaseStatus

GRID_ROLES = frozenset({StaffRole.GRID_LEADER, StaffRole.GRID_WORKER})


@dataclass(frozen=True)
class Actor:
    """The person behind an action; ``user is None`` means the system itself (intake, tasks)."""

    user: Any | None
    staff: StaffMember | None

    @property
    def is_system(self) -> bool:
        return self.user is None

    @property
    def is_superuser(self) -> bool:
        return bool(self.user is not None and self.user.is_active and self.user.is_superuser)

    @property
    def role(self) -> str | None:
        return self.staff.role if self.staff else None

    @property
    def is_supervisor(self) -> bool:
        return self.is_superuser or self.role == StaffRole.SUPERVISOR

    @property
    def label(self) -> str:
        if self.user is None:
            return "系统"
        if self.staff is not None:
            return f"{self.staff.name}（{self.staff.get_role_display()}）"
        return str(self.user.get_full_name() or self.user.get_username())


SYSTEM = Actor(None, None)


def actor_for(user: Any | None) -> Actor:
    """The actor for a user: their active staff record, if any, carries role and area."""
    if user is None:
        return SYSTEM
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Actor(user, None)
    staff = (
        StaffMember.objects.filter(user=user, active=True)
        .select_related("department", "grid", "alley__street", "street", "community", "subdistrict")
        .first()
    )
    return Actor(user, staff)


def visible_cases(user: Any | None, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The cases this user may see; everything else is as if it did not exist."""
    qs = queryset if queryset is not None else Case.objects.all()
    actor = user if isinstance(user, Actor) else actor_for(user)
    if actor.user is None or not getattr(actor.user, "is_authenticated", False):
        return qs.none()
    if actor.is_supervisor:
        return qs
    staff = actor.staff
    if staff is None:
        return qs.none()
    role = staff.role
    if role == StaffRole.DEPARTMENT_OFFICER and staff.department_id:
        assigned = Assignment.objects.filter(department_id=staff.department_id).values("case_id")
        return qs.filter(pk__in=assigned)
    if role in GRID_ROLES and staff.grid_id:
        return qs.filter(grid_id=staff.grid_id)
    if role == StaffRole.SUBDISTRICT_DISPATCHER and staff.subdistrict_id:
        return qs.filter(
            Q(subdistrict_id=staff.subdistrict_id) | Q(subdistrict__isnull=True, status=CaseStatus.PENDING_DISPATCH)
        )
    if role == StaffRole.COMMUNITY_SECRETARY and staff.community_id:
        return qs.filter(community_id=staff.community_id)
    if role in (StaffRole.ALLEY_CHIEF, StaffRole.ALLEY_STEWARD) and staff.alley_id:
        return qs.filter(alley_id=staff.alley_id)
    if role == StaffRole.STREET_CHIEF and staff.street_id:
        return qs.filter(alley__street_id=staff.street_id)
    return qs.none()


def can_dispatch(actor: Actor, case: Case) -> bool:
    """Dispatching, redispatching, callbacks and closing: the subdistrict's dispatcher or a supervisor."""
    if actor.is_system or actor.is_supervisor:
        return True
    staff = actor.staff
    return bool(
        staff
        and staff.role == StaffRole.SUBDISTRICT_DISPATCHER
        and (case.subdistrict_id is None or staff.subdistrict_id == case.subdistrict_id)
    )


def acts_for(actor: Actor, assignment: Assignment, case: Case) -> bool:
    """Whether the actor belongs to the unit an assignment names (superusers may act for any)."""
    if actor.is_superuser:
        return True
    staff = actor.staff
    if staff is None:
        return False
    kind = assignment.unit_kind
    if kind == UnitKind.DEPARTMENT:
        return staff.role == StaffRole.DEPARTMENT_OFFICER and staff.department_id == assignment.department_id
    if kind == UnitKind.GRID:
        return staff.role in GRID_ROLES and case.grid_id is not None and staff.grid_id == case.grid_id
    if kind == UnitKind.COMMUNITY:
        return (
            staff.role == StaffRole.COMMUNITY_SECRETARY
            and case.community_id is not None
            and staff.community_id == case.community_id
        )
    if kind == UnitKind.SUBDISTRICT:
        return (
            staff.role == StaffRole.SUBDISTRICT_DISPATCHER
            and case.subdistrict_id is not None
            and staff.subdistrict_id == case.subdistrict_id
        )
    return False
