"""The detector without the database: the Poisson tail, the floor, and windows over a timeline."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotspots.detection import DetectorConfig, Timeline, judge, poisson_sf

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 17, 12, 0, tzinfo=TZ)
CONFIG = DetectorConfig(window=timedelta(hours=24), baseline=timedelta(days=28), min_count=3, alpha=0.001, floor=0.1)


def test_poisson_tail_matches_the_closed_form():
    assert poisson_sf(0, 2.0) == 1.0
    assert poisson_sf(1, 2.0) == pytest.approx(1 - math.exp(-2))
    assert poisson_sf(3, 0.1) == pytest.approx(1 - math.exp(-0.1) * (1 + 0.1 + 0.005), rel=1e-9)
    assert poisson_sf(40, 10.0) < 1e-10


def test_quiet_place_fires_at_the_minimum_count_busy_place_does_not():
    assert judge(2, 0, CONFIG)[0] is False  # below the minimum count, however quiet
    fired, expected, p_value = judge(3, 0, CONFIG)
    assert (fired, expected) == (True, 0.1) and p_value == pytest.approx(1.547e-4, rel=1e-3)
    # 56 reports in 28 days = 2 a day: 3 in a day is ordinary, 9 is not
    assert judge(3, 56, CONFIG)[0] is False
    assert judge(9, 56, CONFIG)[0] is True


def test_timeline_counts_only_the_window_against_the_baseline_before_it():
    timeline = Timeline(CONFIG)
    area = [("address", "芙蓉街16号"), ("grid", "grid-furongli-02")]
    for days in (20, 10):  # two reports in the baseline: the grid is not silent
        timeline.add(NOW - timedelta(days=days), area, "cat-drain-sewer")
    for hours in (1, 5, 23):
        timeline.add(NOW - timedelta(hours=hours), area, "cat-drain-sewer")
    timeline.add(NOW - timedelta(hours=2), [("address", "芙蓉街2号"), ("grid", "grid-furongli-02")], "cat-drain-sewer")
    timeline.add(NOW + timedelta(hours=1), area, "cat-drain-sewer")  # the future is not counted
    signals = timeline.signals(NOW)
    assert [(s.level, s.area, s.count) for s in signals] == [
        ("grid", "grid-furongli-02", 4),
        ("address", "芙蓉街16号", 3),
    ]
    grid = signals[0]
    assert grid.expected == pytest.approx(0.1)  # 2 in 28 windows is below the floor
    assert (grid.window_start, grid.window_end) == (NOW - timedelta(hours=24), NOW)
    assert timeline.signals(NOW + timedelta(hours=30)) == []
