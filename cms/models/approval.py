"""Four eyes on what changes routing: an approval task nobody can complete for their own change, and a
version record of every published configuration change naming who changed it and who approved it.

``CMS_ALLOW_SELF_APPROVAL`` (default off) lets a one-person office approve its own changes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from wagtail.models import AbstractGroupApprovalTask, TaskState

SELF_APPROVAL_REFUSED = (
    "不能批准自己提交或修改的内容：请由另一位审核人批准（单人办公室可在设置中开启 CMS_ALLOW_SELF_APPROVAL）。"
)


def self_approval_allowed() -> bool:
    return bool(getattr(settings, "CMS_ALLOW_SELF_APPROVAL", False))


def authors_of(obj: Any) -> set[int]:
    """Who proposed the change under review: whoever submitted it and whoever wrote its latest revision."""
    ids: set[int] = set()
    state = getattr(obj, "current_workflow_state", None)
    if state is not None and state.requested_by_id:
        ids.add(state.requested_by_id)
    revision = obj.get_latest_revision() if hasattr(obj, "get_latest_revision") else None
    if revision is not None and revision.user_id:
        ids.add(revision.user_id)
    return ids


def is_own_change(obj: Any, user: Any) -> bool:
    return not self_approval_allowed() and getattr(user, "pk", None) in authors_of(obj)


class FourEyesApprovalTask(AbstractGroupApprovalTask):
    """A group approval in which the author of the change may request changes but never approve."""

    def get_actions(self, obj: Any, user: Any) -> list[tuple[str, str, bool]]:
        actions = super().get_actions(obj, user)
        if is_own_change(obj, user):
            return [action for action in actions if action[0] != "approve"]
        return actions

    def on_action(self, task_state: TaskState, user: Any, action_name: str, **kwargs: Any) -> Any:
        if action_name == "approve" and is_own_change(task_state.workflow_state.content_object, user):
            raise PermissionDenied(SELF_APPROVAL_REFUSED)
        return super().on_action(task_state, user, action_name, **kwargs)

    @classmethod
    def get_description(cls) -> str:
        return "所选权限组的成员审核批准；提交或修改内容的人不能批准自己的修改。"

    class Meta:
        verbose_name = "四眼审核"
        verbose_name_plural = "四眼审核"


class ConfigVersion(models.Model):
    """One published change of a routing-relevant configuration object (category, time limit…)."""

    content_type = models.ForeignKey("contenttypes.ContentType", models.CASCADE, verbose_name="内容类型")
    object_id = models.CharField("对象编号", max_length=64)
    object_label = models.CharField("对象", max_length=255)
    number = models.PositiveIntegerField("版本号", help_text="同一对象的第几次发布。")
    revision = models.ForeignKey(
        "wagtailcore.Revision", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="修订"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="修改人"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="批准人"
    )
    published_at = models.DateTimeField("发布时间", auto_now_add=True)
    content = models.JSONField("发布内容", default=dict)
    changes = models.JSONField("修改内容", default=list, help_text="[字段名称, 原值, 新值]，均为中文显示值。")

    class Meta:
        verbose_name = "配置版本"
        verbose_name_plural = "配置版本"
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "number"], name="unique_config_version")
        ]

    def __str__(self) -> str:
        return f"{self.object_label} v{self.number}"


def approver_of(instance: Any, revision: Any) -> Any:
    """Who let ``revision`` go live: the approver of its review, else whoever published it."""
    from wagtail.log_actions import registry as log_registry

    state = (
        TaskState.objects.filter(revision=revision, status=TaskState.STATUS_APPROVED, finished_by__isnull=False)
        .select_related("finished_by")
        .order_by("-finished_at")
        .first()
    )
    if state is not None:
        return state.finished_by
    entry = log_registry.get_logs_for_instance(instance).filter(action="wagtail.publish").order_by("-timestamp").first()
    return entry.user if entry is not None else None
