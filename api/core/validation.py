"""Limits on what one GraphQL document may ask for: depth, cost, aliases, introspection.

The limits run as graphql-core validation rules in a first, cheap pass; only documents that
pass them meet the standard rules (some of which are quadratic in the document's size).

Cost: every field costs 1; a field that returns a page (it takes ``first``/``last``) multiplies
what it selects by the page size asked for (default ``GRAPHQL_DEFAULT_PAGE_SIZE``), any other
list by ``GRAPHQL_LIST_COST_FACTOR``. Fragments are measured once each, so a "fragment bomb"
is measured in linear time and rejected; introspection fields are free (and can be switched
off with ``GRAPHQL_INTROSPECTION = False``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
)
from graphql.language import Visitor

from api.conf import api_setting

from .errors import ApiErrorCode

PAGE_ARGUMENTS = ("first", "last")


@dataclass(frozen=True)
class Metrics:
    depth: int = 0
    cost: int = 0
    aliases: int = 0

    def __add__(self, other: Metrics) -> Metrics:
        return Metrics(max(self.depth, other.depth), self.cost + other.cost, self.aliases + other.aliases)


class DocumentAnalyzer:
    """Measures operations of one document; fragment results are memoised and cycles cut."""

    def __init__(self, context: Any, variables: Mapping[str, Any] | None) -> None:
        self.schema = context.schema
        self.variables = variables if isinstance(variables, Mapping) else {}
        self.fragments = {
            d.name.value: d for d in context.document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.default_page: int = api_setting("GRAPHQL_DEFAULT_PAGE_SIZE")
        self.max_depth = api_setting("GRAPHQL_MAX_DEPTH")
        self.list_factor: int = api_setting("GRAPHQL_LIST_COST_FACTOR")
        self._memo: dict[str, Metrics] = {}
        self._in_progress: set[str] = set()

    def operation(self, node: OperationDefinitionNode) -> Metrics:
        return self.selection_set(node.selection_set, self.schema.get_root_type(node.operation), 0)

    def selection_set(self, node: SelectionSetNode | None, parent: GraphQLNamedType | None, level: int) -> Metrics:
        if level > self.max_depth:
            # Deeper than allowed: stop here (the depth check fails) rather than recurse on.
            return Metrics(depth=1)
        total = Metrics()
        for selection in node.selections if node else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, level)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                child = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, child, level)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, level)
        return total

    def fragment(self, name: str, level: int) -> Metrics:
        if name in self._memo:
            return self._memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self._in_progress:
            return Metrics()  # unknown fragments and cycles are reported by the standard rules
        self._in_progress.add(name)
        result = self.selection_set(
            definition.selection_set, self.schema.get_type(definition.type_condition.name.value), level
        )
        self._in_progress.discard(name)
        self._memo[name] = result
        return result

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, level: int) -> Metrics:
        aliases = 1 if node.alias else 0
        name = node.name.value
        if name.startswith("__"):
            return Metrics(0, 0, aliases)
        definition = getattr(parent, "fields", {}).get(name)
        if node.selection_set is None:
            return Metrics(1, 1, aliases)
        child_type = get_named_type(definition.type) if definition else None
        child = self.selection_set(node.selection_set, child_type, level + 1)
        factor = self.factor(node, definition, parent)
        return Metrics(child.depth + 1, 1 + factor * child.cost, aliases + child.aliases)

    def factor(self, node: FieldNode, definition: Any, parent: GraphQLNamedType | None) -> int:
        if definition is None:
            return 1
        if any(arg in definition.args for arg in PAGE_ARGUMENTS):
            sizes = [self.argument_int(node, arg) for arg in PAGE_ARGUMENTS]
            given = [size for size in sizes if size is not None]
            return max(0, min(given)) if given else self.default_page
        if parent is not None and parent.name.endswith("Connection") and node.name.value == "edges":
            return 1  # the connection field already counted its page
        if isinstance(get_nullable_type(definition.type), GraphQLList):
            return self.list_factor
        return 1

    def argument_int(self, node: FieldNode, name: str) -> int | None:
        for argument in node.arguments:
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                variable = self.variables.get(value.name.value)
                return variable if isinstance(variable, int) and not isinstance(variable, bool) else None
        return None


class QueryLimitsRule(ValidationRule):
    """Rejects operations deeper, costlier or with more aliases than the settings allow."""

    variables: Mapping[str, Any] | None = None

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.analyzer = DocumentAnalyzer(context, self.variables)

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> Any:
        metrics = self.analyzer.operation(node)
        checks = (
            (metrics.depth, "GRAPHQL_MAX_DEPTH", ApiErrorCode.QUERY_TOO_DEEP, "查询嵌套{value}层，上限为{limit}层。"),
            (
                metrics.cost,
                "GRAPHQL_MAX_COST",
                ApiErrorCode.QUERY_TOO_COMPLEX,
                "查询成本为{value}，上限为{limit}；请减少每页条数（first）或字段。",
            ),
            (
                metrics.aliases,
                "GRAPHQL_MAX_ALIASES",
                ApiErrorCode.TOO_MANY_ALIASES,
                "查询使用了{value}个别名，上限为{limit}个。",
            ),
        )
        for value, setting, code, message in checks:
            limit = api_setting(setting)
            if value > limit:
                self.report_error(
                    GraphQLError(
                        message.format(value=value, limit=limit),
                        node,
                        extensions={"code": str(code), "value": value, "limit": limit},
                    )
                )
        return Visitor.SKIP

    def enter_fragment_definition(self, *_: Any) -> Any:
        return Visitor.SKIP


class NoIntrospectionRule(ValidationRule):
    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in ("__schema", "__type"):
            self.report_error(
                GraphQLError(
                    "本环境已关闭 GraphQL 自省查询。",
                    node,
                    extensions={"code": str(ApiErrorCode.INTROSPECTION_DISABLED)},
                )
            )


LIMIT_SETTINGS = (
    "GRAPHQL_MAX_DEPTH",
    "GRAPHQL_MAX_COST",
    "GRAPHQL_MAX_ALIASES",
    "GRAPHQL_DEFAULT_PAGE_SIZE",
    "GRAPHQL_LIST_COST_FACTOR",
    "GRAPHQL_INTROSPECTION",
)


def limit_settings() -> tuple[Any, ...]:
    """Every setting the limit rules read, as a key for remembering their verdict."""
    return tuple(api_setting(name) for name in LIMIT_SETTINGS)


def limit_rules(variables: Mapping[str, Any] | None) -> list[type[ValidationRule]]:
    """The first-pass rules for one request (cost depends on the request's variables)."""
    rules: list[type[ValidationRule]] = [type("QueryLimitsRule", (QueryLimitsRule,), {"variables": variables})]
    if not api_setting("GRAPHQL_INTROSPECTION"):
        rules.append(NoIntrospectionRule)
    return rules


def reject_unstorable_text(next_: Any, root: Any, info: Any, **arguments: Any) -> Any:
    """Field middleware: an argument holding NUL, control characters or a lone surrogate is refused
    as INVALID_ARGUMENT before any resolver reaches the database (``cases.input_safety``). Mutation
    fields are left to ``ApiMutation``, which answers with its typed field errors instead."""
    if arguments and info.parent_type is not info.schema.mutation_type:
        from cases.input_safety import forbidden_paths

        from .errors import InvalidArgument

        for path in forbidden_paths(arguments):
            raise InvalidArgument(path, "参数含有无法处理的控制字符或无效字符（如 NUL、孤立代理项），请删除后重试。")
    return next_(root, info, **arguments)


reject_unstorable_text.arguments_only = True  # type: ignore[attr-defined]  # see api.core.execution
