"""Relay-style connections over querysets: one query per page, whatever the page size.

Page sizes are capped at ``GRAPHQL_MAX_PAGE_SIZE`` (100); asking for more is an error rather
than a silently shorter page, so a client never mistakes a cap for the end of the list.

The page and its total come from one query (``COUNT(*) OVER ()`` beside the rows), and only
when the client selected ``totalCount``; without it, a forward page reads one row more than
it returns to know whether there is a next page. A separate COUNT runs only for a page that
comes back empty past the start, or for a selection of nothing but ``totalCount``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graphene
from django.db.models import Count, QuerySet, Window
from graphene.relay import PageInfo
from graphql_relay import cursor_to_offset, offset_to_cursor

from api.conf import api_setting

from .errors import InvalidArgument

_TOTAL = "_connection_total"


def connection_args(**extra: Any) -> dict[str, Any]:
    """The four Relay arguments, described, plus any filters of the field."""
    return {
        "first": graphene.Int(description="返回前 N 条（0–100，默认 20）。"),
        "after": graphene.String(description="从该游标之后开始（上一页的 pageInfo.endCursor）。"),
        "last": graphene.Int(description="返回最后 N 条（0–100）。"),
        "before": graphene.String(description="到该游标之前为止。"),
        **extra,
    }


class CountableConnection(graphene.relay.Connection):
    class Meta:
        abstract = True

    total_count = graphene.Int(required=True, description="符合筛选条件的总条数。")


def _page_size(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    maximum = api_setting("GRAPHQL_MAX_PAGE_SIZE")
    if not 0 <= value <= maximum:
        raise InvalidArgument(name, f"{name} 必须在 0 到 {maximum} 之间，收到 {value}。")
    return value


def _offset(name: str, cursor: str | None) -> int | None:
    if cursor is None:
        return None
    offset = cursor_to_offset(cursor) if len(cursor) <= 64 else None
    if offset is None:
        raise InvalidArgument(name, f"{name} 不是本接口返回的游标。")
    return offset


def _rows_with_total(queryset: QuerySet[Any], start: int, end: int) -> tuple[list[Any], int]:
    """Rows ``start:end`` and the number of rows in the whole queryset, in one query."""
    rows = list(queryset.annotate(**{_TOTAL: Window(Count("pk"))})[start:end]) if end > start else []
    if rows:
        first = rows[0]
        return rows, first[_TOTAL] if isinstance(first, dict) else getattr(first, _TOTAL)
    return rows, (queryset.count() if start > 0 or end == start else 0)


def paginate(
    queryset: QuerySet[Any],
    connection_type: type[CountableConnection],
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    *,
    selected: frozenset[str] | None = None,
    node: Callable[[Any], Any] | None = None,
) -> CountableConnection:
    """One page of *queryset*. *selected* is what the client asked for under the connection
    (:func:`api.core.selection.selected_paths`); ``None`` means everything. *node* turns each row
    into the edge's node (for querysets of ``values()``)."""
    first = _page_size("first", first)
    last = _page_size("last", last)
    if first is None and last is None:
        first = api_setting("GRAPHQL_DEFAULT_PAGE_SIZE")
    after_offset = _offset("after", after)
    before_offset = _offset("before", before)
    wants_total = selected is None or "totalCount" in selected
    wants_rows = selected is None or bool({"edges", "pageInfo"} & selected)
    start = 0 if after_offset is None else max(after_offset + 1, 0)

    total: int | None = None
    if not wants_rows:
        total = queryset.count() if wants_total else None
        items: list[Any] = []
        end = start
        has_next = False
    elif last is None and before_offset is None:
        # Forward paging (the usual case): the total only if asked for, else one row of look-ahead.
        assert first is not None  # defaulted above when neither first nor last was given
        end = start + first
        if wants_total:
            items, total = _rows_with_total(queryset, start, end)
            has_next = end < total
        else:
            items = list(queryset[start : end + 1])
            has_next = len(items) > first
            items = items[:first]
        end = start + len(items)
    else:
        total = queryset.count()
        end = total if before_offset is None else max(min(before_offset, total), 0)
        if first is not None:
            end = min(end, start + first)
        if last is not None:
            start = max(start, end - last)
        items = list(queryset[start:end]) if end > start else []
        has_next = end < total

    if node is not None:
        items = [node(item) for item in items]
    edges = [
        connection_type.Edge(node=item, cursor=offset_to_cursor(start + index)) for index, item in enumerate(items)
    ]
    page_info = PageInfo(
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
        has_previous_page=start > 0,
        has_next_page=has_next,
    )
    return connection_type(edges=edges, page_info=page_info, total_count=total)
