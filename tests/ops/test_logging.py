"""Every log line carries time, level, logger and the request id; LOG_FORMAT=json gives JSON lines."""

import json
import logging

from ops.logging import JsonFormatter, RequestIdFilter, request_id


def test_request_id_is_returned_and_kept_when_valid(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42").headers["X-Request-ID"] == "lb-7f3a.42"


def test_invalid_request_id_is_replaced(client):
    rid = client.get("/healthz", HTTP_X_REQUEST_ID="<script>").headers["X-Request-ID"]
    assert rid != "<script>" and len(rid) == 32


def test_log_lines_inside_a_request_carry_its_id(client, caplog, monkeypatch):
    """The middleware sets the id for everything the view logs, and clears it afterwards."""
    from ops import middleware

    seen = []

    def view(request):
        record = logging.LogRecord("ops.test", logging.INFO, __file__, 1, "在请求中", (), None)
        RequestIdFilter().filter(record)
        seen.append(record.request_id)
        from django.http import HttpResponse

        return HttpResponse("ok")

    response = middleware.RequestIdMiddleware(view)(client.get("/healthz").wsgi_request)
    assert seen == [response["X-Request-ID"]]
    assert request_id.get() == "-"


def test_json_lines_have_the_fields():
    record = logging.LogRecord("cases.services", logging.ERROR, __file__, 1, "工单 %s 派单失败", ("2026-1",), None)
    RequestIdFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "cases.services"
    assert entry["message"] == "工单 2026-1 派单失败"
    assert entry["request_id"] == "-"
    assert entry["time"].endswith("+00:00")


def test_settings_use_the_json_formatter_when_asked():
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(LOG_FORMAT="json", DJANGO_SETTINGS_MODULE="config.settings.dev")
    code = "import django, logging; django.setup(); logging.getLogger('ops.probe').warning('你好')"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["logger"], line["level"], line["message"], line["request_id"]) == ("ops.probe", "WARNING", "你好", "-")
