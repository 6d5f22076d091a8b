"""Resident-page fixtures: the reference district, its pages indexed, fresh rate-limit counters."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.search.conftest import pages_backend, pages_index  # noqa: F401 - shared search fixtures

PHONE = "13812345678"
ADDRESS = "历下区泉城路街道芙蓉街16号"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters, cached home-page blocks and Wagtail's site-root cache start empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(reference_data, pages_index):  # noqa: F811 - the imported fixture
    """The imported pages, searchable."""
    return reference_data


def submit_data(client, **overrides) -> dict:
    """A valid 提交诉求 POST, with the idempotency key the form page generated."""
    page = client.get("/submit/")
    data = {
        "request_type": "投诉",
        "text": "芙蓉街16号院下水道堵了快一个星期，污水往外漫，希望尽快疏通。",
        "address": ADDRESS,
        "phone": PHONE,
        "name": "张秀兰",
        "idempotency_key": page.context["form"].initial["idempotency_key"],
    }
    data.update(overrides)
    return data
