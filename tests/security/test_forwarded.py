"""Finding 6: a forwarded address counts only from a configured proxy, and only its rightmost
entry that the proxies did not write (the client writes whatever it likes to the left)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from traffic.forwarded import client_address

XFF = "HTTP_X_FORWARDED_FOR"
PROXIES = ["127.0.0.1", "10.0.0.0/8", "2001:db8::/32"]


@pytest.mark.parametrize(
    ("remote", "header", "expected"),
    [
        ("10.0.0.5", "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client forged 6.6.6.6
        ("10.0.0.5", "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),  # two proxies
        ("10.0.0.5", "203.0.113.7:51234", "203.0.113.7"),
        ("10.0.0.5", "[2001:db9::1]:443, 2001:db8::5", "2001:db9::1"),
        ("10.0.0.5", "", "10.0.0.5"),
        ("10.0.0.5", "10.0.0.7", "10.0.0.7"),  # only proxies: the first of them
        ("10.0.0.5", "6.6.6.6, not-an-ip, 10.0.0.9", "10.0.0.9"),  # garbage stops the walk
        ("198.51.100.1", "6.6.6.6", "198.51.100.1"),  # not a proxy: its header means nothing
    ],
)
def test_rightmost_untrusted_hop(remote, header, expected):
    assert client_address({"REMOTE_ADDR": remote, XFF: header}, XFF, PROXIES) == expected


def test_without_a_configured_header_the_socket_address_counts():
    assert client_address({"REMOTE_ADDR": "10.0.0.5", XFF: "6.6.6.6"}, "", PROXIES) == "10.0.0.5"


@pytest.mark.django_db
@override_settings(
    GRAPHQL_ANONYMOUS_RATE_LIMIT="3/m",
    GRAPHQL_CLIENT_IP_HEADER=XFF,
    GRAPHQL_TRUSTED_PROXIES=["127.0.0.1"],
)
def test_a_client_cannot_dodge_the_rate_limit_by_writing_the_header(gql):
    """The attack: a fresh forged leftmost address on every request."""
    statuses = [gql("{ ping }", **{XFF: f"6.6.6.{i}, 203.0.113.7"}).status for i in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
