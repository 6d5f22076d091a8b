"""Escalation: every worked example of rules.json, and the facts behind the formula."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

import pytest

from rules.deadlines import compute_deadlines
from rules.escalation import EscalationFacts, decide_escalation, escalate

from .conftest import REFERENCE_DIR

EXAMPLES = json.loads((REFERENCE_DIR / "rules.json").read_text(encoding="utf-8"))["escalation"]["examples"]


def at(value):
    return datetime.fromisoformat(value) if value else None


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_escalation_example(reference, engine, example):
    result = decide_escalation(
        initial_level=example["initial_level"],
        ack_due=at(example["ack_due"]),
        complete_due=at(example["complete_due"]),
        evaluated_at=at(example["evaluated_at"]),
        acked_at=at(example["acked_at"]),
        completed_at=at(example["completed_at"]),
        config=reference,
        engine=engine,
    )
    assert result.level == example["expected_level"]
    level = next(lv for lv in reference.escalation_levels if lv.level == example["expected_level"])
    assert (result.code, result.name, result.handlers) == (level.code, level.name, level.handlers)
    assert engine.live_facts() == 0


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_example_deadlines_agree_with_the_sla(reference, example):
    deadlines = compute_deadlines(at(example["received_at"]), example["type"], example["urgent"], reference)
    assert deadlines.ack_due == at(example["ack_due"])
    assert deadlines.complete_due == at(example["complete_due"])


def facts_of(reference, example_id, engine):
    example = next(e for e in EXAMPLES if e["id"] == example_id)
    return decide_escalation(
        initial_level=example["initial_level"],
        ack_due=at(example["ack_due"]),
        complete_due=at(example["complete_due"]),
        evaluated_at=at(example["evaluated_at"]),
        acked_at=at(example["acked_at"]),
        completed_at=at(example["completed_at"]),
        config=reference,
        engine=engine,
    )


@pytest.mark.parametrize(
    ("example_id", "facts", "triggers"),
    [
        ("esc-ex-01", EscalationFacts(0, False, False, 0), ()),
        ("esc-ex-02", EscalationFacts(0, True, False, 0), ("esc-ack-overdue",)),
        (
            "esc-ex-05",  # 3-18, 3-19, 3-20, 3-23 have passed; 3-24 has not
            EscalationFacts(0, True, True, 4),
            ("esc-ack-overdue", "esc-complete-overdue", "esc-each-further-working-day"),
        ),
        (
            "esc-ex-07",  # late acknowledgement; 10-11 is a Sunday, 10-12 a full working day
            EscalationFacts(0, True, True, 1),
            ("esc-ack-overdue", "esc-complete-overdue", "esc-each-further-working-day"),
        ),
        ("esc-ex-09", EscalationFacts(0, False, True, 0), ("esc-complete-overdue",)),  # completed on 3-18
    ],
)
def test_escalation_facts_and_fired_triggers(reference, engine, example_id, facts, triggers):
    result = facts_of(reference, example_id, engine)
    assert result.facts == facts
    assert result.fired_triggers == triggers


def test_levels_up_are_taken_from_the_configured_triggers(reference, engine):
    double = dataclasses.replace(
        reference,
        version=901,
        escalation_triggers=tuple(dataclasses.replace(t, levels_up=2) for t in reference.escalation_triggers),
    )
    assert escalate(EscalationFacts(0, True, False, 0), double, engine=engine).level == 2
    assert escalate(EscalationFacts(1, False, True, 0), double, engine=engine).level == 3
    assert escalate(EscalationFacts(0, False, True, 1), double, engine=engine).level == 4  # capped


def test_acknowledgement_after_the_evaluation_moment_has_not_happened_yet(reference, engine):
    result = decide_escalation(
        initial_level=0,
        ack_due=at("2026-03-11T09:00:00+08:00"),
        complete_due=at("2026-03-17T23:59:59+08:00"),
        evaluated_at=at("2026-03-11T10:00:00+08:00"),
        acked_at=at("2026-03-11T08:00:00+08:00"),
        config=reference,
        engine=engine,
    )
    assert result.level == 0
    late = decide_escalation(
        initial_level=0,
        ack_due=at("2026-03-11T09:00:00+08:00"),
        complete_due=at("2026-03-17T23:59:59+08:00"),
        evaluated_at=at("2026-03-11T10:00:00+08:00"),
        acked_at=at("2026-03-11T12:00:00+08:00"),
        config=reference,
        engine=engine,
    )
    assert late.level == 1


def test_the_deadline_second_itself_is_not_overdue(reference, engine):
    on_time = decide_escalation(
        initial_level=0,
        ack_due=at("2026-03-11T09:00:00+08:00"),
        complete_due=at("2026-03-17T23:59:59+08:00"),
        evaluated_at=at("2026-03-11T09:00:00+08:00"),
        config=reference,
        engine=engine,
    )
    assert on_time.level == 0
