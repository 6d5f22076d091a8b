"""Whatever a client sends gets a GraphQL error with a stable code, never a 500."""

from __future__ import annotations

import json
import time

import pytest
from django.test import override_settings
from graphql import get_introspection_query

from api.schema import schema

pytestmark = pytest.mark.django_db


def nested_children(levels: int) -> str:
    inner = "code"
    for _ in range(levels):
        inner = f"code children {{ {inner} }}"
    return f"{{ requestCategories {{ {inner} }} }}"


@override_settings(GRAPHQL_MAX_COST=10**12)
def test_depth_limit(gql):
    assert gql(nested_children(8)).errors == []  # requestCategories + 8 × children + code = 10
    response = gql(nested_children(9))
    assert response.status == 400
    assert response.error_codes == ["QUERY_TOO_DEEP"]
    assert response.errors[0]["message"] == "查询嵌套11层，上限为10层。"
    assert response.errors[0]["extensions"] == {"code": "QUERY_TOO_DEEP", "value": 11, "limit": 10}


@override_settings(GRAPHQL_MAX_COST=1000)
@pytest.mark.parametrize(("first", "cost"), [(10, 141), (50, 701), (71, 995), (72, 1009), (100, 1401)])
def test_cost_grows_with_first(gql, first, cost):
    # serviceItems 1 + first × (edges 1 + node 1 + code 1 + faqs (1 + 10 × question 1)) = 1 + 14·first
    query = "query($n: Int) { serviceItems(first: $n) { edges { node { code faqs { question } } } } }"
    response = gql(query, {"n": first})
    if cost > 1000:
        assert response.status == 400
        assert response.errors[0]["extensions"] == {"code": "QUERY_TOO_COMPLEX", "value": cost, "limit": 1000}
    else:
        assert response.errors == []


def test_cost_counts_literal_first_and_default_page(gql):
    with override_settings(GRAPHQL_MAX_COST=50):
        literal = gql("{ serviceItems(first: 30) { edges { node { code } } } }")
        default = gql("{ serviceItems { edges { node { code } } } }")
    assert literal.errors[0]["extensions"]["value"] == 1 + 30 * 3
    assert default.errors[0]["extensions"]["value"] == 1 + 20 * 3


def test_alias_limit(gql):
    ok = " ".join(f"p{i}: ping" for i in range(20))
    assert gql(f"{{ {ok} }}").errors == []
    response = gql(f"{{ {ok} p20: ping }}")
    assert response.status == 400
    assert response.error_codes == ["TOO_MANY_ALIASES"]


def test_fragment_bomb_is_measured_in_linear_time(gql):
    fragments = ["fragment F0 on Query { ping }"]
    fragments += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 40)]
    query = "{ ...F39 }\n" + "\n".join(fragments)
    started = time.monotonic()
    response = gql(query)
    assert time.monotonic() - started < 2
    assert response.error_codes == ["QUERY_TOO_COMPLEX"]
    assert response.errors[0]["extensions"]["value"] == 2**39


@pytest.mark.parametrize(
    "query",
    [
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        "{ ...Missing }",
        "{ nope }",
        "{ serviceItems(first: 1) { edges { node { nope } } } }",
        "query($n: Int) { serviceItems(first: $m) { totalCount } }",
        "{ ping",
        "{ " + "{" * 3000 + " }",
        "subscription { ping }",
    ],
    ids=[
        "fragment-cycle",
        "unknown-fragment",
        "unknown-field",
        "unknown-nested",
        "undefined-var",
        "syntax",
        "deep-braces",
        "subscription",
    ],
)
def test_invalid_documents(gql, query):
    response = gql(query)
    assert response.status == 400
    assert response.errors
    assert set(response.error_codes) <= {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_REQUEST"}


def test_too_many_tokens(gql):
    response = gql("{ " + "ping " * 2001 + "}")
    assert response.status == 400
    assert response.error_codes == ["GRAPHQL_PARSE_FAILED"]


def test_many_same_fields_do_not_stall_validation(gql):
    assert gql("{ " + "ping " * 500 + "}").data == {"ping": "pong"}
    started = time.monotonic()
    response = gql("{ " + "ping " * 1990 + "}")
    assert time.monotonic() - started < 3
    assert response.status == 400
    assert response.errors == [{"message": "Validation aborted.", "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"not json", "application/json", 400, "BAD_REQUEST"),
        (b"42", "application/json", 400, "BAD_REQUEST"),
        (b'"query"', "application/json", 400, "BAD_REQUEST"),
        (b"[" * 100_00 + b"]" * 100_00, "application/json", 400, "BAD_REQUEST"),
        (b'{"query": 5}', "application/json", 400, "BAD_REQUEST"),
        (b'{"query": ""}', "application/json", 400, "BAD_REQUEST"),
        (b"{}", "application/json", 400, "BAD_REQUEST"),
        (b'{"query": "{ ping }", "variables": [1]}', "application/json", 400, "BAD_REQUEST"),
        (b'{"query": "{ ping }", "variables": "{bad"}', "application/json", 400, "BAD_REQUEST"),
        (b'{"query": "{ ping }", "operationName": 5}', "application/json", 400, "BAD_REQUEST"),
        (b'{"query": "query A { ping }", "operationName": "B"}', "application/json", 400, "BAD_REQUEST"),
        (b'{"query": "query A { ping } query B { ping }"}', "application/json", 400, "BAD_REQUEST"),
        (b"\xff\xfe", "application/json", 400, "BAD_REQUEST"),
        (b"query=%7Bping%7D", "application/x-www-form-urlencoded", 400, "BAD_REQUEST"),
        (b"{ ping }", "text/plain", 400, "BAD_REQUEST"),
        (b"[]", "application/json", 400, "BAD_REQUEST"),
        (b'[{"query": "{ ping }"}, 3]', "application/json", 400, "BAD_REQUEST"),
        (
            json.dumps(
                {"query": "query($n: Int) { serviceItems(first: $n) { totalCount } }", "variables": {"n": 2**40}}
            ).encode(),
            "application/json",
            400,
            "QUERY_TOO_COMPLEX",
        ),
        (
            json.dumps(
                {"query": 'query($n: Int) { search(query: "x", first: $n) { total } }', "variables": {"n": 2**40}}
            ).encode(),
            "application/json",
            400,
            "QUERY_TOO_COMPLEX",
        ),
        (
            json.dumps(
                {"query": "query($n: Int) { serviceItems(first: $n) { totalCount } }", "variables": {"n": "abc"}}
            ).encode(),
            "application/json",
            400,
            "BAD_REQUEST",
        ),
        (
            json.dumps(
                {
                    "query": "query($p: GeoPointInput) { gridLookup(point: $p) { address } }",
                    "variables": {"p": {"lat": "x"}},
                }
            ).encode(),
            "application/json",
            400,
            "BAD_REQUEST",
        ),
    ],
)
def test_malformed_requests(post_raw, body, content_type, status, code):
    response = post_raw(body, content_type)
    assert response.status == status
    assert response.error_codes[0] == code
    assert response.errors[0]["message"]


def test_graphql_content_type_is_accepted(post_raw):
    response = post_raw(b"{ ping }", "application/graphql")
    assert response.status == 200 and response.data == {"ping": "pong"}


def test_body_size_limit(post_raw):
    with override_settings(GRAPHQL_MAX_BODY_BYTES=1000):
        response = post_raw(json.dumps({"query": "{ ping }", "variables": {"x": "a" * 1000}}))
    assert response.status == 413
    assert response.error_codes == ["REQUEST_TOO_LARGE"]


def test_batches(post_raw):
    response = post_raw(json.dumps([{"query": "{ ping }"}, {"query": "{ nope }"}]))
    assert response.status == 200
    assert response.body[0] == {"data": {"ping": "pong"}}
    assert response.body[1]["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    too_many = post_raw(json.dumps([{"query": "{ ping }"}] * 11))
    assert too_many.status == 400
    assert too_many.error_codes == ["BATCH_TOO_LARGE"]
    assert too_many.errors[0]["message"] == "一次批量请求最多 10 个操作，收到 11 个。"


def test_get_queries_and_no_mutations_over_get(client):
    response = client.get("/graphql/", {"query": "{ ping }"})
    assert response.status_code == 200 and json.loads(response.content) == {"data": {"ping": "pong"}}
    response = client.get("/graphql/", {"query": "mutation { ping }"})
    assert response.status_code in (400, 405)
    assert json.loads(response.content)["errors"][0]["extensions"]["code"] in (
        "METHOD_NOT_ALLOWED",
        "GRAPHQL_VALIDATION_FAILED",
    )


@pytest.mark.parametrize("method", ["put", "delete", "patch", "options"])
def test_other_methods_are_refused(client, method):
    response = getattr(client, method)("/graphql/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert json.loads(response.content)["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


def test_unexpected_resolver_failure_is_masked_and_logged(gql, monkeypatch, caplog):
    def explode(root, info):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(schema.graphql_schema.query_type.fields["ping"], "resolve", explode)
    response = gql("{ ping }")
    assert response.status == 500  # ping is non-null: nothing was answered, and the fault is ours
    assert response.data is None
    assert response.errors == [
        {"message": "服务器内部错误，请稍后重试。", "path": ["ping"], "extensions": {"code": "INTERNAL_ERROR"}}
    ]
    assert "hunter2" not in json.dumps(response.body)
    assert "hunter2" in caplog.text


def test_introspection_is_allowed_by_default_and_within_limits(gql):
    response = gql(get_introspection_query(descriptions=True))
    assert response.errors == []
    assert response.data["__schema"]["queryType"]["name"] == "Query"


@override_settings(GRAPHQL_INTROSPECTION=False)
def test_introspection_can_be_switched_off(gql):
    response = gql("{ __schema { types { name } } }")
    assert response.status == 400
    assert response.error_codes == ["INTROSPECTION_DISABLED"]
    assert gql('{ __type(name: "Query") { name } }').error_codes == ["INTROSPECTION_DISABLED"]
    assert gql("{ __typename }").data == {"__typename": "Query"}
    hidden = gql("{ servicItems { totalCount } }")
    assert hidden.errors[0]["message"] == "Cannot query field 'servicItems' on type 'Query'."


def test_suggestions_are_shown_while_introspection_is_on(gql):
    response = gql("{ servicItems { totalCount } }")
    assert "Did you mean 'serviceItems'" in response.errors[0]["message"]


@override_settings(DEBUG=True)
def test_graphiql_only_in_debug(client):
    response = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and b"graphiql" in response.content.lower()


def test_no_graphiql_without_debug(client):
    response = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert response.status_code == 400
    assert json.loads(response.content)["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
