"""GCJ-02 ↔ WGS-84: the inverse undoes the offset, which is hundreds of metres in Jinan and none abroad."""

from __future__ import annotations

import pytest

from cms.geo import gcj02_to_wgs84, haversine_m, wgs84_to_gcj02


@pytest.mark.parametrize("point", [(36.6574, 117.013757), (36.6512, 117.1201), (36.70, 116.95)])
def test_round_trip_is_within_a_centimetre(point):
    gcj = wgs84_to_gcj02(*point)
    offset = haversine_m(*point, *gcj)
    assert 100 < offset < 1000  # the offset is real, and of the known size
    back = gcj02_to_wgs84(*gcj)
    assert haversine_m(*point, *back) < 0.01


def test_no_offset_outside_china():
    assert wgs84_to_gcj02(48.8584, 2.2945) == (48.8584, 2.2945)
    assert gcj02_to_wgs84(48.8584, 2.2945) == (48.8584, 2.2945)
