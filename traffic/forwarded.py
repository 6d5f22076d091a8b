"""The client's address behind reverse proxies: a forwarded header counts only when the request comes
from a configured proxy, and then only its rightmost entry that no trusted proxy wrote.

Everything left of that entry was written by the client itself and can say anything.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """``("10.0.0.0/8", "127.0.0.1")`` as networks; a bad entry is a configuration error."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, proxies: Iterable[Network]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_address(meta: Mapping[str, str], header: str, trusted_proxies: Iterable[str]) -> str:
    """``REMOTE_ADDR``, or from ``header`` (a META key such as ``HTTP_X_FORWARDED_FOR``) the rightmost
    hop that is not a trusted proxy, when ``REMOTE_ADDR`` itself is a trusted proxy."""
    remote = str(meta.get("REMOTE_ADDR", ""))[:64]
    proxies = networks(tuple(trusted_proxies))
    if not header or not _trusted(_address(remote), proxies):
        return remote
    hops = [hop for hop in str(meta.get(header, "")).split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # Garbage in the chain: stop at the last address we could trust.
            break
        if not _trusted(address, proxies):
            return str(address)
        remote = str(address)
    return remote[:64]
