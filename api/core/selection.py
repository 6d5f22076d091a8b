"""Which fields a query asked for below the current one, so resolvers prefetch only what is used."""

from __future__ import annotations

from typing import Any

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
