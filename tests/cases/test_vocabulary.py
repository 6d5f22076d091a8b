"""Each vocabulary is written once: unit kinds in ``cms.units``, handler names in ``cases.handlers``."""

from __future__ import annotations

from cases import handlers, models
from cases.forms import AREA_UNITS
from cases.models import Case
from cms.models.categories import LeadKind
from cms.models.people import StaffRole
from cms.units import AREA_KINDS, UnitKind


def test_one_list_of_unit_kinds():
    assert LeadKind is UnitKind and models.UnitKind is UnitKind
    assert AREA_UNITS == [("grid", "网格"), ("community", "社区（村）"), ("subdistrict", "街道（镇）")]
    assert [k.value for k in AREA_KINDS] == ["grid", "community", "subdistrict"]


def test_a_case_without_a_subdistrict_is_decided_by_the_district_supervisors():
    assert handlers.deciders(Case(subdistrict_id=7)) == ["街道（镇）"]
    assert handlers.deciders(Case(subdistrict_id=None)) == ["区督办人员"]
    assert handlers.roles_for_handler(handlers.SUBDISTRICT) == (StaffRole.SUBDISTRICT_DISPATCHER,)
    assert handlers.roles_for_handler("市督办") == (StaffRole.SUPERVISOR,)
