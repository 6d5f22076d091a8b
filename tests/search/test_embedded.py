"""The embedded engine: on-disk persistence, progress, clearing, and what only it does."""

from __future__ import annotations

import json

import pytest

from search.backends.embedded import SCHEMA_VERSION, EmbeddedBackend
from tests.search.factories import make_doc

DOCS = [
    make_doc("svc-fund", "住房公积金提取", keywords=("公积金", "提取公积金"), summary="离职或购房可以提取公积金。"),
    make_doc("svc-card", "社会保障卡补办", keywords=("社保卡丢了",), summary="社保卡遗失后补办。", online=True),
    make_doc("pol-fund", "公积金管理办法", kind="policy", url="/policies/pol-fund/", summary="公积金缴存与提取规则。"),
]


@pytest.fixture(scope="module")
def small_backend():
    backend = EmbeddedBackend(None)
    backend.index(DOCS)
    return backend


def test_in_memory_index_searches_and_counts(small_backend):
    assert small_backend.count() == 3
    assert [h.code for h in small_backend.search("公积金").hits][:2] == ["svc-fund", "pol-fund"]


def test_initials_suggest_titles_and_keywords(small_backend):
    assert [s.text for s in small_backend.suggest("gjj")] == ["公积金", "公积金管理办法"]
    assert [s.text for s in small_backend.suggest("shehui")] == ["社会保障卡补办"]
    assert small_backend.suggest("") == []


def test_chinese_prefix_then_infix_suggestions(small_backend):
    assert [s.text for s in small_backend.suggest("公积金")] == [
        "公积金",
        "公积金管理办法",
        "住房公积金提取",
        "提取公积金",
    ]


def test_index_on_disk_survives_a_restart(tmp_path):
    path = tmp_path / "index"
    progress: list[tuple[int, int]] = []
    EmbeddedBackend(path).index(DOCS, progress=lambda done, total: progress.append((done, total)))
    assert progress == [(3, 3)]
    assert json.loads((path / "schema.json").read_text()) == {"version": SCHEMA_VERSION}

    reopened = EmbeddedBackend(path)
    assert reopened.count() == 3
    assert not reopened.needs_rebuild
    assert reopened.search("gjj").hits[0].code == "svc-fund"
    assert [s.text for s in reopened.suggest("sbk")] == ["社保卡丢了"]

    reopened.clear()
    assert EmbeddedBackend(path).count() == 0


def test_outdated_index_is_emptied_and_flagged(tmp_path):
    path = tmp_path / "index"
    EmbeddedBackend(path).index(DOCS)
    (path / "schema.json").write_text(json.dumps({"version": SCHEMA_VERSION - 1}))
    reopened = EmbeddedBackend(path)
    assert reopened.needs_rebuild
    assert reopened.count() == 0


def test_facet_counts_follow_the_query(small_backend):
    result = small_backend.search("公积金")
    assert result.facets["kind"] == {"service": 1, "policy": 1}
    assert result.facets["online"] == {"false": 2}
    narrowed = small_backend.search("公积金", kinds=["policy"])
    assert [h.code for h in narrowed.hits] == ["pol-fund"]
    assert narrowed.facets["kind"] == {"service": 1, "policy": 1}
    assert narrowed.facets["online"] == {"false": 1}


def test_page_past_the_end_is_empty(small_backend):
    result = small_backend.search("公积金", page=5, page_size=2)
    assert (result.hits, result.total, result.has_next) == ([], 2, False)


def test_reader_process_picks_up_commits_from_a_writer(tmp_path, monkeypatch):
    monkeypatch.setattr("search.backends.embedded.RELOAD_INTERVAL", 0.0)
    path = tmp_path / "index"
    writer = EmbeddedBackend(path)
    writer.index(DOCS[:1])
    reader = EmbeddedBackend(path)
    assert reader.count() == 1

    writer.index([make_doc("svc-dog", "犬只登记", keywords=("狗证",), summary="养犬登记。")])
    writer.delete(["svc-fund"])
    assert [h.code for h in reader.search("gouzheng").hits] == ["svc-dog"]
    assert [s.text for s in reader.suggest("gz")] == ["狗证"]
    assert reader.suggest("gjj") == []
