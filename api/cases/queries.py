"""Case lookups: a resident's own case (ticket number + phone) and a department's assigned case."""

from __future__ import annotations

from typing import Any

import graphene

from api.conf import api_setting
from api.core.errors import InvalidArgument, RateLimited
from api.core.permissions import get_client, require_department
from cases import tracking
from cases.limits import LOOKUP_MAX
from cases.models import Case as CaseModel
from cases.services.lookup import case_queryset
from traffic import ratelimit

from .types import Case

MAX_LOOKUP_CHARS = LOOKUP_MAX


def check_lookup_rate(info: Any) -> None:
    """Lookups per caller, successes included; failures have their own limits (``cases.tracking``)."""
    client = get_client(info)
    outcome = ratelimit.hit(
        f"case:{client.identity}", ratelimit.Rate.parse(api_setting("GRAPHQL_CASE_LOOKUP_RATE_LIMIT"))
    )
    if not outcome.allowed:
        raise RateLimited(outcome.retry_after, f"查询过于频繁，请 {outcome.retry_after} 秒后再试。")


def own_case(info: Any, ticket_number: str, proof: str) -> CaseModel | None:
    """The caller's own case by ticket number and phone or check code; refused after too many misses."""
    check_lookup_rate(info)
    try:
        return tracking.find_own_case(ticket_number, proof, client=get_client(info).identity)
    except tracking.LookupRefused as refused:
        raise RateLimited(refused.retry_after, refused.message) from None


def resident_case(info: Any, ticket_number: str, phone: str) -> CaseModel | None:
    if len(ticket_number) > MAX_LOOKUP_CHARS or len(phone) > MAX_LOOKUP_CHARS:
        raise InvalidArgument("ticketNumber", f"工单号和电话都不能超过 {MAX_LOOKUP_CHARS} 个字符。")
    case = own_case(info, ticket_number, phone)
    return case_queryset().get(pk=case.pk) if case is not None else None


class CaseQueries(graphene.ObjectType):
    case = graphene.Field(
        Case,
        description=(
            "诉求人查询自己的工单：工单号和提交时留的电话（或受理时给出的查询码）对上才返回；"
            "否则为 null（不区分原因）。失败次数过多时暂停用电话查询，查询码不受影响。"
        ),
        ticket_number=graphene.String(required=True, description="工单号。"),
        phone=graphene.String(required=True, description="提交诉求时留的联系电话，或受理时给出的查询码。"),
    )
    assigned_case = graphene.Field(
        Case,
        description="部门系统查询派给本部门的工单；未派给该部门的工单为 null。需要代表该部门的密钥。",
        ticket_number=graphene.String(required=True, description="工单号。"),
        department=graphene.String(required=True, description="密钥所代表的部门编码。"),
    )

    @staticmethod
    def resolve_case(root: Any, info: Any, ticket_number: str, phone: str) -> CaseModel | None:
        return resident_case(info, ticket_number, phone)

    @staticmethod
    @require_department("department")
    def resolve_assigned_case(root: Any, info: Any, ticket_number: str, department: str) -> CaseModel | None:
        return (
            case_queryset()
            .filter(ticket_number=ticket_number.strip().upper()[:MAX_LOOKUP_CHARS], assignments__unit_code=department)
            .distinct()
            .first()
        )
