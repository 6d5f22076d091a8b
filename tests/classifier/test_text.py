"""Clause scoping: what is feared, remembered or denied is marked; what is happening is not."""

from __future__ import annotations

from classifier.text import clauses, normalize, segments, urgency_tokens


def marked(text: str) -> list[tuple[str, bool]]:
    return [(c.text, c.marked) for c in clauses(normalize(text))]


def test_a_worry_is_marked_from_its_marker_to_the_end_of_the_clause():
    assert marked("楼道里堆满了纸箱，万一起火怎么办") == [("楼道里堆满了纸箱", False), ("万一起火怎么办", True)]


def test_history_and_worry_inside_one_clause_keep_what_comes_before():
    assert marked("电梯又坏了以前出过事") == [("电梯又坏了", False), ("以前出过事", True)]
    assert marked("我担心煤气泄漏。") == [("我", False), ("担心煤气泄漏", True)]


def test_danger_now_is_not_marked():
    assert marked("楼道里一股臭鸡蛋味，赶紧来人！") == [("楼道里一股臭鸡蛋味", False), ("赶紧来人", False)]


def test_urgency_features_of_marked_clauses_carry_a_prefix():
    toks = urgency_tokens(normalize("现在起火了，以前也起火过"))
    assert "起火" in toks
    assert "~起火" in toks


def test_normalisation_folds_width_case_and_traditional_characters():
    assert normalize("  樓道裡有ＫＴＶ噪音  ") == "楼道里有ktv噪音"


def test_a_second_problem_starts_a_new_segment():
    assert segments(normalize("暖气阀门漏水关不上；另外楼道墙皮脱落，一并解决")) == [
        "暖气阀门漏水关不上",
        "楼道墙皮脱落,一并解决",
    ]
