"""The synonym list: CMS input formats and the Elasticsearch export."""

from __future__ import annotations

from search.synonyms import DEFAULT_SYNONYMS, default_synonyms, parse_synonyms


def test_groups_and_solr_lines_parse_the_same():
    from_groups = parse_synonyms([["社保", "社会保险"]])
    from_line = parse_synonyms(["社保, 社会保险"])
    assert from_groups == from_line
    assert from_line.expand("社保") == ("社会保险",)
    assert from_line.expand("社会保险") == ("社保",)


def test_one_way_rules_expand_only_forwards():
    synonyms = parse_synonyms(["没工作, 下岗了 => 失业"])
    assert synonyms.expand("没工作") == ("失业",)
    assert synonyms.expand("下岗了") == ("失业",)
    assert synonyms.expand("失业") == ()


def test_comments_blanks_and_chinese_commas():
    synonyms = parse_synonyms(["# 注释", "", "低保，最低生活保障、低保金", ["单独一个"]])
    assert synonyms.groups == (("低保", "最低生活保障", "低保金"),)


def test_to_solr_round_trips():
    synonyms = parse_synonyms(["社保, 社会保险", "没工作 => 失业"])
    assert synonyms.to_solr() == ["社保, 社会保险", "没工作 => 失业"]
    assert parse_synonyms(synonyms.to_solr()) == synonyms


def test_defaults_cover_what_residents_say_and_include_one_way_rules():
    synonyms = default_synonyms()
    assert "社会保障" in synonyms.expand("社保")
    assert "医疗保险" in synonyms.expand("医保")
    assert {"落户", "出生登记"} <= set(synonyms.expand("上户口"))
    assert "个体工商户" in synonyms.expand("个体户")
    assert "住房公积金" in synonyms.expand("公积金")
    assert "失业" in synonyms.expand("没工作")
    assert all(len(group) >= 2 for group in DEFAULT_SYNONYMS)
