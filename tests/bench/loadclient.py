"""A small loopback load client (no wrk on these machines): threads with keep-alive connections."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(q * len(data)))] if data else float("nan")

    def line(self) -> str:
        return (
            f"{self.rps:7.0f} req/s, p50 {statistics.median(self.latencies_ms):6.1f} ms, "
            f"p95 {self.quantile(0.95):6.1f} ms, errors {self.errors}"
        )


def run_load(
    host: str, port: int, request: Callable[[http.client.HTTPConnection], int], *, threads: int, seconds: float
) -> LoadResult:
    """Each thread sends ``request`` on its own keep-alive connection until ``seconds`` pass."""
    result = LoadResult()
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine: list[float] = []
        errors = 0
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            try:
                status = request(conn)
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                continue
            if status >= 500:
                errors += 1
            mine.append((time.perf_counter() - start) * 1000)
        conn.close()
        with lock:
            result.latencies_ms.extend(mine)
            result.errors += errors

    began = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    result.seconds = time.perf_counter() - began
    return result


def get(path: str) -> Callable[[http.client.HTTPConnection], int]:
    def request(conn: http.client.HTTPConnection) -> int:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status

    return request
