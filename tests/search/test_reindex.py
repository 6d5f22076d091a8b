"""``reindex``: the whole index replaced in one commit, seen by reader processes of the on-disk index."""

from __future__ import annotations

from search.backends.embedded import EmbeddedBackend
from tests.search.factories import make_doc

OLD = [
    make_doc("svc-fund", "住房公积金提取", keywords=("公积金",), summary="离职或购房可以提取公积金。"),
    make_doc("svc-card", "社会保障卡补办", keywords=("社保卡丢了",), summary="社保卡遗失后补办。"),
]
NEW = [
    make_doc("svc-card", "社会保障卡申领", keywords=("办社保卡",), summary="首次申领社保卡。"),
    make_doc("svc-dog", "犬只登记", keywords=("狗证",), summary="养犬登记。"),
]


def test_reindex_replaces_every_document_and_reports_progress():
    backend = EmbeddedBackend(None)
    backend.index(OLD)
    progress: list[tuple[int, int]] = []
    assert backend.reindex(NEW, progress=lambda done, total: progress.append((done, total))) == 2
    assert progress == [(2, 2)]
    assert [d.title for d in backend.get(["svc-fund", "svc-card", "svc-dog"])] == ["社会保障卡申领", "犬只登记"]
    assert [s.text for s in backend.suggest("gjj")] == []
    assert [s.text for s in backend.suggest("gz")] == ["狗证"]
    assert "提取" not in backend.analyzer.vocabulary


def test_a_reader_process_sees_the_rebuilt_index(tmp_path, monkeypatch):
    monkeypatch.setattr("search.backends.embedded.RELOAD_INTERVAL", 0.0)
    writer = EmbeddedBackend(tmp_path / "index")  # the task worker
    writer.index(OLD)
    reader = EmbeddedBackend(tmp_path / "index")  # a web server
    assert reader.count() == 2

    writer.reindex(NEW)
    assert reader.count() == 2
    assert sorted(hit.code for hit in reader.search("").hits) == ["svc-card", "svc-dog"]
    assert [h.code for h in reader.search("gouzheng").hits] == ["svc-dog"]
    assert [s.text for s in reader.suggest("gjj")] == []


def test_reindex_with_nothing_empties_the_index():
    backend = EmbeddedBackend(None)
    backend.index(OLD)
    backend.reindex([])
    assert (backend.count(), backend.suggest("gjj")) == (0, [])
