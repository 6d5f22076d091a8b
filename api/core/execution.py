"""graphql-core's executor with a short path for plain leaf fields.

A list of 20 items with a dozen scalar fields resolves some 250 fields; for each, graphql-core
builds a resolve-info object, reads the arguments, calls graphene's default resolver (an
attribute read) and completes the value through several generic steps. For a field that has
no arguments, no resolver of its own (or only ``source=``) and a scalar or enum type, all of that amounts to
``serialize(getattr(source, name))``, so this executor does exactly that. Whenever the short path
could answer differently (no value, a value the scalar refuses, an attribute that raises,
middleware that is not ``arguments_only``), it hands the field to graphql-core unchanged, which then produces the
usual value or located error.
"""

from __future__ import annotations

from asyncio import gather
from functools import partial
from typing import Any

from graphene.types.field import source_resolver
from graphene.types.resolver import attr_resolver, dict_or_attr_resolver
from graphql import (
    ExecutionContext,
    FieldNode,
    GraphQLObjectType,
    Undefined,
    get_nullable_type,
    is_leaf_type,
)
from graphql.pyutils import Path

_DEFAULT_RESOLVERS = (dict_or_attr_resolver, attr_resolver)
#: Per object type: field name → (attribute name, default value, serialize) for plain leaf fields.
_plans: dict[GraphQLObjectType, dict[str, tuple[str, Any, Any]]] = {}


def leaf_plan(parent_type: GraphQLObjectType) -> dict[str, tuple[str, Any, Any]]:
    """The fields of *parent_type* that the short path may resolve (computed once per type)."""
    plan = _plans.get(parent_type)
    if plan is None:
        plan = {}
        for name, field in parent_type.fields.items():
            resolve = field.resolve
            leaf = get_nullable_type(field.type)
            if not (isinstance(resolve, partial) and not resolve.keywords and not field.args and is_leaf_type(leaf)):
                continue
            if resolve.func in _DEFAULT_RESOLVERS and len(resolve.args) == 2:
                plan[name] = (resolve.args[0], resolve.args[1], leaf.serialize)
            elif resolve.func is source_resolver and len(resolve.args) == 1:  # graphene.Field(source=...)
                plan[name] = (resolve.args[0], None, leaf.serialize)
        _plans[parent_type] = plan
    return plan


def _arguments_only(middlewares: Any) -> bool:
    """Middleware marked ``arguments_only`` acts on field arguments alone, and the short path's
    fields have none, so it does not need graphql-core's per-field machinery."""
    return all(getattr(m, "arguments_only", False) for m in middlewares or ())


class ApiExecutionContext(ExecutionContext):
    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        fields: dict[str, list[FieldNode]],
    ) -> Any:
        manager = self.middleware_manager
        if (manager is not None and not _arguments_only(manager.middlewares)) or isinstance(source_value, dict):
            return super().execute_fields(parent_type, source_value, path, fields)
        plan = leaf_plan(parent_type)
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        for response_name, field_nodes in fields.items():
            leaf = plan.get(field_nodes[0].name.value)
            if leaf is not None:
                attname, default, serialize = leaf
                try:
                    value = getattr(source_value, attname, default)
                    plain = not (value is None or isinstance(value, Exception) or callable(value))
                    serialized = serialize(value) if plain else None
                except Exception:
                    serialized = None  # graphql-core reports it, with the field's path
                if serialized is not None and serialized is not Undefined:
                    results[response_name] = serialized
                    continue
            result = self.execute_field(
                parent_type, source_value, field_nodes, Path(path, response_name, parent_type.name)
            )
            if result is not Undefined:
                results[response_name] = result
                if self.is_awaitable(result):
                    awaitable_fields.append(response_name)
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            values = await gather(*(results[name] for name in awaitable_fields))
            results.update(zip(awaitable_fields, values, strict=True))
            return results

        return get_results()
