"""Who is told about a case, in the app and (when they have an address) by e-mail through the task worker.

Escalation handlers arrive as role names from the ladder (``巷长``, ``街道（镇）``…); they are
resolved against the staff register for the case's own grid, alley, street and subdistrict. A
message nobody could be found for goes to the supervisors' shared inbox instead of vanishing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse

from cms.models import StaffMember, StaffRole
from cms.units import UnitKind

from .handlers import deciders, roles_for_handler
from .models import Assignment, Case, Escalation, Notification


def _staff_for_role(case: Case, role: str, assignments: Sequence[Assignment]) -> Q | None:
    """The filter for staff of ``role`` responsible for this case's area, or None if the area is unknown."""
    if role in (StaffRole.GRID_WORKER, StaffRole.GRID_LEADER):
        return Q(role=role, grid_id=case.grid_id) if case.grid_id else None
    if role in (StaffRole.ALLEY_STEWARD, StaffRole.ALLEY_CHIEF):
        return Q(role=role, alley_id=case.alley_id) if case.alley_id else None
    if role == StaffRole.STREET_CHIEF:
        return Q(role=role, street_id=case.alley.street_id) if case.alley is not None else None
    if role == StaffRole.COMMUNITY_SECRETARY:
        return Q(role=role, community_id=case.community_id) if case.community_id else None
    if role == StaffRole.SUBDISTRICT_DISPATCHER:
        return Q(role=role, subdistrict_id=case.subdistrict_id) if case.subdistrict_id else None
    if role == StaffRole.DEPARTMENT_OFFICER:
        departments = [a.department_id for a in assignments if a.active and a.department_id]
        return Q(role=role, department_id__in=departments) if departments else None
    if role == StaffRole.SUPERVISOR:
        return Q(role=role)
    return None


def staff_for_handlers(
    case: Case, handlers: Iterable[str], assignments: Sequence[Assignment] | None = None
) -> QuerySet[StaffMember]:
    """Active staff behind the ladder's handler names for this case."""
    assignments = list(case.assignments.all()) if assignments is None else assignments
    query = Q(pk__in=[])
    for name in handlers:
        for role in roles_for_handler(name):
            q = _staff_for_role(case, role, assignments)
            if q is not None:
                query |= q
    return StaffMember.objects.filter(query, active=True).select_related("user")


def ladder_roll(case: Case, steps: Sequence[tuple[int, str, Sequence[str]]]) -> str:
    """Who stands at each rung, by name: ``第1级“巷长协调”：孔洁（巷长）；第2级…``.

    ``steps`` are (level, name, handler names). One staff query for all rungs; a rung with
    nobody on the register says so, so a jump to 区督办 still shows whom the 巷长/街长 rungs meant.
    Staff come back already limited to the case's area per role, so the role alone places them.
    """
    assignments = list(case.assignments.all())
    staff = list(
        staff_for_handlers(case, [h for _, _, handlers in steps for h in handlers], assignments).order_by("id")
    )
    parts = []
    for level, name, handlers in steps:
        roles = {role for h in handlers for role in roles_for_handler(h)}
        people = [str(s) for s in staff if s.role in roles]
        who = "、".join(people) or "、".join(f"{h}（未登记）" for h in handlers) or "未指定"
        parts.append(f"第{level}级“{name}”：{who}")
    return "；".join(parts)


def _unit_q(case: Case, assignment: Assignment) -> Q:
    return {
        UnitKind.DEPARTMENT: Q(role=StaffRole.DEPARTMENT_OFFICER, department_id=assignment.department_id),
        UnitKind.GRID: Q(role__in=[StaffRole.GRID_LEADER, StaffRole.GRID_WORKER], grid_id=case.grid_id),
        UnitKind.COMMUNITY: Q(role=StaffRole.COMMUNITY_SECRETARY, community_id=case.community_id),
        UnitKind.SUBDISTRICT: Q(role=StaffRole.SUBDISTRICT_DISPATCHER, subdistrict_id=case.subdistrict_id),
    }[UnitKind(assignment.unit_kind)]


def _in_unit(staff: StaffMember, case: Case, assignment: Assignment) -> bool:
    kind = assignment.unit_kind
    if kind == UnitKind.DEPARTMENT:
        return staff.role == StaffRole.DEPARTMENT_OFFICER and staff.department_id == assignment.department_id
    if kind == UnitKind.GRID:
        return staff.role in (StaffRole.GRID_LEADER, StaffRole.GRID_WORKER) and staff.grid_id == case.grid_id
    if kind == UnitKind.COMMUNITY:
        return staff.role == StaffRole.COMMUNITY_SECRETARY and staff.community_id == case.community_id
    return staff.role == StaffRole.SUBDISTRICT_DISPATCHER and staff.subdistrict_id == case.subdistrict_id


def staff_for_unit(case: Case, assignment: Assignment) -> QuerySet[StaffMember]:
    """Active staff of the unit an assignment names."""
    return StaffMember.objects.filter(_unit_q(case, assignment), active=True).select_related("user")


def staff_for_units(case: Case, assignments: Sequence[Assignment]) -> list[list[StaffMember]]:
    """Staff of several units in one query, in the order of ``assignments``."""
    if not assignments:
        return []
    query = Q(pk__in=[])
    for a in assignments:
        query |= _unit_q(case, a)
    staff = list(StaffMember.objects.filter(query, active=True).select_related("user").order_by("id"))
    return [[s for s in staff if _in_unit(s, case, a)] for a in assignments]


@dataclass(frozen=True)
class Delivery:
    """One message for a group of people; ``fallback_label`` names them when nobody is found."""

    staff: Iterable[StaffMember]
    message: str
    fallback_label: str = ""
    escalation: Escalation | None = None


def notify(
    case: Case,
    staff: Iterable[StaffMember],
    *,
    kind: str,
    message: str,
    at: datetime,
    fallback_label: str = "",
    escalation: Escalation | None = None,
) -> list[Notification]:
    """One notification per person; nobody found → one for the supervisors' shared inbox."""
    return notify_all(case, [Delivery(staff, message, fallback_label, escalation)], kind=kind, at=at)


def notify_deciders(case: Case, *, kind: str, message: str, at: datetime) -> list[Notification]:
    """Tell the case's deciders (``cases.handlers.deciders``): the subdistrict, or 区督办."""
    handlers = deciders(case)
    return notify(
        case, staff_for_handlers(case, handlers), kind=kind, message=message, at=at, fallback_label="、".join(handlers)
    )


def notify_all(case: Case, deliveries: Sequence[Delivery], *, kind: str, at: datetime) -> list[Notification]:
    """Several messages written in one insert; each person also gets it in their inbox (``notify``)
    and by e-mail when they have an address, sent by the task worker after commit."""
    rows: list[Notification] = []
    for delivery in deliveries:
        people = list({s.pk: s for s in delivery.staff}.values())
        message = delivery.message[:500]
        common = {"case": case, "escalation": delivery.escalation, "kind": kind, "message": message, "created_at": at}
        if people:
            rows += [Notification(recipient=s.user, staff=s, recipient_label=str(s), **common) for s in people]
        else:
            label = f"未找到接收人：{delivery.fallback_label}" if delivery.fallback_label else "未找到接收人"
            rows.append(Notification(recipient=None, staff=None, recipient_label=label, **common))
    created = Notification.objects.bulk_create(rows)
    _deliver(case, created)
    return created


def _deliver(case: Case, rows: Sequence[Notification]) -> None:
    """One notice per channel per row; the row id in the key makes a retried workflow send nothing new."""
    from notify.services import Message, Outgoing, send_many

    by_email = getattr(settings, "CASES_NOTIFY_BY_EMAIL", True)
    url = f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{reverse('cases_detail', args=[case.pk])}"
    outgoing = []
    for row in rows:
        user = row.staff.user if row.staff is not None and row.staff.user_id else row.recipient
        if user is None:
            continue
        message = Message(
            body=f"{row.message}\n工单号：{case.ticket_number}\n诉求内容：{case.text[:200]}",
            subject=f"[{case.ticket_number}] {row.message}"[:150],
            kind=f"case_{row.kind}",
            url=url,
        )
        outgoing.append(Outgoing(message, key=f"case-notification-{row.pk}", recipient=user))
        if by_email and user.email:
            outgoing.append(
                Outgoing(message, key=f"case-notification-{row.pk}-email", channel="email", address=user.email)
            )
    send_many(outgoing)


def inbox(user: Any) -> QuerySet[Notification]:
    """A user's notifications; supervisors also see the ones nobody else could be found for."""
    from .permissions import actor_for

    q = Q(recipient=user) | Q(staff__user=user)
    if actor_for(user).is_supervisor:
        q |= Q(recipient__isnull=True, staff__isnull=True)
    return Notification.objects.filter(q).select_related("case")
