"""The one submission validator: each limit is checked once, and the channels quote the same numbers."""

from __future__ import annotations

from datetime import datetime

import pytest

from api.cases import mutations
from cases import limits
from cases.errors import CaseValidationError
from cases.submission import CaseSubmission, validate_submission
from portal.forms import SubmitCaseForm

from .conftest import TZ

NOW = datetime(2026, 3, 17, 9, 25, tzinfo=TZ)


def submission(**overrides) -> CaseSubmission:
    values = {"request_type": "投诉", "text": "  下水道堵了  ", "channel": "12345", "address": "芙蓉街16号"}
    return CaseSubmission(**{**values, **overrides})


def test_a_valid_submission_comes_back_normalised():
    clean = validate_submission(submission(reporter_phone=" 13812345678 "), NOW)
    assert (clean.text, clean.reporter_phone, clean.received_at, clean.photos) == (
        "下水道堵了",
        "13812345678",
        NOW,
        (),
    )


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"text": "x" * (limits.TEXT_MAX + 1)}, "text", "too_long"),
        ({"text": "x" * (limits.TEXT_MIN - 1)}, "text", "required"),
        ({"address": "x" * (limits.ADDRESS_MAX + 1)}, "address", "too_long"),
        ({"reporter_name": "x" * (limits.NAME_MAX + 1)}, "reporter_name", "too_long"),
        ({"idempotency_key": "k" * (limits.KEY_MAX + 1)}, "idempotency_key", "invalid_key"),
    ],
)
def test_one_past_each_limit_is_refused(overrides, field, code):
    with pytest.raises(CaseValidationError) as excinfo:
        validate_submission(submission(**overrides), NOW)
    assert [(p.field, p.code) for p in excinfo.value.problems] == [(field, code)]


def test_exactly_at_each_limit_is_accepted():
    clean = validate_submission(
        submission(
            text="x" * limits.TEXT_MAX,
            address="x" * limits.ADDRESS_MAX,
            reporter_name="x" * limits.NAME_MAX,
            idempotency_key="k" * limits.KEY_MAX,
        ),
        NOW,
    )
    assert len(clean.text) == limits.TEXT_MAX


def test_the_resident_form_and_the_api_quote_the_same_limits():
    form = SubmitCaseForm()
    assert (form.fields["text"].min_length, form.fields["text"].max_length) == (limits.TEXT_MIN, limits.TEXT_MAX)
    assert form.fields["address"].max_length == limits.ADDRESS_MAX
    assert form.fields["name"].max_length == limits.NAME_MAX
    text = mutations.SubmitCaseInput._meta.fields["text"].description
    assert text == f"诉求内容（{limits.TEXT_MIN}–{limits.TEXT_MAX} 字）。"
