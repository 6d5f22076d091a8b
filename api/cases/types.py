"""GraphQL types of a case as its resident, the submitting partner and the assigned departments see it.

What is left out on purpose: the reporter's name and phone, internal notes, staff names, the
rules that fired, and events not marked public.
"""

from __future__ import annotations

from typing import Any

import graphene
from django.db import models

from api.content.types import Department, RequestCategoryNode, RequestType, UrgencyLevel
from api.core.scalars import DateTime
from api.regions.types import Community, Grid, Subdistrict
from cases.duplicates import PublicCaseSummary, merged_notice, merged_summary
from cases.models import Assignment, CaseStatus, Channel, EventKind, Satisfaction
from cases.models import Case as CaseModel
from cases.stages import Stage, stage_of_event
from cms.units import UnitKind


def _described(labels: dict[str, str]) -> property:
    return property(lambda self: labels.get(self.value, self.name))


def _enum(
    name: str, choices: type[models.Choices], description: str, names: dict[str, str] | None = None
) -> type[graphene.Enum]:
    """A GraphQL enum over Django choices; ``names`` renames members whose value is not a valid name."""
    members = {(names or {}).get(member.name, member.name): member.value for member in choices}
    labels = dict(choices.choices)
    return type(name, (graphene.Enum,), {**members, "description": _described(labels), "__doc__": description})


CaseStatusEnum = _enum("CaseStatus", CaseStatus, "工单状态。")
CaseChannel = _enum("CaseChannel", Channel, "来源渠道。")
SatisfactionEnum = _enum("Satisfaction", Satisfaction, "满意度。")
CaseEventKind = _enum("CaseEventKind", EventKind, "工单进程中的事件。")
HandlerRole = _enum("HandlerRole", Assignment.Role, "主办或协办。")
HandlerStatus = _enum("HandlerStatus", Assignment.Status, "承办单位的办理状态。")
HandlerKind = _enum("HandlerKind", UnitKind, "承办单位类型。")
CaseStage = _enum("CaseStage", Stage, "12345 办理流程的阶段：受理 → 转办 → 办理 → 反馈 → 回访 → 重办 → 办结。")


class CaseHandler(graphene.ObjectType):
    class Meta:
        description = "一个承办单位（主办或协办）及其报到情况。"

    role = graphene.Field(HandlerRole, required=True, description="主办或协办。")
    kind = graphene.Field(HandlerKind, required=True, description="部门，或网格、社区（村）、街道（镇）。")
    code = graphene.String(required=True, description="部门编码，或 grid/community/subdistrict。")
    name = graphene.String(required=True, description="承办单位名称。")
    department = graphene.Field(Department, description="承办部门（单位类型为部门时）。")
    status = graphene.Field(HandlerStatus, required=True, description="办理状态。")
    ack_due = DateTime(description="报到时限。")
    acknowledged_at = DateTime(description="报到时间；未报到为 null。")

    @staticmethod
    def resolve_kind(root: Assignment, info: Any) -> str:
        return root.unit_kind

    @staticmethod
    def resolve_code(root: Assignment, info: Any) -> str:
        return root.unit_code

    @staticmethod
    def resolve_name(root: Assignment, info: Any) -> str:
        return root.unit_label


class CaseRouting(graphene.ObjectType):
    class Meta:
        description = "派单结果摘要：分类、所属网格、主办与协办、是否吹哨、提级层级。"

    category = graphene.Field(RequestCategoryNode, description="诉求分类（叶子分类）。")
    grid = graphene.Field(Grid, description="所属网格。")
    community = graphene.Field(Community, description="所属社区（村）。")
    subdistrict = graphene.Field(Subdistrict, description="所属街道（镇）。")
    urgency = graphene.Field(UrgencyLevel, required=True, description="紧急程度。")
    whistle = graphene.Boolean(required=True, description="是否街道吹哨、多部门联合处置。")
    escalation_level = graphene.Int(required=True, description="当前提级层级（0 表示未提级）。")
    needs_manual_dispatch = graphene.Boolean(required=True, description="是否在等待人工派单。")
    ruleset_version = graphene.Int(description="作出派单决定的规则版本。")
    handlers = graphene.List(
        graphene.NonNull(CaseHandler), required=True, description="当前有效的承办单位（主办在前）。"
    )

    @staticmethod
    def resolve_needs_manual_dispatch(root: CaseModel, info: Any) -> bool:
        return root.status == CaseStatus.PENDING_DISPATCH

    @staticmethod
    def resolve_handlers(root: CaseModel, info: Any) -> list[Assignment]:
        active = [a for a in root.assignments.all() if a.active]
        return sorted(active, key=lambda a: (a.role != Assignment.Role.LEAD, a.pk))


class CaseDeadlines(graphene.ObjectType):
    class Meta:
        description = "办理时限（Asia/Shanghai，按法定工作日计算）。"

    ack_due = DateTime(description="报到时限。")
    feedback_due = DateTime(description="反馈时限。")
    complete_due = DateTime(description="办结时限。")
    estimated_calendar = graphene.Boolean(required=True, description="是否按推定日历计算（当年官方放假安排尚未录入）。")
    original_complete_due = DateTime(description="批准延期前的原办结时限（未延期为空）。")
    extended_working_days = graphene.Int(required=True, description="已批准延期的工作日数。")
    paused = graphene.Boolean(required=True, description="是否挂起中（挂起期间不计办理时间，时限顺延）。")
    paused_working_days = graphene.Int(required=True, description="累计挂起的工作日数。")
    calendar_version = graphene.Int(description="计算这些时限所用的工作日历版本。")

    @staticmethod
    def resolve_estimated_calendar(root: CaseModel, info: Any) -> bool:
        return root.calendar_estimated

    @staticmethod
    def resolve_paused(root: CaseModel, info: Any) -> bool:
        return root.paused_at is not None


class CaseTimelineEntry(graphene.ObjectType):
    class Meta:
        description = "对诉求人公开的一条办理进程。"

    kind = graphene.Field(CaseEventKind, required=True, description="事件类型。")
    label = graphene.String(required=True, description="事件的中文名称。")
    at = DateTime(required=True, description="发生时间。")
    status = graphene.Field(CaseStatusEnum, description="事件之后的工单状态。")
    stage = graphene.Field(CaseStage, description="事件所属的办理阶段；流程之外的事件（如提级）为 null。")

    @staticmethod
    def resolve_label(root: Any, info: Any) -> str:
        return str(root.get_kind_display())

    @staticmethod
    def resolve_stage(root: Any, info: Any) -> str | None:
        stage = stage_of_event(root.kind)
        return stage.value if stage else None

    @staticmethod
    def resolve_status(root: Any, info: Any) -> str | None:
        return root.to_status or None


class ReportedCase(graphene.ObjectType):
    class Meta:
        description = "别人已反映过的同一问题：工单号、分类、状态、受理时间和重复反映次数，不含诉求内容和个人信息。"

    ticket_number = graphene.String(required=True, description="工单号。")
    category_name = graphene.String(required=True, description="诉求分类名称。")
    status = graphene.Field(CaseStatusEnum, required=True, description="当前状态。")
    status_label = graphene.String(required=True, description="当前状态的中文名称。")
    received_at = DateTime(required=True, description="受理时间。")
    repeat_count = graphene.Int(required=True, description="已合并到该工单的其他工单数。")
    residents = graphene.Int(required=True, description="反映过该问题的居民数（该工单及合并到它的工单）。")

    @staticmethod
    def resolve_residents(root: PublicCaseSummary, info: Any) -> int:
        return root.residents


class Case(graphene.ObjectType):
    class Meta:
        description = "一件诉求工单（不含诉求人姓名和电话）。"

    ticket_number = graphene.String(required=True, description="工单号，如 LX20260317000001。")
    status = graphene.Field(CaseStatusEnum, required=True, description="当前状态。")
    status_label = graphene.String(required=True, description="当前状态的中文名称。")
    type = graphene.Field(RequestType, required=True, description="诉求类型。")
    channel = graphene.Field(CaseChannel, required=True, description="来源渠道。")
    text = graphene.String(required=True, description="诉求内容。")
    address = graphene.String(required=True, description="地址（可为空字符串）。")
    received_at = DateTime(required=True, description="受理时间。")
    routing = graphene.Field(CaseRouting, required=True, description="派单结果摘要。")
    deadlines = graphene.Field(CaseDeadlines, required=True, description="办理时限。")
    feedback = graphene.String(description="承办单位给诉求人的最新反馈；尚无反馈为 null。")
    resolution = graphene.String(description="办结说明；未办结为 null。")
    resolved_at = DateTime(description="办结时间。")
    satisfaction = graphene.Field(SatisfactionEnum, description="诉求人的满意度评价；未评价为 null。")
    timeline = graphene.List(
        graphene.NonNull(CaseTimelineEntry), required=True, description="公开的办理进程（按时间先后）。"
    )
    merged_into = graphene.Field(
        ReportedCase,
        description="已合并到的工单（该问题已有人反映，本工单不再单独办理，请关注该工单的办理进度）；未合并为 null。",
    )
    merged_notice = graphene.String(description="给诉求人的合并说明，如“该问题已有人反映，正在办理中”；未合并为 null。")
    repeat_count = graphene.Int(required=True, description="已合并到本工单的其他工单数（重复反映次数）。")

    @staticmethod
    def resolve_status_label(root: CaseModel, info: Any) -> str:
        return root.get_status_display()

    @staticmethod
    def resolve_type(root: CaseModel, info: Any) -> str:
        return root.request_type

    @staticmethod
    def resolve_routing(root: CaseModel, info: Any) -> CaseModel:
        return root

    @staticmethod
    def resolve_deadlines(root: CaseModel, info: Any) -> CaseModel:
        return root

    @staticmethod
    def resolve_feedback(root: CaseModel, info: Any) -> str | None:
        return root.feedback_text or None

    @staticmethod
    def resolve_resolution(root: CaseModel, info: Any) -> str | None:
        return root.resolution or None

    @staticmethod
    def resolve_satisfaction(root: CaseModel, info: Any) -> str | None:
        return root.satisfaction or None

    @staticmethod
    def resolve_timeline(root: CaseModel, info: Any) -> list[Any]:
        return [event for event in root.events.all() if event.public]

    @staticmethod
    def resolve_merged_into(root: CaseModel, info: Any) -> PublicCaseSummary | None:
        return merged_summary(root)

    @staticmethod
    def resolve_merged_notice(root: CaseModel, info: Any) -> str | None:
        return merged_notice(root) or None
