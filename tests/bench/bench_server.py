"""Benchmark of the web server `make run` starts: requests per second and latency on loopback.

    python tests/bench/bench_server.py [--seconds 10] [--threads 8]

Starts each candidate on a free loopback port with ``config.settings.dev`` and a throwaway SQLite
file, warms it up, then loads ``/healthz`` (a bare view: what the server and middleware add) with
keep-alive connections from ``loadclient``. Prints one line per server; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench.common import machine  # noqa: E402
from tests.bench.loadclient import get, run_load  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def servers(port: int) -> dict[str, list[str]]:
    py, bind = sys.executable, f"127.0.0.1:{port}"
    gunicorn = [py, "-m", "gunicorn", "config.wsgi", "-c", "deploy/gunicorn.conf.py", "-b", bind]
    return {
        "runserver (before)": [py, "manage.py", "runserver", "--noreload", bind],
        "gunicorn gthread 2×4 (make run)": [*gunicorn, "-w", "2", "--threads", "4"],
        "gunicorn sync 2": [*gunicorn, "-w", "2", "-k", "sync"],
    }


def wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.dev", DEBUG="false",
                   DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3", LOG_LEVEL="WARNING")  # fmt: skip
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        for name, _ in servers(0).items():
            port = free_port()
            argv = servers(port)[name]
            process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_ready(port)
                run_load("127.0.0.1", port, get("/healthz"), threads=args.threads, seconds=1)
                result = run_load("127.0.0.1", port, get("/healthz"), threads=args.threads, seconds=args.seconds)
                print(f"{name:34} {result.line()}")
            finally:
                process.terminate()
                process.wait(20)


if __name__ == "__main__":
    main()
