"""The published 12345 flow (受理 → 转办 → 办理 → 反馈 → 回访 → 重办 → 办结) over statuses and timeline events.

Statuses and event kinds are finer than the flow residents are told about; this module is the
one place that says which stage each of them belongs to, for the admin timeline, the resident
pages and the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from .models import Case, CaseEvent, CaseStatus, EventKind


class Stage(models.TextChoices):
    ACCEPT = "accept", "受理"
    TRANSFER = "transfer", "转办"
    HANDLE = "handle", "办理"
    FEEDBACK = "feedback", "反馈"
    CALLBACK = "callback", "回访"
    REDO = "redo", "重办"
    DONE = "done", "办结"


# In the published order (Stage is declared in it).
STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)

K = EventKind
EVENT_STAGES: dict[str, Stage] = {
    K.RECEIVED: Stage.ACCEPT,
    K.MANUAL_QUEUE: Stage.ACCEPT,
    K.DISPATCHED: Stage.TRANSFER,
    K.REDISPATCHED: Stage.TRANSFER,
    K.RETURNED: Stage.TRANSFER,
    K.RETURN_REQUESTED: Stage.TRANSFER,
    K.RETURN_APPROVED: Stage.TRANSFER,
    K.RETURN_REFUSED: Stage.TRANSFER,
    K.ACKNOWLEDGED: Stage.HANDLE,
    K.STARTED: Stage.HANDLE,
    K.ASSIGNMENT_FEEDBACK: Stage.HANDLE,
    K.EXTENSION_REQUESTED: Stage.HANDLE,
    K.EXTENSION_APPROVED: Stage.HANDLE,
    K.EXTENSION_REFUSED: Stage.HANDLE,
    K.PAUSED: Stage.HANDLE,
    K.RESUMED: Stage.HANDLE,
    K.FEEDBACK: Stage.FEEDBACK,
    K.CALLBACK: Stage.CALLBACK,
    K.REOPENED: Stage.REDO,
    K.RESOLVED: Stage.DONE,
    K.CLOSED: Stage.DONE,
    K.MERGED: Stage.DONE,
}

S = CaseStatus
STATUS_STAGES: dict[str, Stage] = {
    S.RECEIVED: Stage.ACCEPT,
    S.PENDING_DISPATCH: Stage.ACCEPT,
    S.DISPATCHED: Stage.TRANSFER,
    S.RETURNED: Stage.TRANSFER,
    S.ACKNOWLEDGED: Stage.HANDLE,
    S.IN_PROGRESS: Stage.HANDLE,
    S.FEEDBACK: Stage.FEEDBACK,
    S.CALLBACK: Stage.CALLBACK,
    S.REOPENED: Stage.REDO,
    S.RESOLVED: Stage.DONE,
    S.CLOSED: Stage.DONE,
    S.MERGED: Stage.DONE,
}


def stage_of_event(kind: str) -> Stage | None:
    """The stage an event kind belongs to; None for events beside the flow (提级、逾期、督办…)."""
    return EVENT_STAGES.get(kind)


def current_stage(case: Case) -> Stage:
    return STATUS_STAGES[case.status]


@dataclass(frozen=True)
class StageStep:
    """One cell of the progress strip."""

    stage: Stage
    reached: bool
    current: bool

    @property
    def label(self) -> str:
        return self.stage.label


def stage_strip(case: Case, events: Iterable[CaseEvent]) -> list[StageStep]:
    """Every stage in the published order: reached if an event of it happened, and the current one.

    重办 only appears as reached when the case was actually reopened.
    """
    reached = {stage_of_event(e.kind) for e in events} | {current_stage(case)}
    now = current_stage(case)
    return [StageStep(stage, stage in reached, stage == now) for stage in STAGE_ORDER]


@dataclass(frozen=True)
class StageGroup:
    """Consecutive timeline events of one stage (an event beside the flow joins the stage before it)."""

    stage: Stage
    events: list[CaseEvent]


def group_by_stage(events: Iterable[CaseEvent]) -> list[StageGroup]:
    groups: list[StageGroup] = []
    for event in events:
        stage = stage_of_event(event.kind) or (groups[-1].stage if groups else Stage.ACCEPT)
        if groups and groups[-1].stage == stage:
            groups[-1].events.append(event)
        else:
            groups.append(StageGroup(stage, [event]))
    return groups


def _local_day(value: Any) -> str:
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return f"{timezone.localtime(moment):%Y-%m-%d}"


def public_text(event: CaseEvent) -> str:
    """What the resident may read about an event: never unit codes, staff names or internal notes."""
    payload = event.payload or {}
    kind = event.kind
    if kind == K.RECEIVED:
        return "您的诉求已受理。"
    if kind in (K.DISPATCHED, K.REDISPATCHED):
        return "已转交承办单位办理。"
    if kind == K.STARTED:
        return "承办单位已开始办理。"
    if kind == K.FEEDBACK:
        return str(payload.get("text", ""))
    if kind == K.RESOLVED:
        return str(payload.get("resolution", ""))
    if kind == K.CALLBACK:
        return f"回访结果：{payload['label']}" if payload.get("label") else ""
    if kind == K.REOPENED:
        return "回访不满意，已交承办单位重新办理。"
    if kind == K.EXTENSION_APPROVED:
        days, due = payload.get("working_days"), _local_day(payload.get("new_due"))
        return f"经审核延期{days}个工作日办结，办结时限调整为{due}。" if days and due else ""
    if kind == K.PAUSED:
        return f"因“{payload['reason']}”暂停计时，等待您的配合。" if payload.get("reason") else "暂停计时。"
    if kind == K.RESUMED:
        return "已恢复办理。"
    if kind == K.CLOSED:
        return "工单已办结归档。"
    return ""


def public_timeline(case: Case, events: Iterable[CaseEvent] | None = None) -> list[dict[str, Any]]:
    """The resident's view of the timeline: public events only, each with its stage and a public text.

    ``events`` may be a prefetched list (the API prefetches public events); otherwise they are read.
    """
    if events is None:
        events = case.events.filter(public=True).order_by("at", "id")
    rows: list[dict[str, Any]] = []
    previous = Stage.ACCEPT
    for event in events:
        if not event.public:
            continue
        stage = stage_of_event(event.kind) or previous
        previous = stage
        rows.append(
            {
                "stage": stage.value,
                "stage_label": stage.label,
                "kind": event.kind,
                "label": event.get_kind_display(),
                "at": event.at,
                "text": public_text(event),
            }
        )
    return rows
