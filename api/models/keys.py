"""Partner API keys: ``<prefix>.<secret>``, shown once, stored as a SHA-256 digest of the secret."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from api.conf import api_setting
from api.core.permissions import Scope
from api.forms import PartnerKeyForm
from cms.models import Department

PREFIX_BYTES = 6
SECRET_BYTES = 32


def hash_secret(secret: str) -> str:
    """SHA-256 is enough: the secret is 256 random bits, not a password a person chose."""
    return hashlib.sha256(secret.encode()).hexdigest()


def valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value or ""))
    except ValueError:
        return None


def _cache_key(prefix: str) -> str:
    return f"api:partner-key:{prefix}"


def default_rate_limit() -> int:
    return int(api_setting("API_KEY_DEFAULT_RATE_LIMIT_PER_MINUTE"))


class PartnerKeyQuerySet(models.QuerySet["PartnerKey"]):
    def active(self) -> PartnerKeyQuerySet:
        return self.filter(revoked_at__isnull=True)


class PartnerKey(models.Model):
    name = models.CharField("名称", max_length=128, help_text="密钥用途，例如“12345 热线系统（生产）”。")
    partner = models.CharField("合作方", max_length=128)
    prefix = models.CharField("密钥前缀", max_length=32, unique=True, editable=False)
    secret_hash = models.CharField("密钥摘要", max_length=64, editable=False)
    can_read_content = models.BooleanField("读取公开内容", default=True, help_text="服务事项、政策、区划网格等。")
    can_submit_cases = models.BooleanField("提交诉求", default=False)
    departments = models.ManyToManyField(
        Department,
        blank=True,
        related_name="partner_keys",
        verbose_name="可代表的部门",
        help_text="该密钥可以代表这些部门报到、反馈、办结和退单。",
    )
    rate_limit_per_minute = models.PositiveIntegerField(
        "每分钟请求上限",
        default=default_rate_limit,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
    )
    note = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="创建人",
    )
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField("最近使用地址", null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True, editable=False)

    objects = PartnerKeyQuerySet.as_manager()

    base_form_class = PartnerKeyForm

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("partner")]),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("can_read_content"), FieldPanel("can_submit_cases")]),
                FieldPanel("departments"),
            ],
            heading="权限范围",
        ),
        FieldPanel("rate_limit_per_minute"),
        FieldPanel("note"),
        FieldPanel("revoke"),
    ]

    class Meta:
        verbose_name = "合作方密钥"
        verbose_name_plural = "合作方密钥"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self.forget_cached()

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        result = super().delete(*args, **kwargs)
        self.forget_cached()
        return result

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def scopes(self) -> frozenset[str]:
        """The yes/no scopes; acting for a department is checked per department."""
        scopes = set()
        if self.can_read_content:
            scopes.add(str(Scope.READ_CONTENT))
        if self.can_submit_cases:
            scopes.add(str(Scope.SUBMIT_CASES))
        return frozenset(scopes)

    def department_codes(self) -> frozenset[str]:
        return frozenset(self.departments.values_list("code", flat=True))

    def issue(self) -> str:
        """Give the key a new prefix and secret; returns the full key, which is never stored."""
        if self.pk:
            self.forget_cached()  # the old prefix must stop authenticating from the cache
        self.prefix = secrets.token_hex(PREFIX_BYTES)
        secret = secrets.token_urlsafe(SECRET_BYTES)
        self.secret_hash = hash_secret(secret)
        return f"{self.prefix}.{secret}"

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, hash_secret(secret))

    def revoke(self) -> None:
        now = timezone.now()
        PartnerKey.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=now)
        self.revoked_at = self.revoked_at or now
        self.forget_cached()

    def forget_cached(self) -> None:
        """Drop this key from the lookup cache now and again after commit, so a request that read
        the old row meanwhile cannot leave it cached past the change."""
        if self.prefix:
            key = _cache_key(self.prefix)
            cache.delete(key)
            transaction.on_commit(lambda: cache.delete(key))

    def touch(self, ip: str | None) -> None:
        """Record use, at most once per ``API_KEY_LAST_USED_RESOLUTION_SECONDS``."""
        now = timezone.now()
        resolution = api_setting("API_KEY_LAST_USED_RESOLUTION_SECONDS")
        if self.last_used_at and (now - self.last_used_at).total_seconds() < resolution:
            return
        ip = valid_ip(ip)
        PartnerKey.objects.filter(pk=self.pk).update(last_used_at=now, last_used_ip=ip)
        self.last_used_at, self.last_used_ip = now, ip
        cache.delete(_cache_key(self.prefix))  # the next request reads the new time (once per resolution)

    @classmethod
    def authenticate(cls, raw_key: str) -> PartnerKey | None:
        """The active key for ``<prefix>.<secret>``, or None; the secret is checked on every call."""
        prefix, dot, secret = raw_key.strip().partition(".")
        if not dot or not prefix or not secret or len(prefix) > 32 or len(secret) > 128:
            return None
        key = cls.active_by_prefix(prefix)
        if key is None or not key.matches(secret):
            return None
        return key

    @classmethod
    def active_by_prefix(cls, prefix: str) -> PartnerKey | None:
        """The active key with *prefix*, from the cache for ``API_KEY_CACHE_SECONDS`` after a lookup.

        Only found keys are cached (an unknown prefix always reaches the database), and every
        save, revocation or deletion through the model clears the entry (see :meth:`forget_cached`).
        """
        seconds = api_setting("API_KEY_CACHE_SECONDS")
        if seconds:
            cached: PartnerKey | None = cache.get(_cache_key(prefix))
            if cached is not None:
                return cached
        key = cls.objects.active().filter(prefix=prefix).first()
        if key is not None and seconds:
            cache.set(_cache_key(prefix), key, seconds)
        return key
