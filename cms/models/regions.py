"""The one grid network (多网合一): district → subdistrict → community/village → grid, and the
street → alley chain of the 街长/巷长 system; every building address sits in one grid and one alley."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from cms.panels import GridPolicyPanel


class District(models.Model):
    code = models.SlugField("编码", max_length=64, unique=True)
    division_code = models.CharField("行政区划代码", max_length=32, blank=True)
    name = models.CharField("名称", max_length=64)
    city = models.CharField("所属城市", max_length=64, blank=True)
    province = models.CharField("所属省份", max_length=64, blank=True)
    supervision_office = models.CharField("督办机构", max_length=128, blank=True)
    supervision_phone = models.CharField("督办电话", max_length=32, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("code"), FieldPanel("division_code")]),
        FieldRowPanel([FieldPanel("province"), FieldPanel("city")]),
        FieldRowPanel([FieldPanel("supervision_office"), FieldPanel("supervision_phone")]),
    ]

    class Meta:
        verbose_name = "区县"
        verbose_name_plural = "区县"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Subdistrict(models.Model):
    class Kind(models.TextChoices):
        SUBDISTRICT = "subdistrict", "街道"
        TOWN = "town", "镇"

    district = models.ForeignKey(District, models.PROTECT, related_name="subdistricts", verbose_name="所属区县")
    code = models.SlugField("编码", max_length=64, unique=True)
    division_code = models.CharField("行政区划代码", max_length=32, blank=True)
    name = models.CharField("名称", max_length=64)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.SUBDISTRICT)
    office_phone = models.CharField("办公电话", max_length=32, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("kind")]),
        FieldRowPanel([FieldPanel("code"), FieldPanel("division_code")]),
        FieldPanel("district"),
        FieldPanel("office_phone"),
    ]

    class Meta:
        verbose_name = "街道（镇）"
        verbose_name_plural = "街道（镇）"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    class Kind(models.TextChoices):
        COMMUNITY = "community", "社区"
        VILLAGE = "village", "村"

    subdistrict = models.ForeignKey(
        Subdistrict, models.PROTECT, related_name="communities", verbose_name="所属街道（镇）"
    )
    code = models.SlugField("编码", max_length=64, unique=True)
    division_code = models.CharField("行政区划代码", max_length=32, blank=True)
    name = models.CharField("名称", max_length=64)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.COMMUNITY)
    service_center = models.CharField("党群服务中心", max_length=128, blank=True)
    service_center_address = models.CharField("服务中心地址", max_length=255, blank=True)
    phone = models.CharField("联系电话", max_length=32, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("kind")]),
        FieldRowPanel([FieldPanel("code"), FieldPanel("division_code")]),
        FieldPanel("subdistrict"),
        FieldRowPanel([FieldPanel("service_center"), FieldPanel("service_center_address")]),
        FieldPanel("phone"),
    ]

    class Meta:
        verbose_name = "社区（村）"
        verbose_name_plural = "社区（村）"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class GridDuty(models.Model):
    """One of the grid duties (基础信息采集 …); configurable so a city can add its own."""

    code = models.SlugField("编码", max_length=64, unique=True)
    name = models.CharField("职责名称", max_length=64, unique=True)
    description = models.TextField("说明", blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "网格职责"
        verbose_name_plural = "网格职责"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


@register_setting(icon="warning")
class GridPolicy(BaseGenericSetting):
    """The grid standard of the city; grids outside it are flagged, never blocked."""

    urban_households_min = models.PositiveIntegerField("城市网格户数下限", default=300)
    urban_households_max = models.PositiveIntegerField("城市网格户数上限", default=500)
    urban_population_target = models.PositiveIntegerField("城市网格参考人口", default=1000)
    urban_population_tolerance = models.PositiveIntegerField(
        "参考人口允许偏差", default=150, help_text="户数超出范围但人口在“参考人口±偏差”之内的，视为符合规范。"
    )
    leaders_required = models.PositiveIntegerField("网格长人数", default=1)
    workers_min = models.PositiveIntegerField("网格员人数下限", default=2)
    workers_max = models.PositiveIntegerField("网格员人数上限", default=3)

    panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("urban_households_min"), FieldPanel("urban_households_max")]),
                FieldRowPanel([FieldPanel("urban_population_target"), FieldPanel("urban_population_tolerance")]),
            ],
            heading="城市网格规模",
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("leaders_required"), FieldPanel("workers_min"), FieldPanel("workers_max")])],
            heading="人员配置",
        ),
    ]

    class Meta:
        verbose_name = "网格划分规范"
        verbose_name_plural = "网格划分规范"

    def violation_q(self) -> Q:
        """Rows of a queryset annotated by ``GridQuerySet.with_staff_counts`` that break the policy."""
        low = self.urban_population_target - self.urban_population_tolerance
        high = self.urban_population_target + self.urban_population_tolerance
        size = (
            Q(kind=Grid.Kind.URBAN)
            & (Q(households__lt=self.urban_households_min) | Q(households__gt=self.urban_households_max))
            & ~Q(population__gte=low, population__lte=high)
        )
        staff = (
            ~Q(leader_count=self.leaders_required)
            | Q(worker_count__lt=self.workers_min)
            | Q(worker_count__gt=self.workers_max)
        )
        return size | staff


@dataclass(frozen=True)
class PolicyViolation:
    code: str
    message: str


class GridQuerySet(models.QuerySet):
    def with_staff_counts(self) -> GridQuerySet:
        from .people import StaffRole

        return self.annotate(
            leader_count=Count("staff", filter=Q(staff__role=StaffRole.GRID_LEADER, staff__active=True)),
            worker_count=Count("staff", filter=Q(staff__role=StaffRole.GRID_WORKER, staff__active=True)),
        )

    def violating_policy(self, policy: GridPolicy | None = None) -> GridQuerySet:
        policy = policy or GridPolicy.load()
        return self.with_staff_counts().filter(policy.violation_q())

    def compliant(self, policy: GridPolicy | None = None) -> GridQuerySet:
        policy = policy or GridPolicy.load()
        return self.with_staff_counts().exclude(policy.violation_q())


class Grid(models.Model):
    class Kind(models.TextChoices):
        URBAN = "urban", "城市网格"
        RURAL = "rural", "农村网格"

    community = models.ForeignKey(Community, models.PROTECT, related_name="grids", verbose_name="所属社区（村）")
    code = models.SlugField("编码", max_length=64, unique=True)
    division_code = models.CharField("网格代码", max_length=32, blank=True)
    name = models.CharField("名称", max_length=64)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.URBAN)
    households = models.PositiveIntegerField("户数", default=0)
    population = models.PositiveIntegerField("人口", default=0)
    basis = models.CharField("划分依据", max_length=32, blank=True, help_text="农村网格：村民小组或自然村")
    basis_unit = models.CharField("依据单元", max_length=64, blank=True)
    boundary = models.JSONField("边界（GeoJSON）", null=True, blank=True, help_text="GeoJSON Polygon，WGS84 经纬度")
    sample_points = models.JSONField("示例坐标", default=list, blank=True)
    duties = models.ManyToManyField(GridDuty, blank=True, related_name="grids", verbose_name="网格职责")

    objects = GridQuerySet.as_manager()

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("kind")]),
        FieldRowPanel([FieldPanel("code"), FieldPanel("division_code")]),
        FieldPanel("community"),
        FieldRowPanel([FieldPanel("households"), FieldPanel("population")]),
        FieldRowPanel([FieldPanel("basis"), FieldPanel("basis_unit")]),
        FieldPanel("duties", widget=forms.CheckboxSelectMultiple),
        FieldPanel("boundary"),
        GridPolicyPanel(heading="规范检查"),
    ]

    class Meta:
        verbose_name = "网格"
        verbose_name_plural = "网格"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from cms.geo import validate_polygon

        problem = validate_polygon(self.boundary)
        if problem:
            raise ValidationError({"boundary": problem})

    @property
    def subdistrict(self) -> Subdistrict:
        return self.community.subdistrict

    def policy_violations(self, policy: GridPolicy | None = None) -> list[PolicyViolation]:
        """Each way this grid breaks the grid standard, in words an administrator can act on."""
        from .people import StaffRole

        policy = policy or GridPolicy.load()
        problems: list[PolicyViolation] = []
        if self.kind == Grid.Kind.URBAN and not (
            policy.urban_households_min <= self.households <= policy.urban_households_max
        ):
            low = policy.urban_population_target - policy.urban_population_tolerance
            high = policy.urban_population_target + policy.urban_population_tolerance
            if not (low <= self.population <= high):
                problems.append(
                    PolicyViolation(
                        "households",
                        f"城市网格户数为{self.households}户，不在{policy.urban_households_min}–"
                        f"{policy.urban_households_max}户范围内，人口{self.population}人也不在约"
                        f"{policy.urban_population_target}人的参考规模内，建议调整网格划分。",
                    )
                )
        if self.pk:
            staff = list(self.staff.filter(active=True).values_list("role", flat=True))
            leaders = staff.count(StaffRole.GRID_LEADER)
            workers = staff.count(StaffRole.GRID_WORKER)
            if leaders != policy.leaders_required:
                problems.append(
                    PolicyViolation("leaders", f"配备网格长{leaders}名，规范要求{policy.leaders_required}名。")
                )
            if not (policy.workers_min <= workers <= policy.workers_max):
                problems.append(
                    PolicyViolation(
                        "workers",
                        f"配备网格员{workers}名，规范要求{policy.workers_min}–{policy.workers_max}名，"
                        "请补充或调整人员。",
                    )
                )
        return problems

    def contains_point(self, lat: float, lng: float) -> bool:
        from cms.geo import point_in_geojson

        return bool(self.boundary) and point_in_geojson(lng, lat, self.boundary)


class Street(models.Model):
    subdistrict = models.ForeignKey(Subdistrict, models.PROTECT, related_name="streets", verbose_name="所属街道（镇）")
    code = models.SlugField("编码", max_length=64, unique=True)
    name = models.CharField("街名", max_length=64)
    fictional_name = models.BooleanField("虚构名称", default=False)

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("code")]), FieldPanel("subdistrict")]

    class Meta:
        verbose_name = "街"
        verbose_name_plural = "街"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Alley(models.Model):
    street = models.ForeignKey(Street, models.PROTECT, related_name="alleys", verbose_name="所属街")
    code = models.SlugField("编码", max_length=64, unique=True)
    name = models.CharField("巷名", max_length=64)
    fictional_name = models.BooleanField("虚构名称", default=False)

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("code")]), FieldPanel("street")]

    class Meta:
        verbose_name = "巷"
        verbose_name_plural = "巷"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.street.name}·{self.name}" if self.street_id else self.name


class Address(models.Model):
    """A building-level address of the register; the exact text is what requests are matched on."""

    address = models.CharField("地址", max_length=255, unique=True)
    grid = models.ForeignKey(Grid, models.PROTECT, related_name="addresses", verbose_name="所属网格")
    alley = models.ForeignKey(
        Alley, models.PROTECT, related_name="addresses", verbose_name="所属巷", null=True, blank=True
    )

    panels = [FieldPanel("address"), FieldRowPanel([FieldPanel("grid"), FieldPanel("alley")])]

    class Meta:
        verbose_name = "门牌地址"
        verbose_name_plural = "门牌地址"
        ordering = ["grid__code", "id"]

    def __str__(self) -> str:
        return self.address
