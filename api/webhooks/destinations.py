"""Where webhooks may go: https to public addresses only, unless ``WEBHOOK_INTERNAL_HOSTS`` names the
host. Checked when a subscription is saved and again, on the resolved address, at every delivery,
so a name that later resolves to 127.0.0.1 or 169.254.169.254 (DNS rebinding) is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from api.conf import api_setting

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeDestination(Exception):
    """The URL may not receive webhooks; the message says why, in Chinese."""


@dataclass(frozen=True)
class Destination:
    """A checked URL and the address the delivery must connect to (never resolved a second time)."""

    url: str
    scheme: str
    host: str
    port: int
    address: Address

    @property
    def pinned_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        parts = urlsplit(self.url)
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return parts._replace(netloc=f"{host}:{self.port}").geturl()


def resolve(host: str, port: int) -> list[Address]:
    """Every address ``host`` resolves to now (a seam for tests)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _internal_hosts() -> set[str]:
    return {h.strip().lower() for h in api_setting("WEBHOOK_INTERNAL_HOSTS") if h.strip()}


def check(url: str) -> Destination:
    """The destination of ``url`` if webhooks may go there; else :class:`UnsafeDestination`."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeDestination("接收地址格式不正确。") from None
    if parts.scheme not in ("http", "https") or not host:
        raise UnsafeDestination("接收地址必须是 https:// 开头的完整网址。")
    if parts.username or parts.password:
        raise UnsafeDestination("接收地址不能包含用户名或密码。")
    internal = host in _internal_hosts()
    if parts.scheme != "https" and not internal:
        raise UnsafeDestination("接收地址必须使用 https；内网地址须由运维在 WEBHOOK_INTERNAL_HOSTS 中列出。")
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError, ValueError):
        raise UnsafeDestination(f"无法解析接收地址的主机名 {host}。") from None
    if not addresses:
        raise UnsafeDestination(f"无法解析接收地址的主机名 {host}。")
    if not internal:
        for address in addresses:
            if not address.is_global or address.is_multicast:
                raise UnsafeDestination(
                    f"接收地址 {host} 指向内网或保留地址 {address}，不能接收推送；"
                    "确需推送到内网时，由运维在 WEBHOOK_INTERNAL_HOSTS 中列出该主机。"
                )
    return Destination(url, parts.scheme, host, port, addresses[0])
