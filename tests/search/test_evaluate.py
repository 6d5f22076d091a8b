"""Relevance metrics, and a floor under the dev-set scores so a change cannot quietly lower them."""

from __future__ import annotations

import pytest

from search.evaluate import DEFAULT_EVAL_FILE, evaluate, load_eval_file, main, query_metrics

#: Measured 2026-11-28 (Recall@1 0.783, Recall@5 0.975, MRR@10 0.988, nDCG@10 0.968) minus 0.05.
FLOORS = {"recall@1": 0.73, "recall@5": 0.92, "mrr@10": 0.93, "ndcg@10": 0.91}


def test_metrics_for_one_query():
    scores = query_metrics(["b", "x", "a"], ["a", "b"])
    assert scores["recall@1"] == 0.5
    assert scores["recall@5"] == 1.0
    assert scores["hit@1"] == 1.0
    assert scores["mrr@10"] == 1.0
    # gains: a=2, b=1; DCG = 1/log2(2) + 2/log2(4) = 2; ideal = 2 + 1/log2(3)
    assert scores["ndcg@10"] == pytest.approx(2 / (2 + 1 / 1.584962500721156))


def test_metrics_when_nothing_relevant_is_found():
    assert query_metrics(["x"], ["a"]) == {
        "recall@1": 0.0,
        "recall@5": 0.0,
        "hit@1": 0.0,
        "hit@5": 0.0,
        "mrr@10": 0.0,
        "ndcg@10": 0.0,
    }


def test_dev_set_stays_above_the_measured_floor(reference_backend):
    totals, outcomes = evaluate(reference_backend, load_eval_file(DEFAULT_EVAL_FILE))
    assert len(outcomes) == 40
    for name, floor in FLOORS.items():
        assert totals[name] >= floor, f"{name} = {totals[name]:.3f} < {floor}"


def test_command_prints_the_four_metrics(capsys, tmp_path):
    eval_file = tmp_path / "one.jsonl"
    eval_file.write_text('{"q": "残疾证", "relevant": ["svc-disability-cert"]}\n', encoding="utf-8")
    assert main(["--file", str(eval_file), "--verbose"]) == 0
    out = capsys.readouterr().out
    for label in ("Recall@1  1.000", "Recall@5  1.000", "MRR@10    1.000", "nDCG@10   1.000"):
        assert label in out


def test_bad_eval_line_names_file_and_line(tmp_path):
    eval_file = tmp_path / "bad.jsonl"
    eval_file.write_text('{"q": "x", "relevant": ["a"]}\n{"q": "y"}\n', encoding="utf-8")
    with pytest.raises(SystemExit, match=r"bad\.jsonl:2"):
        load_eval_file(eval_file)
