"""What residents may do with their own case once they prove it is theirs (ticket number + phone).

The resident web pages and the GraphQL API both call these functions, so a rule about
residents lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .errors import CaseNotFound, CaseValidationError, FieldProblem
from .input_safety import check_texts
from .limits import COMMENT_MAX
from .models import Case
from .permissions import Actor
from .services import find_case_for_resident, record_callback


@dataclass(frozen=True)
class ResidentActor(Actor):
    """The system recording what the resident said about their own case."""

    channel_label: str = "网上评价"

    @property
    def label(self) -> str:
        return f"诉求人（{self.channel_label}）"


RESIDENT = ResidentActor(user=None, staff=None)


def rate_case(
    ticket_number: str,
    phone: str,
    *,
    satisfaction: str,
    comment: str = "",
    actor: ResidentActor = RESIDENT,
    now: datetime | None = None,
) -> Case:
    """The resident's rating of a resolved case, recorded as the callback (回访).

    An unknown ticket and a wrong phone raise the same ``CaseNotFound``, so the answer never
    tells a stranger that a ticket exists.
    """
    comment = str(comment or "").strip()
    check_texts(("comment", "意见", comment))
    if len(comment) > COMMENT_MAX:
        raise CaseValidationError([FieldProblem("comment", "too_long", f"意见不能超过{COMMENT_MAX}字。")])
    case = find_case_for_resident(ticket_number, phone)
    if case is None:
        raise CaseNotFound("未找到该工单，请核对工单号和电话。", field="ticket_number")
    return record_callback(case, actor=actor, satisfaction=satisfaction, note=comment, now=now)
