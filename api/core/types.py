"""The base of every model-backed GraphQL type: one place that decides which rows a client sees."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import QuerySet


class ModelObjectType(graphene.ObjectType):
    """NetBox's pattern: row-level visibility lives in ``get_queryset``, and every resolver that
    fetches rows of this type starts from it."""

    class Meta:
        abstract = True

    @classmethod
    def get_queryset(cls, queryset: QuerySet[Any], info: Any) -> QuerySet[Any]:
        return queryset


def lines(description: str) -> graphene.List:
    """A list of short texts (materials, steps, keywords …)."""
    return graphene.List(graphene.NonNull(graphene.String), required=True, description=description)
