"""SMS: a console backend for development and Alibaba Cloud SMS (阿里云短信服务, API 2017-05-25).

Aliyun sends only registered templates: each notice kind maps to a template code
(``NOTIFY_SMS_TEMPLATES``) and the notice's ``params`` fill it. The request is the provider's RPC
format: sorted, RFC 3986-encoded query, signed with HMAC-SHA1 over ``GET&%2F&<query>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import requests
from django.conf import settings

from ..models import Notice
from . import DeliveryError

logger = logging.getLogger("notify.sms")


class ConsoleSmsBackend:
    """Development: the text goes to the log (and the console), nothing leaves the machine."""

    def send(self, notice: Notice) -> str:
        logger.warning("短信 → %s：%s", notice.address, notice.body)
        return f"console-{notice.pk}"


def percent_encode(value: str) -> str:
    return quote(str(value), safe="~")


def sign(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """Aliyun RPC signature (SignatureVersion 1.0)."""
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend:
    """Settings: ``ALIYUN_SMS_ACCESS_KEY_ID``, ``ALIYUN_SMS_ACCESS_KEY_SECRET``, ``ALIYUN_SMS_SIGN_NAME``,
    ``NOTIFY_SMS_TEMPLATES`` (kind → template code) and ``ALIYUN_SMS_ENDPOINT`` (a local fake in tests)."""

    timeout = 10

    def __init__(self) -> None:
        self.key_id = settings.ALIYUN_SMS_ACCESS_KEY_ID
        self.secret = settings.ALIYUN_SMS_ACCESS_KEY_SECRET
        self.sign_name = settings.ALIYUN_SMS_SIGN_NAME
        self.endpoint = settings.ALIYUN_SMS_ENDPOINT
        self.templates = settings.NOTIFY_SMS_TEMPLATES
        if not (self.key_id and self.secret and self.sign_name):
            raise DeliveryError(
                "未配置阿里云短信：ALIYUN_SMS_ACCESS_KEY_ID、ALIYUN_SMS_ACCESS_KEY_SECRET、ALIYUN_SMS_SIGN_NAME"
            )

    def request_params(
        self, notice: Notice, *, now: datetime | None = None, nonce: str | None = None
    ) -> dict[str, str]:
        template = self.templates.get(notice.kind)
        if not template:
            raise DeliveryError(f"短信类型 {notice.kind or '（空）'} 没有配置模板编号（NOTIFY_SMS_TEMPLATES）")
        params = {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": notice.key[:64],
            "PhoneNumbers": notice.address,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "TemplateParam": json.dumps(notice.params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = sign(params, self.secret)
        return params

    def send(self, notice: Notice) -> str:
        try:
            response = requests.get(self.endpoint, params=self.request_params(notice), timeout=self.timeout)
            data = response.json()
        except (requests.RequestException, ValueError) as error:
            raise DeliveryError(f"短信服务无法访问：{error}") from error
        if data.get("Code") != "OK":
            raise DeliveryError(f"短信服务拒绝：{data.get('Code')} {data.get('Message')}")
        return str(data.get("BizId", ""))
