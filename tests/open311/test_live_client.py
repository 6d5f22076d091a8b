"""A real Open311 client (``georeport`` from PyPI) against the live server, in JSON and in XML.

``georeport`` reads but does not post, so intake goes over ``requests`` as a partner app would.
"""

from __future__ import annotations

import pytest
import requests
from georeport import GeoReport

from api.models import PartnerKey
from tests.conftest import ensure_reference

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def endpoint(live_server, reference_import_summary):
    ensure_reference()
    return f"{live_server.url}/open311/v2"


def test_georeport_client_reads_what_a_partner_posted(endpoint):
    key = PartnerKey(name="市民App（联调）", partner="泉城办", can_read_content=True, can_submit_cases=True)
    raw = key.issue()
    key.save()

    posted = requests.post(
        f"{endpoint}/requests.json",
        data={
            "api_key": raw,
            "jurisdiction_id": "jinan-lixia",
            "service_code": "cat-city-garbage",
            "address_string": "历下区泉城路街道芙蓉街16号",
            "description": "垃圾桶满了好几天没人收",
            "phone": "13812345678",
        },
        timeout=30,
    )
    assert posted.status_code == 201
    ticket = posted.json()[0]["service_request_id"]

    for output_format in ("json", "xml"):
        client = GeoReport(endpoint, jurisdiction="jinan-lixia", output_format=output_format)
        services = client.get_service_list()
        assert len(services) == 51
        assert {"service_code": "cat-city-garbage", "service_name": "垃圾清运与环境卫生"}.items() <= dict(
            next(s for s in services if s["service_code"] == "cat-city-garbage")
        ).items()
        definition = client.get_service_definition("cat-city-garbage")
        assert definition["service_code"] == "cat-city-garbage"
        one = client.get_service_request(ticket)
        assert (one["service_request_id"], one["status"], one["service_code"]) == (ticket, "open", "cat-city-garbage")
        assert one["agency_responsible"] == "历下区城市管理局"
        assert "13812345678" not in str(one) and "没人收" not in str(one)
        listed = client.get_service_requests(service_code="cat-city-garbage", status="open")
        listed = [listed] if isinstance(listed, dict) else listed  # xmltodict gives a dict for one element
        assert [r["service_request_id"] for r in listed] == [ticket]
