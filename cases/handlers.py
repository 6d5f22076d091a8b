"""The handler names of the escalation ladder (``rules.json``) and the staff roles each one means.

Also who decides for a case that no unit answers for: the subdistrict (街道（镇）), or 区督办人员
while the case has no subdistrict yet (a case from the manual queue).
"""

from __future__ import annotations

from cms.models import StaffRole

from .models import Case

SUBDISTRICT = "街道（镇）"
SUPERVISORS = "区督办人员"

HANDLER_ROLES: dict[str, tuple[str, ...]] = {
    "网格员": (StaffRole.GRID_WORKER,),
    "网格长": (StaffRole.GRID_LEADER,),
    "小巷管家": (StaffRole.ALLEY_STEWARD,),
    "巷长": (StaffRole.ALLEY_CHIEF,),
    "街长": (StaffRole.STREET_CHIEF,),
    "社区书记": (StaffRole.COMMUNITY_SECRETARY,),
    SUBDISTRICT: (StaffRole.SUBDISTRICT_DISPATCHER,),
    "街道": (StaffRole.SUBDISTRICT_DISPATCHER,),
    "街道吹哨调度员": (StaffRole.SUBDISTRICT_DISPATCHER,),
    "报到部门": (StaffRole.DEPARTMENT_OFFICER,),
    "部门办理人员": (StaffRole.DEPARTMENT_OFFICER,),
    SUPERVISORS: (StaffRole.SUPERVISOR,),
}


def roles_for_handler(name: str) -> tuple[str, ...]:
    if name in HANDLER_ROLES:
        return HANDLER_ROLES[name]
    if "督办" in name:
        return (StaffRole.SUPERVISOR,)
    return ()


def deciders(case: Case) -> list[str]:
    """Who approves requests and hears about a stopped clock or a manual queue for this case."""
    return [SUBDISTRICT] if case.subdistrict_id else [SUPERVISORS]
