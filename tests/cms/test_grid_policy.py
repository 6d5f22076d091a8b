import pytest

from cms.geo import point_in_geojson, validate_polygon
from cms.models import Grid, GridPolicy, StaffMember, StaffRole
from cms.models.people import mask_phone

FLAGGED = {"grid-xianxi-03", "grid-hepingxincun-01"}


def test_exactly_the_two_reference_violations_are_flagged(reference_data):
    assert set(Grid.objects.violating_policy().values_list("code", flat=True)) == FLAGGED
    assert Grid.objects.compliant().count() == 35


def test_violation_messages_name_the_problem(reference_data):
    too_big = Grid.objects.get(code="grid-hepingxincun-01").policy_violations()
    assert [v.code for v in too_big] == ["households"]
    assert "620户" in too_big[0].message
    understaffed = Grid.objects.get(code="grid-xianxi-03").policy_violations()
    assert [v.code for v in understaffed] == ["workers"]
    assert "网格员1名" in understaffed[0].message


def test_policy_is_configurable(reference_data):
    policy = GridPolicy.load()
    policy.urban_households_max = 700
    policy.save()
    assert set(Grid.objects.violating_policy().values_list("code", flat=True)) == {"grid-xianxi-03"}


def test_population_near_target_excuses_household_count(reference_data):
    grid = Grid.objects.get(code="grid-furongli-01")
    grid.households = 560
    grid.population = 1050
    grid.save()
    assert grid.policy_violations() == []
    grid.population = 1400
    grid.save()
    assert [v.code for v in grid.policy_violations()] == ["households"]


def test_inactive_staff_do_not_count(reference_data):
    grid = Grid.objects.get(code="grid-furongli-02")
    StaffMember.objects.filter(grid=grid, role=StaffRole.GRID_LEADER).update(active=False)
    assert grid.code in set(Grid.objects.violating_policy().values_list("code", flat=True))


def test_rural_grids_have_no_household_rule(reference_data):
    grid = Grid.objects.get(code="grid-taoyu-02")
    assert grid.kind == Grid.Kind.RURAL and grid.households < 300
    assert grid.policy_violations() == []


def test_every_sample_point_lies_in_its_own_grid_only(reference_data):
    grids = list(Grid.objects.all())
    for grid in grids:
        for point in grid.sample_points:
            hits = [g.code for g in grids if g.contains_point(point["lat"], point["lng"])]
            assert hits == [grid.code]


@pytest.mark.parametrize(
    ("geometry", "problem"),
    [
        (None, None),
        ({"type": "Point", "coordinates": [1, 2]}, "Polygon"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "至少需要4个"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 91], [0, 0]]]}, "超出经纬度范围"),
    ],
)
def test_boundary_validation(geometry, problem):
    message = validate_polygon(geometry)
    assert (message is None) if problem is None else (problem in message)


def test_polygon_with_hole():
    square = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
    geometry = {"type": "Polygon", "coordinates": [square, hole]}
    assert point_in_geojson(1, 1, geometry)
    assert not point_in_geojson(5, 5, geometry)
    assert not point_in_geojson(11, 5, geometry)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13770660290", "137****0290"), ("0531-85969937", "*********9937"), ("123", "****")],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked
