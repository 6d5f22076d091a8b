"""The case and everything that happens to it: assignments, 报到, the audit timeline, escalations,
notifications and photos. Models keep data and invariants; workflows are in ``cases.services``."""

from __future__ import annotations

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
    StaffMember,
    Subdistrict,
    Urgency,
)
from cms.models.people import mask_phone


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


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", "部门"
    GRID = "grid", "网格"
    COMMUNITY = "community", "社区（村）"
    SUBDISTRICT = "subdistrict", "街道（镇）"


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
    lat = models.FloatField("纬度", null=True, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    reporter_name = models.CharField("诉求人", max_length=64, blank=True)
    reporter_phone = models.CharField("联系电话", max_length=32, blank=True)

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
        ]
        permissions = [
            ("dispatch_case", "可派单、退单改派、回访和结案"),
            ("view_case_scores", "可查看考核统计"),
        ]

    def __str__(self) -> str:
        return self.ticket_number

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
        ]

    def __str__(self) -> str:
        return f"{self.case_id}·{self.get_role_display()}·{self.unit_label}"

    @property
    def unit_label(self) -> str:
        if self.unit_kind == UnitKind.DEPARTMENT:
            return self.department.name if self.department_id else self.unit_code
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
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
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
        return self.file.name
