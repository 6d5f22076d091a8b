"""Partner keys: format, hashing, revocation, last use, scopes and per-key rate limits."""

from __future__ import annotations

import hashlib

import pytest
from django.test import override_settings
from django.utils import timezone

from api.models import PartnerKey

pytestmark = pytest.mark.django_db


def test_issued_key_is_prefix_dot_secret_and_only_a_digest_is_stored(make_key):
    key, raw = make_key(read=True)
    prefix, secret = raw.split(".")
    assert prefix == key.prefix and len(prefix) == 12
    assert len(secret) >= 43
    stored = PartnerKey.objects.filter(pk=key.pk).values().get()
    assert secret not in str(stored)
    assert stored["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert PartnerKey.authenticate(raw) == key
    assert PartnerKey.authenticate(f"{prefix}.{secret}x") is None
    assert PartnerKey.authenticate(secret) is None


def test_key_authenticates_and_records_last_use(gql, make_key):
    key, raw = make_key(read=True)
    response = gql("{ ping }", key=raw, REMOTE_ADDR="10.1.2.3")
    assert response.status == 200 and response.data == {"ping": "pong"}
    key.refresh_from_db()
    assert key.last_used_ip == "10.1.2.3"
    assert (timezone.now() - key.last_used_at).total_seconds() < 5


@pytest.mark.parametrize(
    "header",
    ["Bearer nope", "Bearer abc.def", "Basic dXNlcjpwdw==", "Bearer", "Token x.y"],
)
def test_bad_keys_are_refused_with_401(client, header):
    response = client.post(
        "/graphql/", {"query": "{ ping }"}, content_type="application/json", HTTP_AUTHORIZATION=header
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_API_KEY"


def test_revoked_key_is_refused(gql, make_key):
    key, raw = make_key(read=True)
    key.revoke()
    response = gql("{ ping }", key=raw)
    assert response.status == 401
    assert response.errors == [{"message": "合作方密钥无效或已吊销。", "extensions": {"code": "INVALID_API_KEY"}}]


def test_key_without_read_scope_cannot_read_content(gql, make_key, reference_data):
    _, raw = make_key(read=False, submit=True)
    response = gql("{ ping departments { code } }", key=raw)
    assert response.status == 200
    assert response.data is None
    assert response.errors[0]["extensions"] == {"code": "PERMISSION_DENIED", "requiredScope": "read_content"}
    assert response.errors[0]["path"] == ["departments"]


@override_settings(GRAPHQL_ANONYMOUS_SCOPES=[])
def test_anonymous_scopes_are_configurable(gql, make_key, reference_data):
    assert gql("{ departments { code } }").error_codes == ["PERMISSION_DENIED"]
    _, raw = make_key(read=True)
    assert len(gql("{ departments { code } }", key=raw).data["departments"]) == 19


def test_per_key_rate_limit(gql, make_key):
    _, slow = make_key(read=True, rate_limit=3, name="慢")
    _, other = make_key(read=True, rate_limit=3, name="另一个")
    responses = [gql("{ ping }", key=slow) for _ in range(4)]
    assert [r.status for r in responses] == [200, 200, 200, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in responses[:3]] == ["2", "1", "0"]
    limited = responses[3]
    assert limited.error_codes == ["RATE_LIMITED"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert gql("{ ping }", key=other).status == 200


@override_settings(GRAPHQL_ANONYMOUS_RATE_LIMIT="2/m")
def test_anonymous_rate_limit_is_per_address(gql, post_raw):
    assert [gql("{ ping }", REMOTE_ADDR="10.0.0.1").status for _ in range(3)] == [200, 200, 429]
    assert gql("{ ping }", REMOTE_ADDR="10.0.0.2").status == 200


@override_settings(GRAPHQL_ANONYMOUS_RATE_LIMIT="5/m")
def test_a_batch_counts_each_operation(post_raw):
    import json

    assert post_raw(json.dumps([{"query": "{ ping }"}] * 5)).status == 200
    assert post_raw(json.dumps({"query": "{ ping }"})).status == 429


@override_settings(
    GRAPHQL_ANONYMOUS_RATE_LIMIT="2/m",
    GRAPHQL_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR",
    GRAPHQL_TRUSTED_PROXIES=["127.0.0.1", "10.0.0.0/8"],
)
def test_client_address_from_a_trusted_proxy_header(gql):
    assert gql("{ ping }", HTTP_X_FORWARDED_FOR="1.1.1.1, 10.0.0.1").status == 200
    assert gql("{ ping }", HTTP_X_FORWARDED_FOR="1.1.1.1").status == 200
    assert gql("{ ping }", HTTP_X_FORWARDED_FOR="1.1.1.1").status == 429
    assert gql("{ ping }", HTTP_X_FORWARDED_FOR="2.2.2.2").status == 200


def test_invalid_forwarded_address_does_not_break_last_use(gql, make_key):
    key, raw = make_key(read=True)
    with override_settings(GRAPHQL_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR"):
        assert gql("{ ping }", key=raw, HTTP_X_FORWARDED_FOR="not-an-ip").status == 200
    key.refresh_from_db()
    # A header that holds no address is ignored: the proxy itself is the client.
    assert key.last_used_at is not None and key.last_used_ip == "127.0.0.1"


@override_settings(GRAPHQL_ANONYMOUS_RATE_LIMIT="3/m")
def test_guessing_keys_is_rate_limited_per_address(gql):
    statuses = [gql("{ ping }", key=f"guess{i}.secret{i}", REMOTE_ADDR="10.7.7.7").status for i in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_a_used_key_is_served_from_the_cache_until_it_changes(gql, make_key, django_assert_num_queries):
    key, raw = make_key(read=True)
    assert gql("{ ping }", key=raw).data == {"ping": "pong"}  # looks the key up, records its use
    gql("{ ping }", key=raw)  # the use was recorded: looks it up once more and keeps it
    with django_assert_num_queries(0):
        assert gql("{ ping }", key=raw).data == {"ping": "pong"}
    key.refresh_from_db()  # as the admin form would load it
    key.can_read_content = False
    key.save()
    with django_assert_num_queries(1):  # the edit cleared the entry; the new scopes apply at once
        assert gql("{ departments { code } }", key=raw).error_codes == ["PERMISSION_DENIED"]


def test_revoking_a_cached_key_refuses_the_next_request(gql, make_key):
    key, raw = make_key(read=True)
    for _ in range(3):
        assert gql("{ ping }", key=raw).status == 200
    PartnerKey.objects.get(pk=key.pk).revoke()  # another instance of the row, as the admin form has
    assert gql("{ ping }", key=raw).status == 401


def test_a_cached_key_still_needs_its_secret(gql, make_key):
    _, raw = make_key(read=True)
    gql("{ ping }", key=raw)
    prefix, _, secret = raw.partition(".")
    assert gql("{ ping }", key=f"{prefix}.{secret[:-1]}x").status == 401


@override_settings(API_KEY_CACHE_SECONDS=0)
def test_the_cache_can_be_switched_off(gql, make_key, django_assert_num_queries):
    _, raw = make_key(read=True)
    gql("{ ping }", key=raw)
    with django_assert_num_queries(1):
        gql("{ ping }", key=raw)


def test_a_reissued_key_stops_the_old_secret_at_once(gql, make_key):
    key, old = make_key(read=True)
    for _ in range(3):
        assert gql("{ ping }", key=old).status == 200
    key.refresh_from_db()
    new = key.issue()
    key.save()
    assert gql("{ ping }", key=old).status == 401
    assert gql("{ ping }", key=new).status == 200
