"""The committed schema.graphql: in sync, checked for breaking changes, and fully described."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    is_introspection_type,
    is_specified_scalar_type,
)

from api.schema import schema
from api.schema_check import compare, printed_schema

COMMITTED = Path(settings.BASE_DIR) / "schema.graphql"
PING = '\n  """健康检查：返回 pong。"""\n  ping: String!\n'


def test_committed_schema_is_in_sync():
    assert COMMITTED.read_text(encoding="utf-8").strip() == printed_schema().strip(), (
        "schema.graphql is out of date: run `python manage.py graphql_schema_check --write` "
        "(or `manage.py graphql_schema --schema api.schema.schema --out schema.graphql`) and commit it."
    )


def test_graphene_command_writes_the_same_file(tmp_path):
    out = tmp_path / "schema.graphql"
    call_command("graphql_schema", schema="api.schema.schema", out=str(out), stdout=io.StringIO())
    assert out.read_text(encoding="utf-8") == printed_schema()


def test_check_reports_breaking_changes(tmp_path, settings):
    committed = printed_schema()
    removed = committed.replace(PING, "\n")
    report = compare(committed, removed)
    assert [(c.type.name, c.description) for c in report.breaking] == [("FIELD_REMOVED", "Query.ping was removed.")]
    assert compare(committed, committed).breaking == [] and compare(committed, committed).in_sync

    old = tmp_path / "schema.graphql"
    old.write_text(committed.replace("type Query {\n", "type Query {\n  retired: Int\n"), encoding="utf-8")
    settings.GRAPHQL_SCHEMA_FILE = old
    out = io.StringIO()
    with pytest.raises(CommandError, match="破坏性变更"):
        call_command("graphql_schema_check", stdout=out)
    assert "破坏性变更 FIELD_REMOVED: Query.retired was removed." in out.getvalue()
    assert old.read_text(encoding="utf-8") != committed


def test_check_updates_an_additive_change_only_when_asked(tmp_path, settings):
    committed = printed_schema()
    old = tmp_path / "schema.graphql"
    old.write_text(committed.replace(PING, "\n"), encoding="utf-8")
    settings.GRAPHQL_SCHEMA_FILE = old
    with pytest.raises(CommandError, match="已过期"):
        call_command("graphql_schema_check", stdout=io.StringIO())
    call_command("graphql_schema_check", "--write", stdout=io.StringIO())
    assert old.read_text(encoding="utf-8") == committed


def test_everything_has_a_description():
    missing = []
    for name, gtype in schema.graphql_schema.type_map.items():
        if is_introspection_type(gtype) or (isinstance(gtype, GraphQLScalarType) and is_specified_scalar_type(gtype)):
            continue
        if not gtype.description:
            missing.append(name)
        if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in gtype.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing += [f"{name}.{field_name}({a})" for a, arg in field.args.items() if not arg.description]
        if isinstance(gtype, GraphQLInputObjectType):
            missing += [f"{name}.{f}" for f, field in gtype.fields.items() if not field.description]
        if isinstance(gtype, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in gtype.values.items() if not value.description]
    assert missing == []
