"""The committed ``schema.graphql`` against the live schema: in sync, and no breaking changes.

``python manage.py graphql_schema --schema api.schema.schema --out schema.graphql`` writes the
same text as :func:`printed_schema`, so either regenerates the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from graphql import BreakingChange, DangerousChange, build_schema, print_schema
from graphql.utilities import find_breaking_changes, find_dangerous_changes


def schema_path() -> Path:
    return Path(getattr(settings, "GRAPHQL_SCHEMA_FILE", Path(settings.BASE_DIR) / "schema.graphql"))


def printed_schema() -> str:
    from api.schema import schema

    return print_schema(schema.graphql_schema)


@dataclass
class SchemaReport:
    in_sync: bool
    breaking: list[BreakingChange] = field(default_factory=list)
    dangerous: list[DangerousChange] = field(default_factory=list)


def compare(committed: str, live: str) -> SchemaReport:
    """How ``live`` differs from ``committed`` (both SDL)."""
    old, new = build_schema(committed), build_schema(live)
    return SchemaReport(
        in_sync=committed.strip() == live.strip(),
        breaking=find_breaking_changes(old, new),
        dangerous=find_dangerous_changes(old, new),
    )
