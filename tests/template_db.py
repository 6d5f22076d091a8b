"""The test database, built once and reused: migrated schema and imported district as templates.

Migrating Wagtail and our apps takes 14 s on an idle machine (a minute and more when the machine is
busy) and importing the district 3-4 s more, for every test session. Both results are saved as
templates, keyed by what they depend on, and later sessions start from a copy:

* ``schema`` — the database after ``migrate``; its key hashes every migration file of the project,
  the pinned requirements and the Python version (installed apps' migrations change only with
  their versions). Models cannot change without a migration (``makemigrations --check`` in CI).
* ``district`` — the schema plus the imported reference district; its key adds the reference data
  and every application module outside ``tests/``, since signal receivers anywhere may write
  during an import.

SQLite keeps templates as files under ``var/test-templates/`` and copies them into the in-memory
test database with SQLite's backup API; PostgreSQL keeps them as databases ``tmpl_<key>`` and
creates the test database with ``CREATE DATABASE … TEMPLATE``. Other databases, or
``TEST_DB_TEMPLATES=0``, take Django's ordinary path.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

BASE_DIR = Path(settings.BASE_DIR)
TEMPLATE_DIR = BASE_DIR / "var" / "test-templates"
REFERENCE_DIR = BASE_DIR / "data" / "jinan"
KEEP_TEMPLATES = 6  # per kind and vendor; older ones are removed
SKIP_DIRS = {".venv", "node_modules", "var", "tests", ".git", "test-artifacts", "docs", "deploy"}


def _files(patterns: Iterable[str]) -> list[Path]:
    found: set[Path] = set()
    for pattern in patterns:
        for path in BASE_DIR.glob(pattern):
            if path.is_file() and not SKIP_DIRS.intersection(path.relative_to(BASE_DIR).parts):
                found.add(path)
    return sorted(found)


def _digest(paths: Iterable[Path], *extra: str) -> str:
    h = hashlib.sha256()
    for part in extra:
        h.update(part.encode())
    for path in paths:
        h.update(str(path.relative_to(BASE_DIR)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def schema_key() -> str:
    deps = _files(["*/migrations/*.py", "requirements*.txt", "constraints.txt"])
    return _digest(deps, sys.version)


def district_key() -> str:
    deps = _files(["**/*.py", "data/jinan/*"])
    return _digest(deps, schema_key())


def use_templates() -> bool:
    return os.environ.get("TEST_DB_TEMPLATES", "1") != "0"


@dataclass
class Prepared:
    """What the session fixture hands on: how the database was made, and the import summary."""

    how: str
    summary: Any = None
    restore: list[tuple[Any, str]] = field(default_factory=list)


# --------------------------------------------------------------------------- import summary


def _summary_to_json(summary: Any) -> str:
    return json.dumps([{"file": f.file, "counts": dict(f.counts)} for f in summary.files], ensure_ascii=False)


def _summary_from_json(text: str) -> Any:
    from cms.importing import FileSummary, ImportSummary

    return ImportSummary(files=[FileSummary(f["file"], Counter(f["counts"])) for f in json.loads(text)])


def import_district() -> Any:
    from cms.importing import import_reference

    return import_reference(REFERENCE_DIR)


# --------------------------------------------------------------------------- SQLite


def _is_memory(connection: Any) -> bool:
    return connection.creation.is_in_memory_db(connection.creation._get_test_db_name())


def _sqlite_point_at_test_db(connection: Any) -> list[tuple[Any, str]]:
    """Name the in-memory test database as ``create_test_db`` would, without migrating it."""
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation._get_test_db_name()
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = test_name
    connection.settings_dict["NAME"] = test_name
    connection.ensure_connection()
    return [(connection, old_name)]


def _sqlite_load(connection: Any, path: Path) -> None:
    source = sqlite3.connect(path)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _sqlite_save(connection: Any, path: Path, summary: Any | None = None) -> None:
    TEMPLATE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    target = sqlite3.connect(tmp)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    if summary is not None:
        path.with_suffix(".json").write_text(_summary_to_json(summary), encoding="utf-8")
    tmp.replace(path)  # atomic: a parallel session sees the whole file or none
    _prune_files(path.name.split("-", 1)[0])


def _prune_files(kind: str) -> None:
    files = sorted(TEMPLATE_DIR.glob(f"{kind}-*.sqlite3"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP_TEMPLATES:]:
        old.unlink(missing_ok=True)
        old.with_suffix(".json").unlink(missing_ok=True)


def sqlite_district_file() -> Path | None:
    """The saved district template, for tests that start a second process on a copy of it."""
    path = TEMPLATE_DIR / f"district-{district_key()}.sqlite3"
    return path if path.exists() else None


def _prepare_sqlite(connection: Any, verbosity: int) -> Prepared:
    district = TEMPLATE_DIR / f"district-{district_key()}.sqlite3"
    schema = TEMPLATE_DIR / f"schema-{schema_key()}.sqlite3"
    if district.exists() and district.with_suffix(".json").exists():
        restore = _sqlite_point_at_test_db(connection)
        _sqlite_load(connection, district)
        summary = _summary_from_json(district.with_suffix(".json").read_text(encoding="utf-8"))
        return Prepared("district template", summary, restore)
    if schema.exists():
        restore = _sqlite_point_at_test_db(connection)
        _sqlite_load(connection, schema)
        how = "schema template + import"
    else:
        restore = _django_setup(verbosity)
        _sqlite_save(connection, schema)
        how = "migrate + import (templates saved)"
    summary = import_district()
    _sqlite_save(connection, district, summary)
    return Prepared(how, summary, restore)


# --------------------------------------------------------------------------- PostgreSQL


def _pg_admin(connection: Any) -> Any:
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params["dbname"] = "postgres"
    return psycopg.connect(autocommit=True, **{k: v for k, v in params.items() if v not in (None, "")})


def _pg_exists(admin: Any, name: str) -> bool:
    return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _pg_copy(admin: Any, source: str, target: str) -> None:
    from psycopg import sql

    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target)))
    admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(target), sql.Identifier(source)))


def _pg_prune(admin: Any, kind: str) -> None:
    from psycopg import sql

    rows = admin.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY oid DESC", [f"tmpl_{kind}_%"]
    ).fetchall()
    for (name,) in rows[KEEP_TEMPLATES:]:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _pg_point_at(connection: Any, name: str) -> list[tuple[Any, str]]:
    old_name = connection.settings_dict["NAME"]
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name
    connection.ensure_connection()
    return [(connection, old_name)]


def _pg_save(connection: Any, admin: Any, template: str, kind: str, summary: Any | None = None) -> None:
    """Copy the test database into ``template`` (the test database must have no other sessions)."""
    from psycopg import errors, sql

    test_name = connection.settings_dict["NAME"]
    connection.close()
    tmp = f"{template}_{os.getpid()}"
    _pg_copy(admin, test_name, tmp)
    if summary is not None:
        text = sql.Literal(_summary_to_json(summary))
        admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(tmp), text))
    try:
        admin.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(tmp), sql.Identifier(template)))
    except errors.DuplicateDatabase:  # a parallel session saved the same template first
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(tmp)))
    _pg_prune(admin, kind)
    connection.ensure_connection()


def _pg_summary(admin: Any, template: str) -> Any:
    row = admin.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [template]
    ).fetchone()
    return _summary_from_json(row[0]) if row and row[0] else None


def _prepare_postgres(connection: Any, verbosity: int) -> Prepared:
    test_name = connection.creation._get_test_db_name()
    district = f"tmpl_district_{district_key()}"
    schema = f"tmpl_schema_{schema_key()}"
    admin = _pg_admin(connection)
    try:
        if _pg_exists(admin, district):
            summary = _pg_summary(admin, district)
            if summary is not None:
                _pg_copy(admin, district, test_name)
                return Prepared("district template", summary, _pg_point_at(connection, test_name))
        if _pg_exists(admin, schema):
            _pg_copy(admin, schema, test_name)
            restore = _pg_point_at(connection, test_name)
            how = "schema template + import"
        else:
            restore = _django_setup(verbosity)
            _pg_save(connection, admin, schema, "schema")
            how = "migrate + import (templates saved)"
        summary = import_district()
        _pg_save(connection, admin, district, "district", summary)
        return Prepared(how, summary, restore)
    finally:
        admin.close()


# --------------------------------------------------------------------------- entry points


def _django_setup(verbosity: int) -> list[tuple[Any, str]]:
    from django.test.utils import setup_databases

    old = setup_databases(verbosity=verbosity, interactive=False, aliases={"default"}, serialized_aliases=set())
    return [(connection, name) for connection, name, destroy in old if destroy]


def prepare(verbosity: int = 0) -> Prepared:
    connection = connections["default"]
    if use_templates() and connection.vendor == "sqlite" and _is_memory(connection):
        return _prepare_sqlite(connection, verbosity)
    if use_templates() and connection.vendor == "postgresql":
        return _prepare_postgres(connection, verbosity)
    restore = _django_setup(verbosity)
    return Prepared("migrate + import", import_district(), restore)


def teardown(prepared: Prepared, verbosity: int = 0) -> None:
    """Drop the test databases (in-memory ones vanish with their last connection)."""
    for connection, old_name in prepared.restore:
        connection.creation.destroy_test_db(old_name, verbosity, keepdb=False)
