"""Factories for the case tests: admin users linked to staff records of each role and area."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from cms.models import Department, Grid, StaffMember, StaffRole, Subdistrict


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    is_staff = True


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    name = factory.Sequence(lambda n: f"人员{n}")
    phone = "13900000000"
    role = StaffRole.GRID_WORKER
    user = factory.SubFactory(UserFactory)


def staff_user(role: str, username: str, name: str | None = None, **area: str):
    """A user with an active staff record; area codes are looked up (department="dept-drain")."""
    lookups = {"department": Department, "grid": Grid, "subdistrict": Subdistrict}
    resolved = {field: lookups[field].objects.get(code=code) for field, code in area.items()}
    staff = StaffMemberFactory(role=role, name=name or username, user=UserFactory(username=username), **resolved)
    return staff.user
