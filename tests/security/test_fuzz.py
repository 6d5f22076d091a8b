"""A fuzz pass (Hypothesis) over every GraphQL mutation, the resident lookup and the resident forms:
whatever arrives, no 500, no INTERNAL_ERROR, and nothing is stored from input that was refused.

About 1,100 generated inputs in all, derandomised so CI sees the same ones every run.
"""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import Case, CaseEvent
from tests.api.test_cases import SUBMIT, action

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_rate_limits")]

FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
RAN: dict[str, int] = {}
EXAMPLES = {"submit": 260, "department": 320, "resident": 160, "portal_submit": 200, "portal_track": 160}

# Text as outsiders send it: ordinary Chinese, NUL and other controls, lone surrogates, huge strings.
NASTY = st.sampled_from(
    [
        "\x00",
        "\ud800",
        "\udfff",
        "\x1b[31m",
        "\u202e",
        "\ufffe",
        "'; DROP TABLE cases_case; --",
        "<script>x</script>",
        "0001-01-01T00:00:00+14:00",
        "1970-01-01T00:00:00Z",
        "9999-12-31T23:59:59-12:00",
        "下水道堵了" * 900,
        "",
        " ",
    ]
)
ANY_CHAR = st.characters(codec=None, categories=["Cc", "Cs", "Co", "Cf", "Lo", "Lu", "Nd", "Zs", "Po", "So"])
TEXT = st.one_of(
    NASTY, st.text(ANY_CHAR, max_size=40), st.text(max_size=12).map(lambda s: "芙蓉街16号院下水道堵了" + s)
)
MAYBE_TEXT = st.one_of(st.none(), TEXT)
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT, st.lists(st.integers(), max_size=2)
)
DATETIMES = st.one_of(
    st.datetimes().map(lambda d: d.isoformat() + "+08:00"),
    st.sampled_from(["2026-03-17T09:00:00+08:00", "2026-03-16T09:25:00+08:00", "2026-03-18T09:25:00+08:00"]),
    TEXT,
)


@pytest.fixture
def _no_rate_limits(settings):
    for name in (
        "GRAPHQL_ANONYMOUS_RATE_LIMIT",
        "GRAPHQL_CASE_LOOKUP_RATE_LIMIT",
        "PORTAL_SUBMIT_RATE_LIMIT",
        "PORTAL_TRACK_RATE_LIMIT",
        "RESIDENT_LOOKUP_CLIENT_FAILURES",
        "RESIDENT_LOOKUP_TICKET_FAILURES",
    ):
        setattr(settings, name, "100000/m")


def post(query: str, variables: dict, key: str | None = None) -> tuple[int, dict]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    response = Client().generic(
        "POST",
        "/graphql/",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        **headers,
    )
    return response.status_code, json.loads(response.content)


def codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


def stored() -> tuple[int, int]:
    return Case.objects.count(), CaseEvent.objects.count()


def check(status: int, body: dict, payload_name: str, before: tuple[int, int]) -> None:
    assert status < 500, body
    assert "INTERNAL_ERROR" not in codes(body), body
    payload = (body.get("data") or {}).get(payload_name)
    refused = body.get("errors") or not payload or payload.get("errors")
    if refused:
        assert stored() == before, body


def test_submit_case(hotline, clock):
    reporter = st.fixed_dictionaries(
        {}, optional={"name": MAYBE_TEXT, "phone": st.one_of(MAYBE_TEXT, st.just("13812345678"))}
    )
    point = st.fixed_dictionaries({"lat": st.floats(-200, 200), "lng": st.floats(-400, 400)})
    inputs = st.fixed_dictionaries(
        {
            "type": st.one_of(st.sampled_from(["COMPLAINT", "CONSULTATION", "HELP"]), JUNK),
            "text": st.one_of(TEXT, JUNK),
            "channel": st.one_of(st.sampled_from(["HOTLINE", "WEB", "APP", "GRID"]), JUNK),
        },
        optional={
            "address": st.one_of(st.just("历下区泉城路街道芙蓉街16号"), MAYBE_TEXT),
            "point": st.one_of(st.none(), point, JUNK),
            "reporter": st.one_of(st.none(), reporter),
            "idempotencyKey": st.one_of(st.sampled_from(["k1", "k2"]), MAYBE_TEXT),
            "receivedAt": st.one_of(st.none(), DATETIMES),
        },
    )

    @settings(FUZZ, max_examples=EXAMPLES["submit"])
    @given(inputs)
    def run(submission):
        RAN["submit"] = RAN.get("submit", 0) + 1
        before = stored()
        check(*post(SUBMIT, {"input": submission}, hotline), "submitCase", before)

    run()
    assert RAN["submit"] >= EXAMPLES["submit"]  # every example ran; together more than 1,000


MUTATIONS = {
    "acknowledgeAssignment": ("", {}),
    "startCase": ("", {}),
    "addFeedback": (", text: $text", {"text": "String!"}),
    "resolveCase": (", resolution: $text", {"text": "String!"}),
    "returnAssignment": (", reason: $text, reasonCode: $code", {"text": "String!", "code": "String"}),
    "requestExtension": (", workingDays: $days, reason: $text", {"text": "String!", "days": "Int!"}),
    "pauseCase": (", reasonCode: $code, note: $text", {"text": "String", "code": "String!"}),
    "resumeCase": (", note: $text", {"text": "String"}),
}


def test_department_mutations(ticket, drain):
    @settings(FUZZ, max_examples=EXAMPLES["department"])
    @given(
        st.sampled_from(sorted(MUTATIONS)),
        st.one_of(st.just(ticket), TEXT),
        st.one_of(st.just("dept-drain"), st.just("dept-water"), TEXT),
        TEXT,
        st.one_of(st.sampled_from(["诉求人电话无法接通", "不属于本单位职责"]), TEXT),
        st.one_of(st.integers(-5, 30), st.integers()),
    )
    def run(name, ticket_number, department, text, code, days):
        RAN["department"] = RAN.get("department", 0) + 1
        extra, types = MUTATIONS[name]
        declared = "".join(f", ${v}: {t}" for v, t in types.items())
        query = action(name, extra).replace("$d: String!)", f"$d: String!{declared})")
        variables = {"t": ticket_number, "d": department, "text": text, "code": code, "days": days}
        before = stored()
        check(*post(query, {k: v for k, v in variables.items() if k in ("t", "d", *types)}, drain), name, before)

    run()
    assert RAN["department"] >= EXAMPLES["department"]  # every example ran; together more than 1,000


def test_resident_lookup_and_rating(ticket):
    lookup = "query($t: String!, $p: String!) { case(ticketNumber: $t, phone: $p) { ticketNumber status } }"
    rate = """mutation($t: String!, $p: String!, $s: SatisfactionEnum!, $c: String) {
      rateCase(input: {ticketNumber: $t, phone: $p, satisfaction: $s, comment: $c}) { errors { code } case { status } }
    }"""

    @settings(FUZZ, max_examples=EXAMPLES["resident"])
    @given(st.booleans(), st.one_of(st.just(ticket), TEXT), st.one_of(st.just("13812345678"), TEXT), JUNK, MAYBE_TEXT)
    def run(rating, ticket_number, phone, satisfaction, comment):
        RAN["resident"] = RAN.get("resident", 0) + 1
        cache.clear()
        before = stored()
        if rating:
            variables = {"t": ticket_number, "p": phone, "s": satisfaction, "c": comment}
            check(*post(rate, variables), "rateCase", before)
        else:
            status, body = post(lookup, {"t": ticket_number, "p": phone})
            assert status < 500 and "INTERNAL_ERROR" not in codes(body), body
            assert stored() == before

    run()
    assert RAN["resident"] >= EXAMPLES["resident"]  # every example ran; together more than 1,000


def test_portal_submit_form(site, clock):
    client = Client()
    key = client.get("/submit/").context["form"].initial["idempotency_key"]

    @settings(FUZZ, max_examples=EXAMPLES["portal_submit"])
    @given(
        st.fixed_dictionaries(
            {"request_type": st.one_of(st.just("投诉"), TEXT), "text": TEXT, "address": TEXT, "phone": TEXT},
            optional={"name": TEXT, "lat": TEXT, "lng": TEXT, "idempotency_key": st.one_of(st.just(key), TEXT)},
        )
    )
    def run(form):
        RAN["portal_submit"] = RAN.get("portal_submit", 0) + 1
        before = stored()
        data = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in form.items()}
        response = client.post("/submit/", data)
        assert response.status_code in (200, 302, 400), response.status_code
        if response.status_code != 302:
            assert stored() == before

    run()
    assert RAN["portal_submit"] >= EXAMPLES["portal_submit"]  # every example ran; together more than 1,000


def test_portal_track_form(site, ticket):
    client = Client()

    @settings(FUZZ, max_examples=EXAMPLES["portal_track"])
    @given(st.one_of(st.just(ticket), TEXT), st.one_of(st.just("13812345678"), TEXT), st.booleans(), TEXT)
    def run(ticket_number, phone, also_rate, comment):
        RAN["portal_track"] = RAN.get("portal_track", 0) + 1
        before = stored()
        clean = {
            k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            for k, v in {"ticket_number": ticket_number, "phone": phone, "comment": comment}.items()
        }
        response = client.post("/track/", {"ticket_number": clean["ticket_number"], "phone": clean["phone"]})
        assert response.status_code in (200, 302, 400), response.status_code
        if also_rate:
            rated = client.post("/track/rate/", {"satisfaction": "satisfied", "comment": clean["comment"]})
            assert rated.status_code in (200, 302, 400)
        else:
            assert stored() == before

    run()
    assert RAN["portal_track"] >= EXAMPLES["portal_track"]  # every example ran; together more than 1,000
