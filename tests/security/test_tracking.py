"""Finding 3: residents can always track their own case; strangers can neither enumerate tickets,
guess phones fast, nor lock the owner out (docs/adr/0006)."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from cases.models import Case
from cases.tracking import CODE_ALPHABET, format_code, new_check_code, normalize_code
from tests.api.test_cases import LOOKUP, PHONE, SUBMIT, story_input

pytestmark = pytest.mark.django_db

# The general per-caller limit (10 a minute) is not what is under test here.
UNLIMITED = override_settings(GRAPHQL_CASE_LOOKUP_RATE_LIMIT="10000/m", GRAPHQL_ANONYMOUS_RATE_LIMIT="10000/m")
FOUND = "LX20260317000001"


def lookup(gql, ticket: str, proof: str, ip: str):
    return gql(LOOKUP.replace(CASE_FIELDS_RE, "ticketNumber"), {"t": ticket, "p": proof}, REMOTE_ADDR=ip)


CASE_FIELDS_RE = LOOKUP[LOOKUP.index("{ ", LOOKUP.index("phone: $p")) + 2 : LOOKUP.rindex(" }", 0, -2)]


def outcome(response) -> str:
    if response.error_codes:
        return response.error_codes[0]
    return "found" if response.data["case"] else "none"


def test_check_codes_are_random_40_bit_and_forgiving_to_type():
    codes = {new_check_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(re.fullmatch(f"[{CODE_ALPHABET}]{{8}}", c) for c in codes)
    code = next(iter(codes))
    assert normalize_code(format_code(code).lower()) == code
    assert normalize_code("13812345678") == ""


@UNLIMITED
def test_one_address_gets_five_wrong_guesses_on_a_ticket_and_ten_in_all(gql, ticket):
    results = [outcome(lookup(gql, ticket, f"1390000{i:04d}", "203.0.113.9")) for i in range(120)]
    assert results.count("none") == 5
    assert results[5:] == ["RATE_LIMITED"] * 115
    # Enumerating other tickets: five more misses, then the address may not try phones anywhere.
    others = [outcome(lookup(gql, f"LX20260317{n:06d}", PHONE, "203.0.113.9")) for n in range(2, 10)]
    assert others == ["none"] * 5 + ["RATE_LIMITED"] * 3
    assert outcome(lookup(gql, ticket, PHONE, "203.0.113.9")) == "RATE_LIMITED"


@UNLIMITED
def test_a_hundred_guesses_from_ten_addresses_do_not_lock_the_owner_out(gql, ticket):
    results = [outcome(lookup(gql, ticket, f"1390000{i:04d}", f"198.51.100.{i % 10}")) for i in range(100)]
    # After five misses on the ticket each address gets its one try, then is refused there.
    assert results.count("none") == 10 and results.count("found") == 0
    assert outcome(lookup(gql, ticket, PHONE, "192.0.2.77")) == "found"  # the owner, from home
    assert outcome(lookup(gql, ticket, PHONE, "198.51.100.3")) == "RATE_LIMITED"  # an attacker's address


@UNLIMITED
def test_the_check_code_always_opens_the_owners_case(gql, ticket):
    code = Case.objects.get(ticket_number=ticket).check_code
    for i in range(30):
        lookup(gql, ticket, f"1390000{i:04d}", "203.0.113.9")
    # Even from the address that is locked out of phone guesses, the code works.
    assert outcome(lookup(gql, ticket, format_code(code).lower(), "203.0.113.9")) == "found"
    wrong = "".join(CODE_ALPHABET[(CODE_ALPHABET.index(ch) + 1) % 32] for ch in code)
    assert outcome(lookup(gql, ticket, wrong, "203.0.113.10")) == "none"


def test_submit_case_hands_out_the_check_code_and_no_other_residents_tickets(gql, hotline, clock):
    query = SUBMIT.replace(
        "created errors", "created checkCode alreadyReported { ticketNumber } alreadyReportedResidents errors"
    )
    first = gql(query, {"input": story_input()}, key=hotline).data["submitCase"]
    second = gql(
        query, {"input": story_input(idempotencyKey="hotline-0002", reporter={"phone": "13900002222"})}, key=hotline
    ).data["submitCase"]
    assert first["checkCode"] == format_code(Case.objects.get(ticket_number=FOUND).check_code)
    assert second["alreadyReported"] == [] and second["alreadyReportedResidents"] == 1
    assert first["case"]["ticketNumber"] not in str(second)


@UNLIMITED
def test_the_portal_shares_the_counts_and_accepts_the_code(client, gql, ticket):
    for i in range(10):
        lookup(gql, ticket, f"1390000{i:04d}", "203.0.113.9")
    refused = client.post("/track/", {"ticket_number": ticket, "phone": PHONE}, REMOTE_ADDR="203.0.113.9")
    assert "查询失败次数过多" in refused.content.decode()
    code = Case.objects.get(ticket_number=ticket).check_code
    response = client.post("/track/", {"ticket_number": ticket, "phone": format_code(code)}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    assert ticket in client.get("/track/").content.decode()
