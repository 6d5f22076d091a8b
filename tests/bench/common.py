"""What the benchmark scripts share: the machine description and a throwaway database."""

from __future__ import annotations

import os
import platform
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "python": platform.python_version(), "os": platform.platform()}


def prepare_database(url: str | None, prefix: str) -> tuple[str, Callable[[], None]]:
    """A throwaway database URL (SQLite file, or a new database beside ``url``) and the function that removes it."""
    if not url:
        folder = tempfile.mkdtemp(prefix=f"{prefix}_")
        path = Path(folder) / "bench.sqlite3"

        def drop() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            Path(folder).rmdir()

        return f"sqlite:///{path}", drop
    import psycopg

    parts = urlsplit(url)
    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def write_section(section: str, text: str, path: Path | None = None) -> None:
    """Replace (or append) one ``## …`` section of BENCHMARKS.md; the other sections stay as they are."""
    path = path or Path(__file__).resolve().parents[2] / "BENCHMARKS.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text.rstrip("\n") + "\n\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(updated.rstrip("\n") + "\n", encoding="utf-8")
