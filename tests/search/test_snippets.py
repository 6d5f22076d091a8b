"""Snippets: the paragraph that shows the most of the query, found without matching every paragraph."""

from __future__ import annotations

import random

from search.backends.base import build_snippet
from search.documents import SearchDocument
from search.text import highlight, match_spans, needs_folding


def reference_snippet(doc: SearchDocument, terms: list[str]) -> str:
    """The plain definition: match every paragraph, keep the first with the highest score."""
    best_text = doc.summary or next(iter(doc.body), "")
    best_score = 0
    for text in (doc.summary, *doc.body):
        score = sum(len(term) for term in {span[2] for span in match_spans(text, terms)})
        if score > best_score:
            best_text, best_score = text, score
    return highlight(best_text, terms)[0]


def document(summary: str, *body: str) -> SearchDocument:
    return SearchDocument(code="svc-x", kind="service", title="事项", url="/x/", summary=summary, body=body)


def test_the_first_of_equally_good_paragraphs_wins_over_a_later_one_with_a_higher_bound():
    # "低保户" contains both terms (bound 4) but shows only one of them (the matches overlap): a tie
    # with the earlier "低保 说明", which therefore wins, as it does when every paragraph is matched
    doc = document("无关", "低保 说明", "低保户")
    terms = ["低保", "保户"]
    assert build_snippet(doc, terms) == reference_snippet(doc, terms) == "<mark>低保</mark> 说明"


def test_same_paragraph_as_matching_every_one_on_many_overlapping_cases():
    rng = random.Random(16)
    letters = "abcd"
    for _ in range(3000):
        paragraphs = ["".join(rng.choice(letters + " ") for _ in range(rng.randint(0, 12))) for _ in range(5)]
        terms = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(0, 4))]
        doc = document(*paragraphs)
        assert build_snippet(doc, terms, plain=True) == reference_snippet(doc, terms), (paragraphs, terms)


def test_traditional_and_full_width_text_is_folded_unless_known_plain():
    doc = document("醫療保險繳費", "ＧＪＪ 提取")
    assert needs_folding(doc.summary) and needs_folding(doc.body[0]) and not needs_folding("医疗保险")
    assert build_snippet(doc, ["医疗保险"]) == "<mark>醫療保險</mark>繳費"
    assert build_snippet(doc, ["gjj"]) == "<mark>ＧＪＪ</mark> 提取"
