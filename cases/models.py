"""The case and everything that happens to it: assignments, 报到, the audit timeline, escalations,
notifications and photos. Models keep data and invariants; workflows are in ``cases.services``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from cms.models import (
    Alley,
    Community,
    Department,
    Grid,
    RequestCategory,
    RequestType,
    ResponsePriority,
    StaffMember,
    Subdistrict,
    Urgency,
)
from cms.models.people import mask_phone
from cms.units import UnitKind

from .addresses import normalize_address


class CaseStatus(models.TextChoices):
    RECEIVED = "received", "已受理"
    PENDING_DISPATCH = "pending_dispatch", "待人工派单"
    DISPATCHED = "dispatched", "已派单"
    ACKNOWLEDGED = "acknowledged", "已报到"
    IN_PROGRESS = "in_progress", "办理中"
    FEEDBACK = "feedback", "已反馈"
    RESOLVED = "resolved", "已办结"
    CALLBACK = "callback", "已回访"
    CLOSED = "closed", "已结案"
    RETURNED = "returned", "已退单"
    REOPENED = "reopened", "重新办理"
    MERGED = "merged", "已合并"


# Statuses in which the deadlines still run; escalation stops once a case is resolved.
OPEN_STATUSES = frozenset(
    {
        CaseStatus.RECEIVED,
        CaseStatus.PENDING_DISPATCH,
        CaseStatus.DISPATCHED,
        CaseStatus.ACKNOWLEDGED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.FEEDBACK,
        CaseStatus.RETURNED,
        CaseStatus.REOPENED,
    }
)


class Channel(models.TextChoices):
    HOTLINE = "12345", "12345热线"
    WEB = "web", "网站"
    APP = "app", "移动应用/小程序"
    GRID = "grid", "网格员上报"
    PROACTIVE = "proactive", "主动发现（未诉先办）"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class TicketCounter(models.Model):
    """One row per day; incrementing it under a row lock makes ticket numbers unique and gap-free."""

    day = models.DateField("日期", unique=True)
    last = models.PositiveIntegerField("当日最后序号", default=0)

    class Meta:
        verbose_name = "工单号计数器"
        verbose_name_plural = "工单号计数器"

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}: {self.last}"


class Case(models.Model):
    ticket_number = models.CharField("工单号", max_length=20, unique=True)
    idempotency_key = models.CharField("幂等键", max_length=128, null=True, blank=True, unique=True)
    request_type = models.CharField("诉求类型", max_length=8, choices=RequestType.choices)
    channel = models.CharField("来源渠道", max_length=16, choices=Channel.choices)
    text = models.TextField("诉求内容")
    address = models.CharField("地址", max_length=255, blank=True)
    address_key = models.CharField(
        "规范化地址", max_length=255, blank=True, editable=False, help_text="用于判断重复诉求；保存时由地址生成。"
    )
    lat = models.FloatField("纬度", null=True, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    reporter_name = models.CharField("诉求人", max_length=64, blank=True)
    reporter_phone = models.CharField("联系电话", max_length=32, blank=True)
    source = models.CharField(
        "提交来源",
        max_length=80,
        blank=True,
        editable=False,
        help_text="合作方密钥、工作人员账号或网站访问地址；重复反映计数时每个来源封顶计入。",
    )
    check_code = models.CharField(
        "查询码", max_length=8, blank=True, editable=False, help_text="受理时随机生成；诉求人凭工单号和查询码查询进度。"
    )

    category = models.ForeignKey(
        RequestCategory, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="诉求分类"
    )
    grid = models.ForeignKey(Grid, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="网格")
    community = models.ForeignKey(
        Community, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="社区（村）"
    )
    subdistrict = models.ForeignKey(
        Subdistrict, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="街道（镇）"
    )
    alley = models.ForeignKey(Alley, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="巷")
    lead_department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="主办部门"
    )
    urgency = models.CharField("紧急程度", max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    whistle = models.BooleanField("街道吹哨", default=False)
    priority = models.ForeignKey(
        ResponsePriority, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="办理优先级"
    )
    status = models.CharField("状态", max_length=20, choices=CaseStatus.choices, default=CaseStatus.RECEIVED)

    ruleset_version = models.IntegerField("规则版本", null=True, blank=True)
    fired_rules = models.JSONField("生效规则", default=list, blank=True)
    decision = models.JSONField("派单决定", default=dict, blank=True)
    calendar_estimated = models.BooleanField("按推定日历计算", default=False)
    calendar_version = models.IntegerField(
        "工作日历版本",
        null=True,
        blank=True,
        help_text="计算本工单期限所用的工作日历版本；之后修改日历不会改变已定的期限。",
    )
    manual_reason = models.CharField("转人工原因", max_length=255, blank=True)

    received_at = models.DateTimeField("受理时间")
    ack_due = models.DateTimeField("报到时限", null=True, blank=True)
    feedback_due = models.DateTimeField("反馈时限", null=True, blank=True)
    complete_due = models.DateTimeField("办结时限", null=True, blank=True)
    ack_window_minutes = models.PositiveIntegerField("报到时长（分钟）", null=True, blank=True)

    initial_level = models.PositiveSmallIntegerField("本轮起始层级", default=0)
    escalation_level = models.PositiveSmallIntegerField("提级层级", default=0)
    cycle = models.PositiveSmallIntegerField("办理轮次", default=1)
    next_check_at = models.DateTimeField("下次检查时间", null=True, blank=True)

    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    acknowledged_at = models.DateTimeField("全部报到时间", null=True, blank=True)
    started_at = models.DateTimeField("开始办理时间", null=True, blank=True)
    feedback_at = models.DateTimeField("反馈时间", null=True, blank=True)
    feedback_overdue_at = models.DateTimeField("反馈逾期记录时间", null=True, blank=True)
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    callback_at = models.DateTimeField("回访时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    handling_seconds = models.PositiveIntegerField("办理用时（秒）", null=True, blank=True)

    feedback_text = models.TextField("反馈内容", blank=True)
    resolution = models.TextField("办结说明", blank=True)
    satisfaction = models.CharField("满意度", max_length=16, choices=Satisfaction.choices, blank=True)
    callback_note = models.TextField("回访记录", blank=True)

    original_complete_due = models.DateTimeField(
        "原办结时限", null=True, blank=True, help_text="第一次批准延期前的办结时限；未延期为空。"
    )
    extended_working_days = models.PositiveSmallIntegerField("已批准延期（工作日）", default=0)
    paused_at = models.DateTimeField("挂起时间", null=True, blank=True, help_text="为空表示未挂起。")
    pause_reason = models.CharField("挂起理由", max_length=255, blank=True)
    pause_ends_at = models.DateTimeField(
        "挂起自动恢复时间", null=True, blank=True, help_text="累计挂起达到上限的时刻，巡检届时自动恢复办理。"
    )
    paused_working_days = models.PositiveSmallIntegerField("累计挂起（工作日）", default=0)
    redispatch_suggestion = models.JSONField(
        "改派建议", default=dict, blank=True, help_text="主办单位退单后，规则排除已退单单位重新给出的建议。"
    )
    possible_duplicate_of = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="疑似重复于",
        help_text="受理时发现的同类、同址或附近的未办结工单（最接近的一件）。",
    )
    merged_into = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="merged_cases", verbose_name="已合并到"
    )
    repeat_count = models.PositiveIntegerField("重复反映次数", default=0, help_text="合并到本工单的其他工单数。")

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_check_at"], name="case_next_check_idx", condition=Q(next_check_at__isnull=False)
            ),
            models.Index(fields=["status", "ack_due"], name="case_status_ack_due_idx"),
            models.Index(fields=["status", "complete_due"], name="case_status_complete_due_idx"),
            models.Index(fields=["received_at"], name="case_received_idx"),
            # Covers the scores (cases.scores): read from the index alone, already in group order
            # (SQLite skip-scans the two leading columns; no sort of a year of rows).
            models.Index(
                fields=[
                    "lead_department",
                    "subdistrict",
                    "received_at",
                    "resolved_at",
                    "complete_due",
                    "satisfaction",
                    "handling_seconds",
                ],
                name="case_scores_idx",
            ),
            models.Index(fields=["subdistrict", "status"], name="case_subdistrict_status_idx"),
            models.Index(fields=["grid", "status"], name="case_grid_status_idx"),
            models.Index(fields=["address", "received_at"], name="case_address_received_idx"),
            # Duplicate check (cases.duplicates): same address, or a lat/lng bounding box, per category.
            models.Index(fields=["category", "address_key", "received_at"], name="case_category_address_idx"),
            models.Index(
                fields=["category", "lat", "lng"], name="case_category_point_idx", condition=Q(lat__isnull=False)
            ),
            models.Index(
                fields=["possible_duplicate_of"],
                name="case_possible_duplicate_idx",
                condition=Q(possible_duplicate_of__isnull=False),
            ),
        ]
        permissions = [
            ("dispatch_case", "可派单、退单改派、回访和结案"),
            ("view_case_scores", "可查看考核统计"),
        ]

    def __str__(self) -> str:
        return self.ticket_number

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.address_key = normalize_address(self.address)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "address" in update_fields:
            kwargs["update_fields"] = {*update_fields, "address_key"}
        super().save(*args, **kwargs)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.reporter_phone) if self.reporter_phone else ""

    @property
    def masked_name(self) -> str:
        """张** — staff who do not call the resident back need no more than this."""
        name = self.reporter_name.strip()
        return name[:1] + "*" * max(1, len(name) - 1) if name else ""

    @property
    def point(self) -> dict[str, float] | None:
        return {"lat": self.lat, "lng": self.lng} if self.lat is not None and self.lng is not None else None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_paused(self) -> bool:
        """挂起: deadlines stand still and nothing escalates until the case is resumed."""
        return self.paused_at is not None


class Assignment(models.Model):
    """One handling unit of a case: the lead or a co-handler, a department or an area's own staff."""

    class Role(models.TextChoices):
        LEAD = "lead", "主办"
        CO = "co", "协办"

    class Status(models.TextChoices):
        PENDING = "pending", "待报到"
        ACKNOWLEDGED = "acknowledged", "已报到"
        FEEDBACK = "feedback", "已反馈"
        RETURNED = "returned", "已退单"

    case = models.ForeignKey(Case, models.CASCADE, related_name="assignments", verbose_name="工单")
    role = models.CharField("角色", max_length=8, choices=Role.choices)
    unit_kind = models.CharField("承办单位类型", max_length=16, choices=UnitKind.choices)
    unit_code = models.CharField("承办单位", max_length=64, help_text="部门编码，或 grid/community/subdistrict")
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="case_assignments", verbose_name="部门"
    )
    subdistrict = models.ForeignKey(
        Subdistrict,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="case_assignments",
        verbose_name="所在街道（镇）",
    )
    cycle = models.PositiveSmallIntegerField("办理轮次", default=1)
    active = models.BooleanField("有效", default=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    dispatched_at = models.DateTimeField("派单时间")
    ack_due = models.DateTimeField("报到时限", null=True, blank=True)
    acknowledged_at = models.DateTimeField("报到时间", null=True, blank=True)
    feedback_at = models.DateTimeField("反馈时间", null=True, blank=True)
    feedback_text = models.TextField("反馈内容", blank=True)
    returned_at = models.DateTimeField("退单时间", null=True, blank=True)
    return_reason = models.TextField("退单理由", blank=True)

    class Meta:
        verbose_name = "承办分派"
        verbose_name_plural = "承办分派"
        ordering = ["case_id", "-role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "unit_code"], condition=Q(active=True), name="one_active_assignment_per_unit"
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(active=True, role="lead"), name="one_active_lead_per_case"
            ),
        ]
        indexes = [
            models.Index(fields=["department", "case"], name="assign_department_case_idx"),
            # Covers the response rate of the scores, in group order.
            models.Index(
                fields=["department", "subdistrict", "dispatched_at", "acknowledged_at", "ack_due"],
                name="assign_scores_idx",
            ),
            # The returns counted by the scores.
            models.Index(
                fields=["returned_at", "department", "subdistrict"],
                name="assign_returned_idx",
                condition=Q(returned_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.get_role_display()}·{self.unit_label}"

    @property
    def unit_label(self) -> str:
        if self.unit_kind == UnitKind.DEPARTMENT:
            return self.department.name if self.department is not None else self.unit_code
        return UnitKind(self.unit_kind).label

    @property
    def acknowledged_in_time(self) -> bool | None:
        if self.acknowledged_at is None or self.ack_due is None:
            return None
        return self.acknowledged_at <= self.ack_due


class Acknowledgement(models.Model):
    """报到: one row per assignment, so that two officers pressing the button at once make one."""

    assignment = models.OneToOneField(
        Assignment, models.CASCADE, related_name="acknowledgement", verbose_name="承办分派"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="报到人"
    )
    by_label = models.CharField("报到人姓名", max_length=128, blank=True)
    at = models.DateTimeField("报到时间")

    class Meta:
        verbose_name = "报到"
        verbose_name_plural = "报到"
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.assignment} @ {self.at:%Y-%m-%d %H:%M}"


class EventKind(models.TextChoices):
    RECEIVED = "received", "受理"
    MANUAL_QUEUE = "manual_queue", "转人工派单"
    DISPATCHED = "dispatched", "派单"
    ACKNOWLEDGED = "acknowledged", "报到"
    STARTED = "started", "开始办理"
    FEEDBACK = "feedback", "反馈"
    ASSIGNMENT_FEEDBACK = "assignment_feedback", "协办反馈"
    RESOLVED = "resolved", "办结"
    CALLBACK = "callback", "回访"
    CLOSED = "closed", "结案"
    RETURNED = "returned", "退单"
    REDISPATCHED = "redispatched", "改派"
    REOPENED = "reopened", "重新办理"
    ESCALATED = "escalated", "提级"
    FEEDBACK_OVERDUE = "feedback_overdue", "反馈逾期"
    RETURN_REQUESTED = "return_requested", "申请退单"
    RETURN_APPROVED = "return_approved", "同意退单"
    RETURN_REFUSED = "return_refused", "驳回退单"
    EXTENSION_REQUESTED = "extension_requested", "申请延期"
    EXTENSION_APPROVED = "extension_approved", "批准延期"
    EXTENSION_REFUSED = "extension_refused", "驳回延期"
    PAUSED = "paused", "挂起"
    RESUMED = "resumed", "恢复办理"
    YELLOW_CARD = "yellow_card", "黄牌预警"
    RED_CARD = "red_card", "红牌警告"
    SUPERVISED = "supervised", "督办"
    DUPLICATE_SUSPECTED = "duplicate_suspected", "疑似重复"
    MERGED = "merged", "合并工单"
    PRIORITY_SET = "priority_set", "设定优先级"


class CaseEvent(models.Model):
    """One line of the audit timeline. Append-only: rows are never changed once written."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="events", verbose_name="工单")
    kind = models.CharField("事件", max_length=24, choices=EventKind.choices)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="操作人"
    )
    actor_label = models.CharField("操作人姓名", max_length=128, blank=True)
    assignment = models.ForeignKey(
        Assignment, models.SET_NULL, null=True, blank=True, related_name="events", verbose_name="承办分派"
    )
    from_status = models.CharField("原状态", max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=CaseStatus.choices, blank=True)
    payload = models.JSONField("详情", default=dict, blank=True)
    public = models.BooleanField("对诉求人公开", default=False)

    class Meta:
        verbose_name = "工单事件"
        verbose_name_plural = "工单事件"
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="case_event_case_at_idx"),
            # Events of one kind in a period (approved extensions for the scores).
            models.Index(fields=["kind", "at"], name="case_event_kind_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("工单事件只能追加，不能修改。")
        super().save(*args, **kwargs)


class Escalation(models.Model):
    """A level of the ladder a case reached; unique per (case, level), so each level happens once."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="escalations", verbose_name="工单")
    level = models.PositiveSmallIntegerField("层级")
    code = models.CharField("层级编码", max_length=64, blank=True)
    name = models.CharField("层级名称", max_length=64, blank=True)
    handlers = models.JSONField("处置主体", default=list, blank=True)
    trigger = models.CharField("触发原因", max_length=255, blank=True)
    facts = models.JSONField("判定依据", default=dict, blank=True)
    source = models.CharField("触发来源", max_length=16, blank=True, help_text="intake/task/sweep")
    at = models.DateTimeField("提级时间")

    class Meta:
        verbose_name = "提级记录"
        verbose_name_plural = "提级记录"
        ordering = ["case_id", "level"]
        constraints = [models.UniqueConstraint(fields=["case", "level"], name="one_escalation_per_level")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.level} {self.name}"


class Notification(models.Model):
    """An in-app message for a person (through their staff record) or, failing that, for supervisors."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="case_notifications",
        verbose_name="接收账号",
    )
    staff = models.ForeignKey(
        StaffMember, models.CASCADE, null=True, blank=True, related_name="case_notifications", verbose_name="接收人员"
    )
    recipient_label = models.CharField("接收人", max_length=255, blank=True)
    case = models.ForeignKey(Case, models.CASCADE, related_name="notifications", verbose_name="工单")
    escalation = models.ForeignKey(
        Escalation, models.CASCADE, null=True, blank=True, related_name="notifications", verbose_name="提级"
    )
    kind = models.CharField("类型", max_length=24, choices=EventKind.choices)
    message = models.CharField("内容", max_length=500)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "工单通知"
        verbose_name_plural = "工单通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_read_idx"),
            models.Index(fields=["staff", "read_at"], name="notif_staff_read_idx"),
        ]

    def __str__(self) -> str:
        return self.message


def photo_upload_to(instance: CasePhoto, filename: str) -> str:
    return f"cases/{instance.case.received_at:%Y/%m}/{instance.case.ticket_number}/{filename}"


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, models.CASCADE, related_name="photos", verbose_name="工单")
    file = models.FileField("照片", upload_to=photo_upload_to, max_length=255)
    content_type = models.CharField("类型", max_length=32)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "工单照片"
        verbose_name_plural = "工单照片"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name or ""


class ReviewedRequest(models.Model):
    """Who asked and who decided: the part every request awaiting the subdistrict's decision shares."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="申请人"
    )
    requested_by_label = models.CharField("申请人姓名", max_length=128, blank=True)
    requested_at = models.DateTimeField("申请时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="审核人"
    )
    decided_by_label = models.CharField("审核人姓名", max_length=128, blank=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_note = models.TextField("审核意见", blank=True)

    class Meta:
        abstract = True


class ReturnRequest(ReviewedRequest):
    """One 退单 by a unit: direct within the return window, otherwise a request the subdistrict decides."""

    class State(models.TextChoices):
        DIRECT = "direct", "时限内退单"
        PENDING = "pending", "待审核"
        APPROVED = "approved", "同意退单"
        REFUSED = "refused", "驳回退单"
        WITHDRAWN = "withdrawn", "已撤销"

    case = models.ForeignKey(Case, models.CASCADE, related_name="return_requests", verbose_name="工单")
    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="return_requests", verbose_name="承办分派")
    reason = models.CharField("退单理由", max_length=255, help_text="办理规则中的退单理由选项之一。")
    note = models.TextField("退单说明", blank=True)
    state = models.CharField("状态", max_length=16, choices=State.choices)
    window_ends_at = models.DateTimeField("自行退单截止时间")

    class Meta:
        verbose_name = "退单记录"
        verbose_name_plural = "退单记录"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(state="pending"), name="one_pending_return_per_assignment"
            )
        ]
        indexes = [models.Index(fields=["requested_at", "state"], name="return_requested_state_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.reason}·{self.get_state_display()}"

    @property
    def in_window(self) -> bool:
        return self.state == self.State.DIRECT


class ExtensionRequest(ReviewedRequest):
    """延期: the lead unit asks for more working days before the deadline; the dispatcher decides."""

    class State(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "批准延期"
        REFUSED = "refused", "驳回延期"
        WITHDRAWN = "withdrawn", "已撤销"

    case = models.ForeignKey(Case, models.CASCADE, related_name="extension_requests", verbose_name="工单")
    assignment = models.ForeignKey(
        Assignment, models.CASCADE, related_name="extension_requests", verbose_name="申请单位"
    )
    working_days = models.PositiveSmallIntegerField("申请延期（工作日）")
    reason = models.TextField("延期理由")
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.PENDING)
    approved_working_days = models.PositiveSmallIntegerField("批准延期（工作日）", null=True, blank=True)
    previous_due = models.DateTimeField("原办结时限", null=True, blank=True)
    new_due = models.DateTimeField("延期后办结时限", null=True, blank=True)

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="pending"), name="one_pending_extension_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}·延期{self.working_days}个工作日·{self.get_state_display()}"


def withdraw_pending_requests(
    *, case: Case, assignments: list[Assignment] | None = None, at: datetime, note: str
) -> int:
    """Close the 退单/延期 requests still waiting for a decision when their unit leaves the case.

    A request of a unit that no longer handles the case must not be approved afterwards.
    """
    returns = ReturnRequest.objects.filter(case=case, state=ReturnRequest.State.PENDING)
    extensions = ExtensionRequest.objects.filter(case=case, state=ExtensionRequest.State.PENDING)
    if assignments is not None:
        returns = returns.filter(assignment__in=assignments)
        extensions = extensions.filter(assignment__in=assignments)
    changed = {"decided_at": at, "decided_by_label": "系统", "decision_note": note}
    return returns.update(state=ReturnRequest.State.WITHDRAWN, **changed) + extensions.update(
        state=ExtensionRequest.State.WITHDRAWN, **changed
    )


class CardColour(models.TextChoices):
    YELLOW = "yellow", "黄牌"
    RED = "red", "红牌"


class DeadlineCard(models.Model):
    """黄牌 (the completion deadline is near) or 红牌 (it has passed), once per colour and round of handling.

    ``department`` and ``subdistrict`` are those of the lead unit when the card was issued, so
    the scores stay as they were even after a redispatch.
    """

    case = models.ForeignKey(Case, models.CASCADE, related_name="cards", verbose_name="工单")
    cycle = models.PositiveSmallIntegerField("办理轮次")
    colour = models.CharField("颜色", max_length=8, choices=CardColour.choices)
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="主办部门"
    )
    subdistrict = models.ForeignKey(
        Subdistrict, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="所在街道（镇）"
    )
    complete_due = models.DateTimeField("办结时限")
    due_at = models.DateTimeField("应亮牌时间")
    issued_at = models.DateTimeField("亮牌时间")

    class Meta:
        verbose_name = "黄红牌"
        verbose_name_plural = "黄红牌"
        ordering = ["case_id", "cycle", "due_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "cycle", "colour"], name="one_card_per_colour_and_cycle")
        ]
        indexes = [
            # Covers the card counts of the scores (cases.scores).
            models.Index(fields=["issued_at", "department", "subdistrict", "colour"], name="card_scores_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}·第{self.cycle}轮·{self.get_colour_display()}"


class SupervisionReason(models.TextChoices):
    OVERDUE = "overdue", "逾期未办结"
    REPEAT_UNSATISFIED = "repeat_unsatisfied", "重办后回访仍不满意"


class SupervisionStatus(models.TextChoices):
    OPEN = "open", "待回复"
    REPLIED = "replied", "已回复"
    CLOSED = "closed", "已销号"


class SupervisionOrder(models.Model):
    """督办单: the district supervision level orders the handling unit to act and report back.

    Once per (case, round of handling, reason); open → replied (by the unit) → closed (by 区督办).
    """

    number = models.CharField("督办单号", max_length=40, unique=True)
    case = models.ForeignKey(Case, models.CASCADE, related_name="supervision_orders", verbose_name="工单")
    cycle = models.PositiveSmallIntegerField("办理轮次")
    reason = models.CharField("督办原因", max_length=24, choices=SupervisionReason.choices)
    assignment = models.ForeignKey(
        Assignment, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="被督办承办分派"
    )
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="被督办部门"
    )
    subdistrict = models.ForeignKey(
        Subdistrict, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="所在街道（镇）"
    )
    unit_label = models.CharField("被督办单位", max_length=128, blank=True)
    status = models.CharField("状态", max_length=12, choices=SupervisionStatus.choices, default=SupervisionStatus.OPEN)
    issued_at = models.DateTimeField("督办时间")
    reply = models.TextField("回复内容", blank=True)
    replied_at = models.DateTimeField("回复时间", null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="回复人"
    )
    replied_by_label = models.CharField("回复人姓名", max_length=128, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="销号人"
    )
    closed_by_label = models.CharField("销号人姓名", max_length=128, blank=True)
    close_note = models.TextField("销号意见", blank=True)

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "cycle", "reason"], name="one_supervision_per_reason_and_cycle")
        ]
        indexes = [
            models.Index(fields=["issued_at", "department", "subdistrict"], name="supervision_scores_idx"),
            models.Index(fields=["status", "issued_at"], name="supervision_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number
