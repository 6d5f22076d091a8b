"""``search.querylog``: the query log is written in batches, off the resident's request."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError
from django.test import override_settings

from search import querylog, runtime, services
from search.models import SearchQueryLog


def row(query: str) -> SearchQueryLog:
    return SearchQueryLog(query=query, normalized_query=query, results_count=1)


@pytest.mark.django_db
@override_settings(SEARCH_QUERY_LOG_FLUSH_SECONDS=60)
def test_a_search_only_queues_its_log_row(pages_index, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(runtime, "REFRESH_SECONDS", 3600)
    services.search("社保", log=False)
    try:
        with django_assert_num_queries(0):
            services.search("低保")
            lost_id = services.search("身份证 370102199001011234 丢了")
        assert SearchQueryLog.objects.count() == 0
        with django_assert_num_queries(1):  # one INSERT for the whole batch
            assert querylog.buffer.flush() == 2
    finally:
        querylog.buffer.flush()
    assert list(SearchQueryLog.objects.order_by("pk").values_list("query", "results_count")) == [
        ("低保", 9),
        ("身份证 ****************** 丢了", lost_id.total),
    ]


def wait_for(condition, seconds: float = 5.0) -> bool:
    done = threading.Event()
    for _ in range(int(seconds / 0.01)):
        if condition():
            return True
        done.wait(0.01)
    return condition()


@override_settings(SEARCH_QUERY_LOG_FLUSH_SECONDS=0.05, SEARCH_QUERY_LOG_BATCH=1000)
def test_the_writer_thread_writes_each_interval():
    written: list[str] = []
    buffer = querylog.QueryLogBuffer(writer=lambda rows: written.extend(r.query for r in rows))
    buffer.add(row("低保"))
    buffer.add(row("社保"))
    assert wait_for(lambda: written == ["低保", "社保"])
    assert buffer.pending() == 0


@override_settings(SEARCH_QUERY_LOG_FLUSH_SECONDS=3600, SEARCH_QUERY_LOG_BATCH=3)
def test_a_full_batch_is_written_without_waiting_for_the_interval():
    written: list[str] = []
    buffer = querylog.QueryLogBuffer(writer=lambda rows: written.extend(r.query for r in rows))
    for query in ("a", "b"):
        buffer.add(row(query))
    assert not wait_for(lambda: written, seconds=0.2)
    buffer.add(row("c"))
    assert wait_for(lambda: written == ["a", "b", "c"])


@override_settings(SEARCH_QUERY_LOG_FLUSH_SECONDS=3600)
def test_a_failed_write_keeps_the_rows_for_the_next_batch():
    attempts: list[list[str]] = []

    def writer(rows):
        attempts.append([r.query for r in rows])
        if len(attempts) == 1:
            raise DatabaseError("database is locked")

    buffer = querylog.QueryLogBuffer(writer=writer)
    buffer.add(row("低保"))
    assert buffer.flush() == 0
    buffer.add(row("社保"))
    assert buffer.flush() == 2
    assert attempts == [["低保"], ["低保", "社保"]]


@override_settings(SEARCH_QUERY_LOG_FLUSH_SECONDS=3600)
def test_rows_left_at_exit_are_flushed_by_the_exit_hook(monkeypatch):
    hooks = []
    monkeypatch.setattr(querylog.atexit, "register", hooks.append)
    written: list[str] = []
    buffer = querylog.QueryLogBuffer(writer=lambda rows: written.extend(r.query for r in rows))
    buffer.add(row("低保"))
    assert hooks == [buffer.flush]
    hooks[0]()
    assert written == ["低保"]


@override_settings(SEARCH_QUERY_LOG_FLUSH_SECONDS=3600)
def test_the_buffer_is_bounded_when_the_database_stays_away(monkeypatch):
    monkeypatch.setattr(querylog, "MAX_BUFFERED", 3)
    written: list[str] = []
    buffer = querylog.QueryLogBuffer(writer=lambda rows: written.extend(r.query for r in rows))
    for query in "abcde":
        buffer.add(row(query))
    assert buffer.pending() == 3
    buffer.flush()
    assert written == ["c", "d", "e"]  # the newest rows are kept
