"""Query understanding: normalisation, segmentation, synonyms, pinyin, English, typos, highlighting."""

from __future__ import annotations

import pytest

from search.text import (
    Analyzer,
    Segmenter,
    bigrams,
    chinese_ages_to_digits,
    highlight,
    match_spans,
    normalize,
    pinyin_keys,
)


def concept_terms(plan) -> list[str]:
    return [c.term for c in plan.concepts]


def alternatives(plan, term: str) -> list[str]:
    concept = next(c for c in plan.concepts if c.term == term)
    return [a.term for a in concept.alternatives]


class TestNormalize:
    def test_traditional_becomes_simplified(self):
        assert normalize("醫療保險斷繳") == "医疗保险断缴"

    def test_full_width_letters_digits_and_spaces_fold(self):
        assert normalize("ＳＢＫ　１２３４５") == "sbk 12345"

    def test_case_and_whitespace(self):
        assert normalize("  ID   Card\n") == "id card"

    def test_empty(self):
        assert normalize("") == ""


def test_bigrams_stay_inside_chinese_runs():
    assert bigrams("低保申请 abc 狗") == ["低保", "保申", "申请", "狗"]


def test_pinyin_keys_full_and_initials():
    assert pinyin_keys("公积金") == ("gongjijin", "gjj")
    assert pinyin_keys("银行") == ("yinhang", "yh")


def test_chinese_ages_are_written_in_digits():
    assert chinese_ages_to_digits("我爸八十岁了") == "我爸80岁了"
    assert chinese_ages_to_digits("六十五周岁以上") == "65周岁以上"
    assert chinese_ages_to_digits("七十多岁") == "70多岁"
    assert chinese_ages_to_digits("十岁") == "10岁"


class TestSegmentation:
    def test_user_dictionary_keeps_words_whole(self):
        segmenter = Segmenter(["居住证签注"])
        assert "居住证签注" in segmenter.cut("我要办居住证签注")
        assert segmenter.has_word("居住证签注")

    def test_segmenters_do_not_share_user_words(self):
        first = Segmenter(["吃低保补差"])
        second = Segmenter()
        assert first.has_word("吃低保补差")
        assert not second.has_word("吃低保补差")

    def test_index_tokens_include_words_inside_longer_words(self):
        segmenter = Segmenter(["社会保障卡申领"])
        tokens = Analyzer(synonyms=[], segmenter=segmenter).index_tokens("社会保障卡申领与补换")
        assert tokens[0] == "社会保障卡申领"
        assert {"社会保障", "社会", "保障", "申领"} <= set(tokens)
        assert tokens[-1] == "补换"

    def test_index_tokens_drop_punctuation_and_single_function_words(self, analyzer):
        tokens = analyzer.index_tokens("社保卡的补办，（线上）")
        assert "的" not in tokens
        assert "，" not in tokens
        assert "社保卡" in tokens


class TestQueryPlan:
    def test_question_words_are_dropped(self, analyzer):
        plan = analyzer.analyze("请问残疾证在哪里办理需要什么材料")
        assert "怎么" not in concept_terms(plan)
        assert "在哪里" not in concept_terms(plan)
        assert "需要" not in concept_terms(plan)
        assert "残疾证" in concept_terms(plan)
        assert "材料" in concept_terms(plan)

    def test_synonyms_are_alternatives_of_the_concept(self, analyzer):
        plan = analyzer.analyze("驾照")
        assert alternatives(plan, "驾照") == ["驾照", "驾驶证", "驾驶执照", "机动车驾驶证"]
        sources = {a.term: a.source for a in plan.concepts[0].alternatives}
        assert sources["驾驶证"] == "synonym"

    def test_one_way_rule_points_to_official_word(self, analyzer):
        plan = analyzer.analyze("没工作")
        assert "失业" in alternatives(plan, "没工作")
        assert "没工作" not in alternatives(analyzer.analyze("失业"), "失业")

    def test_traditional_query_means_the_same(self, analyzer):
        assert concept_terms(analyzer.analyze("戶口遷移")) == concept_terms(analyzer.analyze("户口迁移"))

    def test_initials_map_to_dictionary_terms(self, analyzer):
        plan = analyzer.analyze("gjj")
        assert plan.corrected_query == "公积金"
        assert alternatives(plan, "公积金")[:2] == ["公积金", "住房公积金"]

    def test_full_pinyin_maps_to_dictionary_terms(self, analyzer):
        assert analyzer.analyze("shebaoka").corrected_query == "社保卡"
        assert analyzer.analyze("yidi jiuyi").corrected_query == "异地就医"

    def test_run_of_pinyin_is_split_into_terms(self, analyzer):
        plan = analyzer.analyze("shebaokabuban")
        assert concept_terms(plan) == ["社保卡", "补办"]

    def test_english_words_for_common_services(self, analyzer):
        assert analyzer.analyze("passport").corrected_query == "护照"
        assert analyzer.analyze("ID card").corrected_query == "身份证"
        assert analyzer.analyze("social security").corrected_query == "社保"
        assert analyzer.analyze("Driver License").corrected_query == "驾驶证"

    def test_two_character_homophone_typo_is_corrected(self, analyzer):
        plan = analyzer.analyze("失业金怎么申情")
        assert "申请" in concept_terms(plan)
        assert plan.corrected_query == "失业金怎么申请"
        assert ("申情", "申请") in plan.corrections

    def test_longer_homophone_typo_across_word_borders(self, analyzer):
        plan = analyzer.analyze("残疾正怎么办")
        assert "残疾证" in concept_terms(plan)
        assert plan.corrected_query == "残疾证怎么办"

    def test_real_words_are_not_corrected(self, analyzer):
        plan = analyzer.analyze("社保卡补办")
        assert plan.corrected_query is None

    def test_single_characters_weigh_less(self, analyzer):
        plan = analyzer.analyze("社保卡丢了咋补")
        weights = {c.term: c.weight for c in plan.concepts}
        assert weights["补"] == pytest.approx(0.3)
        assert weights["社保卡丢了"] == 1.0

    def test_long_phrase_also_searches_its_known_parts(self, analyzer):
        plan = analyzer.analyze("社保卡丢了咋补")
        assert "社保卡" in concept_terms(plan)

    def test_blank_and_stopword_only_queries(self, analyzer):
        assert analyzer.analyze("  ").is_blank
        plan = analyzer.analyze("怎么办")
        assert plan.is_empty and not plan.is_blank


class TestHighlight:
    def test_marks_terms_and_escapes_html(self):
        text = "<b>低保</b>申请：最低生活保障"
        snippet, shown = highlight(text, ["低保", "最低生活保障"])
        assert snippet == "&lt;b&gt;<mark>低保</mark>&lt;/b&gt;申请：<mark>最低生活保障</mark>"
        assert shown == 2

    def test_longest_term_wins_overlaps(self):
        assert match_spans("社会保障卡", ["社会保障", "社会保障卡"]) == [(0, 5, "社会保障卡")]

    def test_window_moves_to_the_match_with_ellipses(self):
        text = "甲" * 200 + "公积金" + "乙" * 200
        snippet, shown = highlight(text, ["公积金"], max_chars=40)
        assert snippet.startswith("…") and snippet.endswith("…")
        assert "<mark>公积金</mark>" in snippet
        assert shown == 1

    def test_no_match_returns_the_beginning(self):
        assert highlight("一二三四五", ["低保"], max_chars=3) == ("一二三…", 0)

    def test_traditional_text_is_matched_in_place(self):
        snippet, _ = highlight("辦理醫療保險", ["医疗保险"])
        assert snippet == "辦理<mark>醫療保險</mark>"


def test_very_long_queries_are_cut(analyzer):
    plan = analyzer.analyze("低保" * 500)
    assert len(plan.normalized) == 200
    assert plan.concepts[0].term == "低保"
