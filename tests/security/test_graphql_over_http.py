"""Finding 7 (API): GraphQL over HTTP as graphql-http's server audit checks it, MUSTs and SHOULDs
alike (the audit's list, re-expressed here; the ids are the audit's), plus our 500 for a request
that answered nothing because of our own fault."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

GRJ = "application/graphql-response+json"
JSN = "application/json"
UNKNOWN_FIELD = "{ 8f31403dfe404bccbb0e835f2629c6a7 }"
TYPE_QUERY = "query Type($name: String!) { __type(name: $name) { name } }"


@dataclass(frozen=True)
class Audit:
    id: str
    level: str  # MUST, SHOULD or MAY
    name: str
    accept: str | None = None
    body: Any = None  # a dict is sent as JSON, a str as it is; None with get= for GET
    get: dict | None = None
    content_type: str | None = JSN
    status: int | tuple[int, int] = 200
    errors: bool | None = None  # True: must have "errors"; False: must not
    data_absent: bool = False
    response_type: str | None = None


def q(query: str = "{ __typename }", **extra: Any) -> dict:
    return {"query": query, **extra}


INVALID = [("object", {"obj": "ect"}), ("number", 0), ("boolean", False), ("array", ["array"])]

AUDITS = [
    Audit("22EB", "SHOULD", "accept graphql-response+json and match the content-type", GRJ, q(), response_type=GRJ),
    Audit("4655", "MUST", "accept application/json and match the content-type", JSN, q(), response_type=JSN),
    Audit("47DE", "SHOULD", "accept */* and use application/json", "*/*", q(), response_type=JSN),
    Audit("80D8", "SHOULD", "assume application/json when accept is missing", None, q(), response_type=JSN),
    Audit(
        "BF61",
        "MUST",
        "accept utf-8 encoded request",
        None,
        q('{ __type(name: "Run🏃Swim🏊") { name } }'),
        content_type="application/json; charset=utf-8",
    ),
    Audit("2C94", "MUST", "accept POST requests", None, q()),
    Audit("5A70", "MAY", "accept GET requests", None, get={"query": "{ __typename }"}),
    Audit(
        "9C48", "MAY", "not allow mutations on GET", GRJ, get={"query": "mutation { __typename }"}, status=(400, 499)
    ),
    Audit("9ABE", "MAY", "4xx without content-type", None, "", content_type=None, status=(400, 499)),
    Audit("A5BF", "MAY", "400 when the body is missing", None, "", status=400),
    Audit("423L", "MAY", "400 on missing {query}", GRJ, {"notquery": "{ __typename }"}, status=400),
    *[
        Audit(f"LKJ{i}", "MAY", f"400 on {kind} {{query}}", None, {"query": v}, status=400)
        for i, (kind, v) in enumerate(INVALID)
    ],
    Audit("34A2", "SHOULD", "allow string {query} with graphql-response+json", GRJ, q()),
    Audit("13EE", "MUST", "allow string {query} with application/json", JSN, q(), errors=False),
    *[
        Audit(f"6C0{i}", "MAY", f"400 on {kind} {{operationName}}", None, q(operationName=v), status=400)
        for i, (kind, v) in enumerate(INVALID)
    ],
    Audit(
        "8161",
        "SHOULD",
        "allow string {operationName} (grj)",
        GRJ,
        q("query Query { __typename }", operationName="Query"),
    ),
    Audit(
        "B8B3",
        "MUST",
        "allow string {operationName} (json)",
        JSN,
        q("query Query { __typename }", operationName="Query"),
        errors=False,
    ),
    *[
        Audit(f"94B{i}", "SHOULD", f"allow null {{{p}}} (grj)", GRJ, q(**{p: None}), errors=False)
        for i, p in enumerate(["variables", "operationName", "extensions"])
    ],
    *[
        Audit(f"022{i}", "MUST", f"allow null {{{p}}} (json)", JSN, q(**{p: None}), errors=False)
        for i, p in enumerate(["variables", "operationName", "extensions"])
    ],
    *[
        Audit(f"476{i}", "MAY", f"400 on {kind} {{variables}}", None, q(variables=v), status=400)
        for i, (kind, v) in enumerate([("string", "string"), ("number", 0), ("boolean", False), ("array", ["array"])])
    ],
    Audit("2EA1", "SHOULD", "allow map {variables} (grj)", GRJ, q(TYPE_QUERY, variables={"name": "sometype"})),
    Audit(
        "28B9", "MUST", "allow map {variables} (json)", JSN, q(TYPE_QUERY, variables={"name": "sometype"}), errors=False
    ),
    Audit(
        "D6D5",
        "MAY",
        "URL-encoded JSON {variables} in GET (grj)",
        GRJ,
        get={"query": TYPE_QUERY, "variables": json.dumps({"name": "sometype"})},
    ),
    Audit(
        "6A70",
        "MAY",
        "URL-encoded JSON {variables} in GET (json)",
        JSN,
        get={"query": TYPE_QUERY, "variables": json.dumps({"name": "sometype"})},
        errors=False,
    ),
    *[
        Audit(f"58B{i}", "MAY", f"400 on {kind} {{extensions}}", None, q(extensions=v), status=400)
        for i, (kind, v) in enumerate([("string", "string"), ("number", 0), ("boolean", False), ("array", ["array"])])
    ],
    Audit("428F", "SHOULD", "allow map {extensions} (grj)", GRJ, q(extensions={"some": "value"})),
    Audit("1B7A", "MUST", "allow map {extensions} (json)", JSN, q(extensions={"some": "value"}), errors=False),
    Audit("B6DC", "MAY", "4xx on JSON parsing failure", None, '{ "not a JSON', status=(400, 499)),
    Audit("BCF8", "MAY", "400 on JSON parsing failure", None, '{ "not a JSON', status=400),
    Audit("8764", "MAY", "4xx/5xx on invalid parameters", None, {"qeury": "{ __typename }"}, status=(400, 599)),
    Audit("3E3A", "MAY", "400 on invalid parameters", None, {"qeury": "{ __typename }"}, status=400),
    Audit("572B", "SHOULD", "200 on document parsing failure (json)", JSN, q("{")),
    Audit("FDE2", "SHOULD", "200 on document validation failure (json)", JSN, q(UNKNOWN_FIELD)),
    Audit(
        "7B9B",
        "SHOULD",
        "200 on variable coercion failure (json)",
        JSN,
        q("query CoerceFailure($id: ID!){ __typename }", variables={"id": None}),
    ),
    Audit("865D", "SHOULD", "4xx/5xx on document parsing failure (grj)", GRJ, q("{"), status=(400, 599)),
    Audit("556A", "SHOULD", "400 on document parsing failure (grj)", GRJ, q("{"), status=400),
    Audit(
        "D586", "SHOULD", "no data entry on document parsing failure (grj)", GRJ, q("{"), status=400, data_absent=True
    ),
    Audit("51FE", "SHOULD", "4xx/5xx on validation failure (grj)", GRJ, q(UNKNOWN_FIELD), status=(400, 599)),
    Audit("74FF", "SHOULD", "400 on validation failure (grj)", GRJ, q(UNKNOWN_FIELD), status=400),
    Audit(
        "5E5B",
        "SHOULD",
        "no data entry on validation failure (grj)",
        GRJ,
        q(UNKNOWN_FIELD),
        status=400,
        data_absent=True,
    ),
    Audit(
        "86EE",
        "SHOULD",
        "400 on variable coercion failure (grj)",
        GRJ,
        q("query CoerceFailure($id: ID!){ __typename }", variables={"id": None}),
        status=400,
    ),
]


def run(audit: Audit) -> list[str]:
    """What is wrong with the server's answer to ``audit`` (empty: it passes)."""
    client = Client()
    headers = {"HTTP_ACCEPT": audit.accept} if audit.accept else {}
    if audit.get is not None:
        response = client.get("/graphql/", audit.get, **headers)
    else:
        body = audit.body if isinstance(audit.body, str) else json.dumps(audit.body)
        if audit.content_type is None:
            response = client.generic("POST", "/graphql/", body, content_type="", **headers)
        else:
            response = client.generic("POST", "/graphql/", body, content_type=audit.content_type, **headers)
    problems = []
    low, high = audit.status if isinstance(audit.status, tuple) else (audit.status, audit.status)
    if not low <= response.status_code <= high:
        problems.append(f"status {response.status_code}")
    content_type = response.get("Content-Type", "")
    if audit.response_type and audit.response_type not in content_type:
        problems.append(f"content-type {content_type}")
    response.content.decode("utf-8")  # MUST use utf-8 (82A3)
    payload = json.loads(response.content) if "json" in content_type else {}
    if audit.errors is True and "errors" not in payload:
        problems.append("no errors entry")
    if audit.errors is False and "errors" in payload:
        problems.append(f"errors: {payload['errors']}")
    if audit.data_absent and "data" in payload:
        problems.append("data entry present")
    return problems


@pytest.mark.parametrize("audit", [a for a in AUDITS if a.level != "MAY"], ids=lambda a: f"{a.id}-{a.level}")
def test_must_and_should_audits_pass(audit, reference_data):
    assert run(audit) == []


def test_the_whole_audit_has_no_failures_and_no_warnings(reference_data, capsys):
    failures = {a.id: run(a) for a in AUDITS}
    warnings = [i for i, p in failures.items() if p and next(a for a in AUDITS if a.id == i).level == "SHOULD"]
    errors = [i for i, p in failures.items() if p and next(a for a in AUDITS if a.id == i).level == "MUST"]
    optional = [i for i, p in failures.items() if p and next(a for a in AUDITS if a.id == i).level == "MAY"]
    with capsys.disabled():
        print(
            f"\ngraphql-http audit: {len(AUDITS)} audits, {len(errors)} errors, {len(warnings)} warnings, "
            f"{len(optional)} optional not taken {optional}"
        )
    assert (errors, warnings) == ([], [])


def test_a_resolver_crash_that_answers_nothing_is_a_500(monkeypatch, reference_data):
    from api import schema as api_schema

    def boom(*args, **kwargs):
        raise RuntimeError("database on fire")

    ping = api_schema.schema.graphql_schema.query_type.fields["ping"]  # String!: a crash nulls all data
    monkeypatch.setattr(ping, "resolve", boom)
    response = Client().post("/graphql/", {"query": "{ ping }"}, content_type=JSN, HTTP_ACCEPT=GRJ)
    assert response.status_code == 500
    body = json.loads(response.content)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert "database on fire" not in response.content.decode()
