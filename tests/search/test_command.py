"""``manage.py search_index``: rebuild with progress and a summary, idempotent; stats against the CMS."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from cms.models import ServiceItemPage
from search import services
from search.backends.embedded import EmbeddedBackend

pytestmark = pytest.mark.django_db


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("search_index", *args, stdout=out)
    return out.getvalue().splitlines()


def test_rebuild_prints_progress_and_a_summary_and_is_idempotent(fresh_index):
    fresh_index.clear()
    lines = run("--rebuild")
    assert lines[:2] == ["正在重建搜索索引……", "  已写入 86/86 篇"]
    assert re.fullmatch(r"已重建（embedded）：服务事项 76 篇，政策文件 10 篇，共 86 篇，用时 \d+\.\d 秒", lines[2])
    assert lines[3:] == [
        "搜索后端：embedded",
        "索引中的文档：86 篇；已发布的服务事项和政策文件：86 篇",
        "索引与已发布页面一致。",
    ]
    first = sorted(services.indexed_codes())
    again = run("--rebuild")
    assert (again[:2], again[3:]) == (lines[:2], lines[3:])
    assert again[2].split("用时")[0] == lines[2].split("用时")[0]
    assert sorted(services.indexed_codes()) == first
    assert fresh_index.count() == 86


def test_stats_lists_missing_and_stale_codes(fresh_index):
    fresh_index.delete(["svc-dibao-edge", "pol-whistle-rules"])
    ServiceItemPage.objects.get(code="svc-dibao-apply").unpublish()  # tasks not run: still indexed
    assert run("--stats") == [
        "搜索后端：embedded",
        "索引中的文档：84 篇；已发布的服务事项和政策文件：85 篇",
        "缺失（已发布但搜不到） 2 篇：pol-whistle-rules、svc-dibao-edge",
        "多余（已下线仍可搜到） 1 篇：svc-dibao-apply",
        "运行 manage.py search_index --rebuild 可重建索引。",
    ]
    assert run() == run("--stats")


class RecordingBackend(EmbeddedBackend):
    """Stands in for Elasticsearch: records that a rebuild is one ``reindex`` (alias swap), never a clear."""

    def __init__(self, failure: Exception | None = None) -> None:
        super().__init__(None)
        self.calls: list[tuple[str, int]] = []
        self.failure = failure

    def reindex(self, docs, progress=None):
        docs = list(docs)
        self.calls.append(("reindex", len(docs)))
        if self.failure:
            raise self.failure
        return super().reindex(docs, progress)

    def clear(self):
        self.calls.append(("clear", 0))
        super().clear()


@pytest.fixture
def recording_backend(reference_data, monkeypatch):
    from search import backends, runtime

    def use(backend: RecordingBackend) -> RecordingBackend:
        monkeypatch.setattr(backends, "_backend", backend)
        runtime.forget()
        return backend

    yield use
    runtime.forget()


def test_rebuild_is_one_reindex_call(recording_backend):
    backend = recording_backend(RecordingBackend())
    run("--rebuild")
    assert backend.calls == [("reindex", 86)]


def test_a_busy_index_fails_with_advice(recording_backend):
    recording_backend(RecordingBackend(failure=ValueError("Failed to acquire Lockfile: LockBusy")))
    with pytest.raises(CommandError, match="若任务进程正在更新索引，请稍后重试"):
        run("--rebuild")
