"""Who acts in ``cases.services`` when the request comes over the API.

A partner key acting for a department acts as that department's officer (an unsaved staff record:
it carries the role and the department, and a label for the audit timeline).
Residents act through ``cases.resident``.
"""

from __future__ import annotations

from dataclasses import dataclass

from cases.permissions import Actor
from cms.models import Department, StaffMember, StaffRole


@dataclass(frozen=True)
class PartnerActor(Actor):
    display: str = ""

    @property
    def is_system(self) -> bool:
        return False

    @property
    def label(self) -> str:
        return self.display


def department_actor(partner: str, department: Department) -> PartnerActor:
    staff = StaffMember(
        name=f"{partner}（接口）",
        role=StaffRole.DEPARTMENT_OFFICER,
        department=department,
    )
    return PartnerActor(user=None, staff=staff, display=f"{department.name}·{partner}（接口）")
