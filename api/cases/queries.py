"""Case lookups: a resident's own case (ticket number + phone) and a department's assigned case."""

from __future__ import annotations

from typing import Any

import graphene

from api.conf import api_setting
from api.core.errors import InvalidArgument, RateLimited
from api.core.permissions import get_client, require_department
from cases.limits import LOOKUP_MAX
from cases.models import Case as CaseModel
from cases.services import find_case_for_resident
from cases.services.lookup import case_queryset
from traffic import ratelimit
from traffic.lookups import per_ticket_rate, ticket_bucket

from .types import Case

MAX_LOOKUP_CHARS = LOOKUP_MAX


def check_lookup_rate(info: Any, ticket_number: str) -> None:
    """Both per caller and per ticket, so neither many tickets nor many phones can be tried fast."""
    client = get_client(info)
    checks = (
        (f"case:{client.identity}", ratelimit.Rate.parse(api_setting("GRAPHQL_CASE_LOOKUP_RATE_LIMIT"))),
        (ticket_bucket(ticket_number), per_ticket_rate()),
    )
    for bucket, rate in checks:
        outcome = ratelimit.hit(bucket, rate)
        if not outcome.allowed:
            raise RateLimited(outcome.retry_after, f"查询过于频繁，请 {outcome.retry_after} 秒后再试。")


def resident_case(info: Any, ticket_number: str, phone: str) -> CaseModel | None:
    if len(ticket_number) > MAX_LOOKUP_CHARS or len(phone) > MAX_LOOKUP_CHARS:
        raise InvalidArgument("ticketNumber", f"工单号和电话都不能超过 {MAX_LOOKUP_CHARS} 个字符。")
    check_lookup_rate(info, ticket_number)
    case = find_case_for_resident(ticket_number, phone)
    return case_queryset().get(pk=case.pk) if case is not None else None


class CaseQueries(graphene.ObjectType):
    case = graphene.Field(
        Case,
        description="诉求人查询自己的工单：工单号和提交时留的电话都对上才返回；否则为 null（不区分原因）。限频。",
        ticket_number=graphene.String(required=True, description="工单号。"),
        phone=graphene.String(required=True, description="提交诉求时留的联系电话。"),
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
