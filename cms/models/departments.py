"""District departments and public utilities that lead or co-handle requests."""

from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel


class Department(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", "政府部门"
        UTILITY = "utility", "公用事业单位"
        OTHER = "other", "其他单位"

    code = models.SlugField("编码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=128)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.GOVERNMENT)
    duty_phone = models.CharField("值班电话", max_length=32, blank=True)
    duties = models.TextField("职责", blank=True)
    active = models.BooleanField("启用", default=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("code")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("duty_phone"), FieldPanel("active")]),
        FieldPanel("duties"),
    ]

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
