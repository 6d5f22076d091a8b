"""A plain `gunicorn config.wsgi` runs production settings and refuses to start without SECRET_KEY."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

PROBE = "import config.{}; from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"


def _load(module: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "SECRET_KEY"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(module)],
        cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.slow_subprocess
@pytest.mark.parametrize("module", ["wsgi", "asgi"])
def test_entry_points_default_to_production(module):
    result = _load(module, SECRET_KEY="k" * 60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["config.settings.production", "False"]


@pytest.mark.slow_subprocess
@pytest.mark.parametrize("module", ["wsgi", "asgi"])
def test_entry_points_refuse_to_start_without_secret_key(module):
    result = _load(module)
    assert result.returncode != 0
    assert "生产环境必须通过环境变量 SECRET_KEY 提供密钥" in result.stderr
