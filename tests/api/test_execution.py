"""The executor's short path for plain leaf fields answers exactly as graphql-core does."""

from __future__ import annotations

import enum

import graphene
import pytest
from graphql import ExecutionContext, execute, parse

from api.core.execution import ApiExecutionContext, leaf_plan


class Colour(enum.Enum):
    RED = "red"


class Item:
    def __init__(self, name, count, colour=Colour.RED, note="x"):
        self.name, self.count, self.colour, self.note = name, count, colour, note

    @property
    def broken(self):
        raise ValueError("boom")

    def title(self):
        return f"Item {self.name}"


class ItemType(graphene.ObjectType):
    name = graphene.String(required=True)
    count = graphene.Int()
    colour = graphene.Field(graphene.Enum.from_enum(Colour))
    note = graphene.String(required=True)
    broken = graphene.String()
    shout = graphene.String()
    label = graphene.String(source="name")
    heading = graphene.String(source="title")  # a method: graphene calls it

    @staticmethod
    def resolve_shout(root, info):
        return root.name.upper()


class Query(graphene.ObjectType):
    items = graphene.List(ItemType)

    @staticmethod
    def resolve_items(root, info):
        return [Item("a", 1), Item("b", "not a number"), Item(None, 3, note=None), {"name": "d", "note": "y"}]


SCHEMA = graphene.Schema(query=Query).graphql_schema
DOCUMENT = parse("{ items { name count colour note broken shout label heading } }")


def test_same_data_and_errors_as_graphql_core():
    expected = execute(SCHEMA, DOCUMENT, execution_context_class=ExecutionContext)
    answered = execute(SCHEMA, DOCUMENT, execution_context_class=ApiExecutionContext)
    assert answered.data == expected.data
    assert [(e.message, e.path) for e in answered.errors] == [(e.message, e.path) for e in expected.errors]
    assert expected.errors  # the cases above do produce errors (bad Int, null for non-null, a raising property)


def test_only_plain_leaf_fields_take_the_short_path():
    plan = leaf_plan(SCHEMA.get_type("ItemType"))
    # shout has a resolver of its own; label and heading read an attribute through source=
    assert set(plan) == {"name", "count", "colour", "note", "broken", "label", "heading"}


@pytest.mark.django_db
def test_service_rows_answer_as_page_instances(gql, reference_data):
    fields = (
        "code title category summary conditions materials steps timeLimitWorkingDays fee maxVisits online "
        "onlineUrl location legalBasis keywords url department { code name kind dutyPhone duties }"
    )
    rows = gql(f"{{ serviceItems(first: 100) {{ totalCount edges {{ node {{ {fields} }} }} }} }}").data
    # selecting FAQs makes the resolver load page instances instead of rows
    pages = gql(f"{{ serviceItems(first: 100) {{ totalCount edges {{ node {{ {fields} faqs {{ question }} }} }} }} }}")
    for edge in pages.data["serviceItems"]["edges"]:
        del edge["node"]["faqs"]
    assert rows == pages.data
    assert rows["serviceItems"]["totalCount"] == 76
