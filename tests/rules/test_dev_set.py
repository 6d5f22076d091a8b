"""Every line of the routing dev set, decided from the reference files, field by field."""

from __future__ import annotations

import pytest

from rules.decision import PREVIEW_KEYS, decide

from .conftest import read_dev_cases

CASES = read_dev_cases()

# Which rows fire is part of the decision's explanation; pinned for the lines that exercise rows.
EXPECTED_FIRED = {
    "rt-dev-02": ("route-multi-department-whistle",),
    "rt-dev-10": ("route-neighbor-dispute",),
    "rt-dev-13": ("route-repeat-complaint",),
    "rt-dev-16": (),
    "rt-dev-21": ("route-multi-department-whistle", "route-urgent-keywords"),
    "rt-dev-34": ("route-multi-department-whistle", "route-urgent-keywords"),
    "rt-dev-36": ("route-town-village-services",),
    "rt-dev-37": ("route-town-village-services",),
}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_dev_line(case, reference):
    decision = decide(case["request"], case.get("history", []), reference)
    out = decision.to_dict()

    assert {key: out[key] for key in case["expect"]} == case["expect"]
    assert tuple(out) == PREVIEW_KEYS
    assert out["ruleset_version"] == 1
    assert decision.needs_manual_dispatch is False
    assert decision.reason == ""
    if case["id"] in EXPECTED_FIRED:
        assert decision.fired_rules == EXPECTED_FIRED[case["id"]]


def test_dev_set_has_forty_distinct_lines():
    assert len(CASES) == 40
    assert len({c["id"] for c in CASES}) == 40
