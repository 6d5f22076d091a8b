"""Who acts in ``cases.services`` when the request comes over the API.

A partner key acting for a department acts as that department's officer (an unsaved staff record:
it carries the role and the department, and a label for the audit timeline). A resident who
proved ownership with ticket number and phone records their own rating.
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


@dataclass(frozen=True)
class ResidentActor(Actor):
    """The system recording what the resident said about their own case."""

    @property
    def label(self) -> str:
        return "诉求人（网上评价）"


def department_actor(partner: str, department: Department) -> PartnerActor:
    staff = StaffMember(
        name=f"{partner}（接口）",
        role=StaffRole.DEPARTMENT_OFFICER,
        department=department,
    )
    return PartnerActor(user=None, staff=staff, display=f"{department.name}·{partner}（接口）")


RESIDENT = ResidentActor(user=None, staff=None)
