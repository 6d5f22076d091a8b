"""Choosing a backend from settings, and the app itself."""

from __future__ import annotations

import pytest
from django.apps import apps

from search.backends import SearchError, create_backend, get_backend, reset_backend, setting
from search.backends.embedded import EmbeddedBackend


def test_app_config():
    config = apps.get_app_config("search")
    assert (config.name, config.verbose_name) == ("search", "搜索")


def test_settings_are_read_lazily_with_defaults(settings):
    settings.SEARCH_INDEX_DIR = None
    assert setting("SEARCH_INDEX_DIR", "x") is None
    assert setting("SEARCH_NOT_A_SETTING", "fallback") == "fallback"


def test_embedded_backend_from_settings(settings, tmp_path):
    settings.SEARCH_BACKEND = "embedded"
    settings.SEARCH_INDEX_DIR = tmp_path / "idx"
    backend = create_backend()
    assert isinstance(backend, EmbeddedBackend)
    assert backend.path == tmp_path / "idx"


def test_process_backend_is_created_once(settings):
    settings.SEARCH_BACKEND = "embedded"
    settings.SEARCH_INDEX_DIR = None
    reset_backend()
    try:
        assert get_backend() is get_backend()
    finally:
        reset_backend()


def test_elasticsearch_backend_needs_a_url(settings):
    settings.ELASTICSEARCH_URL = ""
    with pytest.raises(SearchError) as error:
        create_backend("elasticsearch")
    assert error.value.code == "elasticsearch_not_configured"


def test_elasticsearch_backend_from_settings(settings):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    settings.ELASTICSEARCH_ANALYZER = "ik_max_word"
    settings.ELASTICSEARCH_INDEX_PREFIX = "jinan"
    backend = create_backend("elasticsearch")
    assert (backend.alias, backend.analyzer_name) == ("jinan-search", "ik_max_word")


def test_unknown_backend_name(settings):
    with pytest.raises(SearchError) as error:
        create_backend("solr")
    assert error.value.code == "unknown_backend"
