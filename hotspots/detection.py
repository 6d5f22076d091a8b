"""The detector, without the database: a Poisson test of the last window against the area's own past.

For each (area, category) the count in the last ``window`` is compared with the rate of the
``baseline`` before it. The expected count is the historical rate per window, but never below
``floor`` (a quiet place is not infinitely surprised by two reports). A signal needs at least
``min_count`` reports and a Poisson tail probability below ``alpha``. The same code runs on
stored cases (``hotspots.services.scan``) and on generated history (the benchmark).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

AreaKey = tuple[str, str]  # (level, area id): ("grid", "grid-furongli-02"), ("alley", …), ("address", …)


@dataclass(frozen=True)
class DetectorConfig:
    window: timedelta = timedelta(hours=24)
    baseline: timedelta = timedelta(days=28)
    # Measured on generated history (BENCHMARKS.md, 未诉先办): three reports are too often one
    # incident told by three neighbours; four with p < 1e-5 kept false alarms near two a week.
    min_count: int = 4
    alpha: float = 1e-5
    floor: float = 0.1  # expected reports per window where the history is (nearly) empty
    levels: tuple[str, ...] = ("address", "alley", "grid")


@dataclass(frozen=True)
class Signal:
    level: str
    area: str
    category: str
    count: int
    expected: float
    p_value: float
    window_start: datetime
    window_end: datetime

    @property
    def ratio(self) -> float:
        return self.count / self.expected if self.expected else float("inf")


def poisson_sf(count: int, expected: float) -> float:
    """P(X >= count) for X ~ Poisson(expected), summed in log space so large counts stay exact."""
    if count <= 0:
        return 1.0
    term = math.exp(-expected)
    below = term
    for k in range(1, count):
        term *= expected / k
        below += term
    return max(0.0, 1.0 - below)


def expected_count(history: int, config: DetectorConfig) -> float:
    windows = config.baseline / config.window
    return max(history / windows, config.floor)


def judge(count: int, history: int, config: DetectorConfig) -> tuple[bool, float, float]:
    """(signal?, expected, p-value) for ``count`` in the window after ``history`` in the baseline."""
    expected = expected_count(history, config)
    if count < config.min_count:
        return False, expected, 1.0
    p_value = poisson_sf(count, expected)
    return p_value < config.alpha, expected, p_value


@dataclass
class Timeline:
    """Sorted report times per (level, area, category); answers window counts by bisection."""

    config: DetectorConfig = field(default_factory=DetectorConfig)
    times: dict[tuple[str, str, str], list[datetime]] = field(default_factory=lambda: defaultdict(list))

    def add(self, at: datetime, areas: Iterable[AreaKey], category: str) -> None:
        for level, area in areas:
            if level in self.config.levels and area:
                series = self.times[(level, area, category)]
                if series and at < series[-1]:
                    series.insert(bisect_left(series, at), at)
                else:
                    series.append(at)

    def signals(self, now: datetime, keys: Iterable[tuple[str, str, str]] | None = None) -> list[Signal]:
        """Every (level, area, category) above its usual level in the window ending ``now``."""
        config = self.config
        start, base_start = now - config.window, now - config.window - config.baseline
        found = []
        for key in keys if keys is not None else list(self.times):
            series = self.times.get(key)
            if not series:
                continue
            end_index = bisect_left(series, now)
            window_index = bisect_left(series, start, 0, end_index)
            count = end_index - window_index
            if count < config.min_count:
                continue
            history = window_index - bisect_left(series, base_start, 0, window_index)
            hit, expected, p_value = judge(count, history, config)
            if hit:
                found.append(Signal(key[0], key[1], key[2], count, expected, p_value, start, now))
        found.sort(key=lambda s: (s.p_value, -s.count))
        return found


LEVEL_ORDER = ("address", "alley", "grid")


def most_specific(signals: list[Signal], parents: dict[AreaKey, tuple[str, str]]) -> list[Signal]:
    """Drop a grid or alley signal when a finer one of the same category lies inside it.

    ``parents`` maps an address or alley to its (grid, alley): one outbreak lights up all three
    levels, and a dispatcher should see it once, where it is most precise.
    """
    covered: set[tuple[str, str, str]] = set()
    kept = []
    for level in LEVEL_ORDER:
        for signal in (s for s in signals if s.level == level):
            if (signal.level, signal.area, signal.category) in covered:
                continue
            kept.append(signal)
            grid, alley = parents.get((signal.level, signal.area), ("", ""))
            if alley:
                covered.add(("alley", alley, signal.category))
            if grid:
                covered.add(("grid", grid, signal.category))
    return kept
