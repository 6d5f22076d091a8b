"""Admin accounts for the people in the staff register, so that notices reach someone who can log in.

Idempotent: a staff member who already has an account keeps it; new accounts share one password,
taken from the environment (``DEMO_STAFF_PASSWORD``) or generated and returned once to print.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from cms.models import StaffMember, StaffRole

# The admin group (``cases.groups.ROLE_GROUPS``) each role works the cases with.
GROUP_OF_ROLE = {
    StaffRole.GRID_LEADER: "网格员",
    StaffRole.GRID_WORKER: "网格员",
    StaffRole.ALLEY_STEWARD: "网格员",
    StaffRole.ALLEY_CHIEF: "网格员",
    StaffRole.STREET_CHIEF: "网格员",
    StaffRole.COMMUNITY_SECRETARY: "网格员",
    StaffRole.SUBDISTRICT_DISPATCHER: "街道调度员",
    StaffRole.DEPARTMENT_OFFICER: "部门办理人员",
    StaffRole.SUPERVISOR: "区督办",
}
PASSWORD_ENV = "DEMO_STAFF_PASSWORD"  # noqa: S105 (the variable's name, not a password)


@dataclass(frozen=True)
class AccountsResult:
    created: int
    existing: int
    password: str | None  # only when generated here; None when taken from the environment or nothing new
    by_role: dict[str, int]


def username_for(staff: StaffMember, taken: set[str]) -> str:
    """The mobile number staff log in with; a department's duty officer logs in with the department
    code; otherwise (or when already used) ``staff<id>``."""
    phone = "".join(c for c in staff.phone if c.isdigit())
    candidates = [phone] if len(phone) == 11 and phone.startswith("1") else []
    if staff.role == StaffRole.DEPARTMENT_OFFICER and staff.department is not None:
        candidates.append(staff.department.code)
    name = next((c for c in candidates if c not in taken), f"staff{staff.pk}")
    taken.add(name)
    return name


DEMO_SUPERVISOR = "区督办值班员"


@transaction.atomic
def ensure_demo_staff() -> int:
    """The demo register names grid and alley people only: add one duty officer per active department
    and one district supervisor, so that every role can log in. Returns how many were added."""
    from cms.models import Department

    staffed = set(StaffMember.objects.filter(role=StaffRole.DEPARTMENT_OFFICER).values_list("department_id", flat=True))
    new = [
        StaffMember(name=f"{d.name}值班员", phone=d.duty_phone, role=StaffRole.DEPARTMENT_OFFICER, department=d)
        for d in Department.objects.filter(active=True).exclude(pk__in=staffed).order_by("code")
    ]
    if not StaffMember.objects.filter(role=StaffRole.SUPERVISOR).exists():
        new.append(StaffMember(name=DEMO_SUPERVISOR, role=StaffRole.SUPERVISOR))
    StaffMember.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def ensure_staff_accounts(password: str | None = None) -> AccountsResult:
    User = get_user_model()
    missing = list(
        StaffMember.objects.filter(active=True, user__isnull=True).select_related("department").order_by("pk")
    )
    existing = StaffMember.objects.filter(active=True, user__isnull=False).count()
    if not missing:
        return AccountsResult(0, existing, None, {})
    generated = None
    password = password or os.environ.get(PASSWORD_ENV)
    if not password:
        password = generated = secrets.token_urlsafe(9)
    hashed = make_password(password)  # one hash for all: PBKDF2 per account would take minutes
    taken = set(User.objects.values_list("username", flat=True))
    names = [username_for(s, taken) for s in missing]
    User.objects.bulk_create(
        [User(username=n, first_name=s.name[:150], password=hashed) for s, n in zip(missing, names, strict=True)]
    )
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    groups = {g.name: g for g in Group.objects.filter(name__in=set(GROUP_OF_ROLE.values()))}
    links = []
    by_role: dict[str, int] = {}
    for staff, name in zip(missing, names, strict=True):
        staff.user = user = users[name]
        group = groups.get(GROUP_OF_ROLE[StaffRole(staff.role)])
        if group is not None:
            links.append(User.groups.through(user_id=user.pk, group_id=group.pk))
        label = StaffRole(staff.role).label
        by_role[label] = by_role.get(label, 0) + 1
    StaffMember.objects.bulk_update(missing, ["user"])
    User.groups.through.objects.bulk_create(links, ignore_conflicts=True)
    return AccountsResult(len(missing), existing, generated, by_role)
