"""People who carry the governance roles, linkable to admin users so that they can log in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from .departments import Department
from .regions import Alley, Community, Grid, GridDuty, Street, Subdistrict


class StaffRole(models.TextChoices):
    GRID_LEADER = "grid_leader", "网格长"
    GRID_WORKER = "grid_worker", "网格员"
    ALLEY_STEWARD = "alley_steward", "小巷管家"
    ALLEY_CHIEF = "alley_chief", "巷长"
    STREET_CHIEF = "street_chief", "街长"
    COMMUNITY_SECRETARY = "community_secretary", "社区书记"
    SUBDISTRICT_DISPATCHER = "subdistrict_dispatcher", "街道吹哨调度员"
    DEPARTMENT_OFFICER = "department_officer", "部门办理人员"
    SUPERVISOR = "supervisor", "区督办人员"


# Which area field each role must point at; the model's clean() enforces it.
ROLE_SCOPE = {
    StaffRole.GRID_LEADER: "grid",
    StaffRole.GRID_WORKER: "grid",
    StaffRole.ALLEY_STEWARD: "alley",
    StaffRole.ALLEY_CHIEF: "alley",
    StaffRole.STREET_CHIEF: "street",
    StaffRole.COMMUNITY_SECRETARY: "community",
    StaffRole.SUBDISTRICT_DISPATCHER: "subdistrict",
    StaffRole.DEPARTMENT_OFFICER: "department",
    StaffRole.SUPERVISOR: None,
}


def mask_phone(phone: str) -> str:
    """138****1234: enough to recognise a number, not enough to call a stranger."""
    digits = phone.strip()
    if len(digits) >= 11 and digits[-11:].isdigit():
        return digits[:-8] + "****" + digits[-4:]
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "****"


class StaffMember(models.Model):
    name = models.CharField("姓名", max_length=64)
    phone = models.CharField("电话", max_length=32, blank=True)
    role = models.CharField("角色", max_length=32, choices=StaffRole.choices)
    grid = models.ForeignKey(Grid, models.CASCADE, null=True, blank=True, related_name="staff", verbose_name="网格")
    alley = models.ForeignKey(Alley, models.CASCADE, null=True, blank=True, related_name="staff", verbose_name="巷")
    street = models.ForeignKey(Street, models.CASCADE, null=True, blank=True, related_name="staff", verbose_name="街")
    community = models.ForeignKey(
        Community, models.CASCADE, null=True, blank=True, related_name="staff", verbose_name="社区（村）"
    )
    subdistrict = models.ForeignKey(
        Subdistrict, models.CASCADE, null=True, blank=True, related_name="staff", verbose_name="街道（镇）"
    )
    department = models.ForeignKey(
        Department, models.CASCADE, null=True, blank=True, related_name="staff", verbose_name="部门"
    )
    title = models.CharField("职务称谓", max_length=32, blank=True)
    duties = models.ManyToManyField(GridDuty, blank=True, related_name="staff", verbose_name="承担职责")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_member",
        verbose_name="后台账号",
    )
    groups = models.ManyToManyField(Group, blank=True, related_name="staff_members", verbose_name="权限组")
    sort_order = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("在岗", default=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("phone")]),
        FieldRowPanel([FieldPanel("role"), FieldPanel("title"), FieldPanel("active")]),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("grid"), FieldPanel("alley"), FieldPanel("street")]),
                FieldRowPanel([FieldPanel("community"), FieldPanel("subdistrict"), FieldPanel("department")]),
            ],
            heading="负责范围",
            help_text="按角色填写其一：网格长/网格员填网格，小巷管家/巷长填巷，街长填街，调度员填街道，部门人员填部门。",
        ),
        FieldPanel("duties"),
        MultiFieldPanel([FieldPanel("user"), FieldPanel("groups")], heading="后台账号与权限"),
    ]

    class Meta:
        verbose_name = "治理人员"
        verbose_name_plural = "治理人员"
        ordering = ["role", "sort_order", "id"]
        indexes = [models.Index(fields=["role", "grid"]), models.Index(fields=["role", "alley"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    @property
    def scope_field(self) -> str | None:
        return ROLE_SCOPE.get(StaffRole(self.role))

    def clean(self) -> None:
        field = self.scope_field
        if field and not getattr(self, f"{field}_id"):
            label = self._meta.get_field(field).verbose_name
            raise ValidationError({field: f"角色“{self.get_role_display()}”必须指定{label}。"})
