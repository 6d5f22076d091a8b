"""Rate limits hold across processes: two processes share one limit through the default cache
(the database cache on one machine, Redis when REDIS_URL is set)."""

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings

HITS_EACH, LIMIT = 150, 200

PROBE = f"""
import sys, time, django
django.setup()
from traffic.ratelimit import Rate, hit
start = float(sys.argv[1])
assert time.time() < start, "started late: the two processes would not overlap"
while time.time() < start:
    time.sleep(0.005)
print(sum(hit("two-processes", Rate({LIMIT}, 3600)).allowed for _ in range({HITS_EACH})))
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_", "DATABASE_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.dev", LOG_LEVEL="WARNING", **extra)
    return env


def _two_processes(env: dict[str, str]) -> list[int]:
    start = str(time.time() + 10)  # both begin at the same moment, after django.setup()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PROBE, start],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    return [int(out.strip().splitlines()[-1]) for out, _ in outputs]


@pytest.mark.slow_subprocess
def test_database_cache_limit_is_shared_by_two_processes(tmp_path):
    env = _env(DATABASE_URL=f"sqlite:///{tmp_path / 'limits.sqlite3'}")
    created = subprocess.run(
        [sys.executable, "manage.py", "createcachetable"], cwd=settings.BASE_DIR, env=env, capture_output=True
    )
    assert created.returncode == 0, created.stderr
    allowed = _two_processes(env)
    assert sum(allowed) == LIMIT, allowed  # per-process memory would have allowed 2 × 150


@pytest.mark.slow_subprocess
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="未安装 redis-server")
def test_redis_limit_is_shared_by_two_processes(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        env = _env(REDIS_URL=f"redis://127.0.0.1:{port}/0", DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}")
        allowed = _two_processes(env)
        assert sum(allowed) == LIMIT, allowed
    finally:
        redis.terminate()
        redis.wait(10)


def test_migrate_creates_the_cache_table(db, settings):
    from django.apps import apps
    from django.db import connection

    from ops.apps import create_cache_table

    settings.CACHES = {"default": {"BACKEND": "ops.cache.DatabaseCache", "LOCATION": "ops_test_cache"}}
    assert "ops_test_cache" not in connection.introspection.table_names()
    create_cache_table(apps.get_app_config("ops"), using="default", verbosity=0)
    assert "ops_test_cache" in connection.introspection.table_names()
