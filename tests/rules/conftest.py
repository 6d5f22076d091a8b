"""Fixtures for the decision core: the reference snapshot and small hand-made tables on top of it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from rules.engine import RulesEngine
from rules.snapshot import RoutingRow, RowActions, RowConditions, RulesConfig, load_reference

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = PROJECT_ROOT / "data" / "jinan"
DEV_SET = PROJECT_ROOT / "data" / "eval" / "routing_dev.jsonl"


def read_dev_cases() -> list[dict[str, Any]]:
    with DEV_SET.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="session")
def reference() -> RulesConfig:
    return load_reference(REFERENCE_DIR, version=1)


@pytest.fixture
def engine() -> RulesEngine:
    """A private engine, so that tests can count its sessions and rulesets."""
    eng = RulesEngine()
    yield eng
    eng.clear()


def make_row(code: str, priority: int = 100, **spec: Any) -> RoutingRow:
    """A routing row from keyword arguments: ``when_*`` fields are conditions, the rest actions."""
    when = {k[5:]: v for k, v in spec.items() if k.startswith("when_")}
    then = {k: v for k, v in spec.items() if not k.startswith("when_")}
    for key in ("types", "categories", "keywords_any", "subdistricts"):
        if key in when:
            when[key] = tuple(when[key])
    if "co_handlers" in then:
        then["co_handlers"] = tuple(then["co_handlers"])
    return RoutingRow(code=code, priority=priority, when=RowConditions(**when), then=RowActions(**then))


def with_rows(config: RulesConfig, *rows: RoutingRow, version: int = 900) -> RulesConfig:
    return dataclasses.replace(config, routing=tuple(rows), version=version)
