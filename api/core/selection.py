"""Which fields a query asked for below the current one, so resolvers fetch and prefetch only what is used."""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import Model
from graphene.utils.str_converters import to_snake_case as _to_snake_case
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode


def selected_paths(info: Any) -> frozenset[str]:
    """Dotted paths of the fields selected under the current field (``edges.node.faqs`` …)."""
    paths: set[str] = set()
    fragments = info.fragments

    def walk(selection_set: SelectionSetNode | None, prefix: str, seen: frozenset[str]) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                path = f"{prefix}{selection.name.value}"
                paths.add(path)
                walk(selection.selection_set, f"{path}.", seen)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set, prefix, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen and name in fragments:
                    walk(fragments[name].selection_set, prefix, seen | {name})

    for node in info.field_nodes:
        walk(node.selection_set, "", frozenset())
    return frozenset(paths)


to_snake_case = functools.lru_cache(maxsize=1024)(_to_snake_case)


def selected_columns(
    model: type[Model], paths: frozenset[str], prefix: str, renamed: dict[str, str] | None = None
) -> list[str]:
    """The model fields the fields selected under *prefix* read, for ``QuerySet.only()``.

    A GraphQL field reads the model field of the same name (``maxVisits`` → ``max_visits``) or the
    one *renamed* names; selections that are no column of the model (lists prefetched separately)
    add nothing. A forward relation loads its whole row when it is ``select_related``.
    """
    renamed = renamed or {}
    concrete = {field.name for field in model._meta.concrete_fields}
    columns = set()
    for path in paths:
        if not path.startswith(prefix) or "." in path[len(prefix) :]:
            continue
        name = path[len(prefix) :]
        column = renamed.get(name, to_snake_case(name))
        if column in concrete:
            columns.add(column)
    return sorted(columns)
