"""Keyword matching per semantics.keyword_matching: substring, leftmost-longest, non-overlapping."""

from __future__ import annotations

import time

from rules.matching import KeywordMatcher, normalize
from rules.snapshot import CategoryLeaf


def found(reference, text):
    return [(h.keyword, h.leaf.code, h.start, h.end, h.is_urgent_keyword) for h in reference.matcher.find(text)]


def test_longest_hit_wins_over_the_shorter_keyword_inside_it(reference):
    # "打不着火" is one gas-service hit; the fire keyword "着火" inside it does not count.
    assert found(reference, "家里燃气灶打不着火了") == [
        ("燃气灶", "cat-gas-service", 2, 5, False),
        ("打不着火", "cat-gas-service", 5, 9, False),
    ]
    # "老年人优待证" is the elder-care keyword, not the veterans' "优待证".
    assert found(reference, "想办老年人优待证") == [("老年人优待证", "cat-social-elder", 2, 8, False)]


def test_leftmost_hit_wins_over_a_longer_one_starting_later(reference):
    # At "下水道" the longest keyword is "下水道堵"; the later "堵塞" is no keyword.
    assert found(reference, "下水道堵了") == [("下水道堵", "cat-drain-sewer", 0, 4, False)]
    # "楼道充电" starts inside the earlier hit "电动车上楼", so it is not a hit: hits never overlap.
    assert found(reference, "电动车上楼道充电") == [("电动车上楼", "cat-safety-fire", 0, 5, False)]


def test_hits_are_in_text_order_across_leaves(reference):
    hits = found(reference, "树枝压在电线上，旁边垃圾箱满了")
    assert [(h[0], h[1]) for h in hits] == [
        ("树枝", "cat-city-greening"),
        ("电线", "cat-safety-power"),
        ("垃圾箱", "cat-city-garbage"),
    ]


def test_urgent_keywords_are_flagged_and_also_classify(reference):
    assert found(reference, "地下室进水了") == [("地下室进水", "cat-drain-waterlog", 0, 5, True)]
    assert found(reference, "一股煤气味") == [("煤气味", "cat-gas-leak", 2, 5, True)]


def test_normalisation_full_width_case_traditional_and_spaces(reference):
    assert found(reference, "樓下ＫＴＶ太吵") == [("KTV", "cat-env-life-noise", 2, 5, False)]
    assert found(reference, "楼下ktv太吵") == [("KTV", "cat-env-life-noise", 2, 5, False)]
    assert found(reference, "屋裡有煤氣味") == [("煤气味", "cat-gas-leak", 3, 6, True)]
    # Offsets point into the original text even when spaces were dropped.
    assert found(reference, "一股 煤 气\u3000味") == [("煤气味", "cat-gas-leak", 3, 8, True)]


def test_normalize_is_stable_for_simplified_text():
    assert normalize("历下区大明湖街道明湖小区3号楼") == "历下区大明湖街道明湖小区3号楼"
    assert normalize("ＡＢＣ１２３ 全角") == "abc123全角"


def test_no_text_no_hits(reference):
    assert reference.matcher.find("") == []
    assert reference.matcher.find("今天天气不错") == []


def test_keyword_of_two_leaves_belongs_to_the_first():
    a = CategoryLeaf("cat-a", "甲", "cat-t", "T", "dept-a", keywords=("水管",))
    b = CategoryLeaf("cat-b", "乙", "cat-t", "T", "dept-b", keywords=("水管", "水管爆"), urgent_keywords=("爆",))
    matcher = KeywordMatcher([a, b])
    hits = matcher.find("水管爆了，水管")
    assert [(h.keyword, h.leaf.code, h.is_urgent_keyword) for h in hits] == [
        ("水管爆", "cat-b", False),
        ("水管", "cat-a", False),
    ]


def test_single_character_keywords_are_matched_too():
    leaf = CategoryLeaf("cat-a", "甲", "cat-t", "T", "dept-a", keywords=("水", "水管"))
    hits = KeywordMatcher([leaf]).find("水管和水")
    assert [(h.keyword, h.start, h.end) for h in hits] == [("水管", 0, 2), ("水", 3, 4)]


def test_matching_is_fast(reference):
    text = ("来电人反映明湖小区3号楼二单元楼道里一股煤气味，晚上下班回家一进单元就闻到了，" * 3)[:100]
    reference.matcher.find(text)
    rounds = 2000
    start = time.perf_counter()
    for _ in range(rounds):
        reference.matcher.find(text)
    per_call = (time.perf_counter() - start) / rounds
    assert per_call < 500e-6  # generous for shared CI machines; measured ~35 µs (BENCHMARKS.md)
