"""Elasticsearch mappings, query bodies and the reindex sequence, checked without a server."""

from __future__ import annotations

from unittest import mock

import pytest

from search.backends.base import SearchError
from search.backends.elasticsearch import (
    ElasticsearchBackend,
    document_from_source,
    document_source,
    facets_from_aggregations,
    index_body,
    search_body,
    suggest_body,
    suggestions_from_response,
)
from search.synonyms import parse_synonyms
from tests.search.factories import make_doc

SYNONYMS = parse_synonyms(["社保, 社会保险", "没工作 => 失业"])


class TestMapping:
    def test_default_cjk_analyzer_with_synonym_graph_search_analyzer(self):
        body = index_body("cjk", SYNONYMS)
        analysis = body["settings"]["analysis"]
        assert analysis["analyzer"]["zh_index"] == {"type": "cjk"}
        assert analysis["analyzer"]["zh_search"] == {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "cjk_bigram", "zh_synonyms"],
        }
        assert analysis["filter"]["zh_synonyms"] == {
            "type": "synonym_graph",
            "synonyms": ["社保, 社会保险", "没工作 => 失业"],
            "lenient": True,
        }

    @pytest.mark.parametrize(
        ("name", "index_tokenizer", "search_tokenizer"),
        [
            ("ik_max_word", "ik_max_word", "ik_smart"),
            ("ik_smart", "ik_smart", "ik_smart"),
            ("smartcn", "smartcn_tokenizer", "smartcn_tokenizer"),
        ],
    )
    def test_plugin_analyzers(self, name, index_tokenizer, search_tokenizer):
        analyzers = index_body(name, SYNONYMS)["settings"]["analysis"]["analyzer"]
        assert analyzers["zh_index"]["tokenizer"] == index_tokenizer
        assert analyzers["zh_search"]["tokenizer"] == search_tokenizer
        assert analyzers["zh_search"]["filter"][-1] == "zh_synonyms"

    def test_unknown_analyzer_is_refused_with_the_choices(self):
        with pytest.raises(SearchError) as error:
            index_body("jieba", SYNONYMS)
        assert error.value.code == "unknown_analyzer"
        assert "cjk" in error.value.message

    def test_no_synonyms_no_filter(self):
        analysis = index_body("cjk", parse_synonyms([]))["settings"]["analysis"]
        assert "filter" not in analysis
        assert analysis["analyzer"]["zh_search"]["filter"] == ["cjk_width", "lowercase", "cjk_bigram"]

    def test_fields_and_meta(self):
        mappings = index_body("cjk", SYNONYMS, {"version": 1, "vocabulary": {"低保": 3}})["mappings"]
        properties = mappings["properties"]
        assert mappings["_meta"] == {"version": 1, "vocabulary": {"低保": 3}}
        assert properties["title"] == {
            "type": "text",
            "analyzer": "zh_index",
            "search_analyzer": "zh_search",
            "fields": {"raw": {"type": "keyword"}},
        }
        assert {properties[f]["type"] for f in ("code", "kind", "category", "department")} == {"keyword"}
        assert properties["online"] == {"type": "boolean"}
        assert properties["suggest"]["type"] == "completion"
        assert properties["extra"] == {"type": "object", "enabled": False}


class TestQueryBody:
    def test_concepts_become_dis_max_phrase_queries_without_query_side_synonyms(self, analyzer):
        body = search_body(analyzer.analyze("社保卡 补办"), {}, 0, 10)
        should = body["query"]["bool"]["must"][0]["bool"]["should"]
        first = should[0]["dis_max"]
        assert [q["multi_match"]["query"] for q in first["queries"]] == ["社保卡"]
        assert first["queries"][0]["multi_match"]["type"] == "phrase"
        assert first["queries"][0]["multi_match"]["fields"] == ["title^3.0", "keywords^2.5", "summary^1.2", "body^0.6"]
        assert should[-1]["multi_match"]["query"] == "社保卡 补办"
        assert (body["from"], body["size"], body["track_total_hits"]) == (0, 10, True)
        assert "post_filter" not in body

    def test_query_side_synonyms_on_request(self, analyzer):
        body = search_body(analyzer.analyze("社保卡"), {}, 0, 10, query_synonyms=True)
        queries = body["query"]["bool"]["must"][0]["bool"]["should"][0]["dis_max"]["queries"]
        assert [q["multi_match"]["query"] for q in queries] == ["社保卡", "社会保障卡", "社会保障卡申领"]
        assert queries[1]["multi_match"]["boost"] == 0.8

    def test_pinyin_is_resolved_before_elasticsearch_sees_it(self, analyzer):
        body = search_body(analyzer.analyze("gjj"), {}, 0, 10)
        first = body["query"]["bool"]["must"][0]["bool"]["should"][0]["dis_max"]["queries"][0]
        assert first["multi_match"]["query"] == "公积金"

    def test_filters_are_post_filters_and_facets_skip_their_own_filter(self, analyzer):
        filters = {"kind": ("service",), "online": ("true",)}
        body = search_body(analyzer.analyze("低保"), filters, 20, 10, exclude=["svc-x"])
        assert body["post_filter"] == {
            "bool": {"filter": [{"terms": {"kind": ["service"]}}, {"terms": {"online": [True]}}]}
        }
        assert body["aggs"]["kind"]["filter"] == {"bool": {"filter": [{"terms": {"online": [True]}}]}}
        assert body["aggs"]["category"]["filter"]["bool"]["filter"] == [
            {"terms": {"kind": ["service"]}},
            {"terms": {"online": [True]}},
        ]
        assert body["aggs"]["online"]["aggs"]["values"] == {"terms": {"field": "online", "size": 200}}
        assert body["query"]["bool"]["must_not"] == [{"terms": {"code": ["svc-x"]}}]
        assert body["from"] == 20

    def test_blank_query_matches_all(self, analyzer):
        assert search_body(analyzer.analyze(""), {}, 0, 10)["query"]["bool"]["must"] == [{"match_all": {}}]

    def test_highlight_marks_and_escapes(self, analyzer):
        highlight = search_body(analyzer.analyze("低保"), {}, 0, 10)["highlight"]
        assert (highlight["pre_tags"], highlight["post_tags"], highlight["encoder"]) == (
            ["<mark>"],
            ["</mark>"],
            "html",
        )

    def test_suggest_body_folds_pinyin(self):
        assert suggest_body("Gong Ji", 5)["suggest"]["completion"] == {
            "prefix": "gongji",
            "completion": {"field": "suggest", "size": 5, "skip_duplicates": True},
        }
        assert suggest_body("社保", 5)["suggest"]["completion"]["prefix"] == "社保"
        assert suggest_body("社保", 5)["size"] == 0


class TestDocuments:
    def test_source_carries_pinyin_and_initials_for_completion(self):
        source = document_source(make_doc("svc-a", "公积金提取", keywords=("提公积金",), online=True))
        assert source["suggest"][0] == {"input": ["公积金提取", "gongjijintiqu", "gjjtq"], "weight": 10}
        assert source["suggest"][1]["weight"] == 5
        assert source["suggest_entries"][0] == {"text": "公积金提取", "keys": ["公积金提取", "gongjijintiqu", "gjjtq"]}
        assert source["online"] is True

    def test_source_round_trips(self):
        doc = make_doc(
            "svc-a", "标题", body=("第一段",), category="民政", department="dept-civil", extra={"fee": "免费"}
        )
        assert document_from_source(document_source(doc)) == doc

    def test_facets_and_suggestions_from_responses(self):
        aggregations = {
            "kind": {"values": {"buckets": [{"key": "service", "doc_count": 3}]}},
            "online": {"values": {"buckets": [{"key": 1, "key_as_string": "true", "doc_count": 2}]}},
        }
        assert facets_from_aggregations(aggregations) == {
            "kind": {"service": 3},
            "category": {},
            "department": {},
            "online": {"true": 2},
        }
        response = {
            "suggest": {
                "completion": [
                    {
                        "options": [
                            {
                                "text": "gjjtq",
                                "_source": {
                                    "code": "svc-a",
                                    "kind": "service",
                                    "url": "/a/",
                                    "suggest_entries": [{"text": "公积金提取", "keys": ["公积金提取", "gjjtq"]}],
                                },
                            }
                        ]
                    }
                ]
            }
        }
        [suggestion] = suggestions_from_response(response, 5)
        assert (suggestion.text, suggestion.code, suggestion.url) == ("公积金提取", "svc-a", "/a/")


class TestBackendWithoutServer:
    def test_url_is_required(self):
        with pytest.raises(SearchError) as error:
            ElasticsearchBackend(None)
        assert error.value.code == "elasticsearch_not_configured"

    def test_reindex_fills_a_new_index_then_swaps_the_alias_and_drops_the_old(self, reference_docs):
        client = mock.MagicMock()
        client.indices.exists_alias.return_value = True
        client.indices.get_alias.return_value = {"gov-search-20240101000000000000": {}}
        progress = mock.Mock()
        backend = ElasticsearchBackend(client=client, prefix="gov")

        def fake_bulk(_client, actions, **kwargs):
            for action in actions:
                yield True, {"index": {"_id": action["_id"]}}

        with mock.patch("elasticsearch.helpers.streaming_bulk", side_effect=fake_bulk):
            name = backend.reindex(reference_docs[:3], progress=progress)

        assert name.startswith("gov-search-") and name != "gov-search-20240101000000000000"
        create = client.indices.create.call_args
        assert create.kwargs["index"] == name
        assert create.kwargs["body"]["mappings"]["_meta"]["version"] == 1
        progress.assert_called_with(3, 3)
        client.indices.refresh.assert_called_with(index=name)
        client.indices.update_aliases.assert_called_once_with(
            actions=[
                {"remove": {"index": "gov-search-20240101000000000000", "alias": "gov-search"}},
                {"add": {"index": name, "alias": "gov-search"}},
            ]
        )
        client.indices.delete.assert_called_once_with(index="gov-search-20240101000000000000", ignore_unavailable=True)

    def test_failed_bulk_keeps_the_old_index_live(self, reference_docs):
        client = mock.MagicMock()
        backend = ElasticsearchBackend(client=client, prefix="gov")

        def failing_bulk(_client, actions, **kwargs):
            for action in actions:
                yield False, {"index": {"_id": action["_id"], "error": "mapper_parsing_exception"}}

        with mock.patch("elasticsearch.helpers.streaming_bulk", side_effect=failing_bulk):
            with pytest.raises(SearchError) as error:
                backend.reindex(reference_docs[:2])
        assert error.value.code == "bulk_failed"
        client.indices.update_aliases.assert_not_called()
        created = client.indices.create.call_args.kwargs["index"]
        client.indices.delete.assert_called_once_with(index=created, ignore_unavailable=True)
