"""What the search index holds: one plain record per service item or policy, whatever its source.

Backends only ever see :class:`SearchDocument`, so the reference JSON, Wagtail pages and tests
all feed the index through the same shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SERVICE = "service"
POLICY = "policy"
KINDS = (SERVICE, POLICY)

#: Kinds with Chinese labels, for facets and filters shown to residents.
KIND_LABELS = {SERVICE: "服务事项", POLICY: "政策文件"}


@dataclass(frozen=True)
class SearchDocument:
    """One searchable item.

    ``summary`` is the short description shown under the title; ``body`` holds the longer
    paragraphs (conditions, materials, steps, FAQs, policy text). ``department`` is the
    department code (a facet); its display name, if known, is in ``extra["department_name"]``.
    """

    code: str
    kind: str
    title: str
    url: str
    summary: str = ""
    body: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    category: str | None = None
    department: str | None = None
    online: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.code}: kind 必须是 {'/'.join(KINDS)} 之一，收到 {self.kind!r}")
        if not self.code:
            raise ValueError("SearchDocument.code 不能为空")

    @property
    def department_name(self) -> str:
        return str(self.extra.get("department_name") or "")

    def searchable_body(self) -> list[str]:
        """Paragraphs searched as body text: the body plus department and category names."""
        extras = [self.department_name, self.category or ""]
        return [p for p in (*self.body, *extras) if p]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["body"] = list(self.body)
        data["keywords"] = list(self.keywords)
        data["extra"] = dict(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SearchDocument:
        """Inverse of :meth:`to_dict` (used to restore documents stored in an index)."""
        return cls(
            code=data["code"],
            kind=data["kind"],
            title=data["title"],
            url=data.get("url") or "",
            summary=data.get("summary") or "",
            body=tuple(data.get("body") or ()),
            keywords=tuple(data.get("keywords") or ()),
            category=data.get("category"),
            department=data.get("department"),
            online=bool(data.get("online")),
            extra=dict(data.get("extra") or {}),
        )


def from_service_json(
    data: Mapping[str, Any],
    *,
    url: str | None = None,
    department_names: Mapping[str, str] | None = None,
) -> SearchDocument:
    """A service item in the reference format (``services.json``) as a search document."""
    body: list[str] = []
    body += [f"办理条件：{c}" for c in data.get("conditions") or ()]
    body += [f"所需材料：{m}" for m in data.get("materials") or ()]
    body += [f"办理流程：{s}" for s in data.get("steps") or ()]
    for faq in data.get("faqs") or ():
        body.append(f"{faq.get('q', '')} {faq.get('a', '')}".strip())
    if data.get("location"):
        body.append(f"办理地点：{data['location']}")
    body += list(data.get("legal_basis") or ())
    department = data.get("department")
    extra: dict[str, Any] = {
        "fee": data.get("fee"),
        "max_visits": data.get("max_visits"),
        "time_limit_working_days": data.get("time_limit_working_days"),
    }
    if department and department_names and department in department_names:
        extra["department_name"] = department_names[department]
    return SearchDocument(
        code=data["id"],
        kind=SERVICE,
        title=data["name"],
        url=url or f"/services/{data['id']}/",
        summary=data.get("summary") or "",
        body=tuple(p for p in body if p),
        keywords=tuple(data.get("keywords") or ()),
        category=data.get("category"),
        department=department,
        online=bool(data.get("online")),
        extra=extra,
    )


def from_policy_json(data: Mapping[str, Any], *, url: str | None = None) -> SearchDocument:
    """A policy in the reference format (``policies.json``) as a search document."""
    body = list(data.get("body") or ())
    if data.get("issuer"):
        body.append(f"发文机关：{data['issuer']}")
    if data.get("doc_number"):
        body.append(f"文号：{data['doc_number']}")
    return SearchDocument(
        code=data["id"],
        kind=POLICY,
        title=data["title"],
        url=url or f"/policies/{data['id']}/",
        summary=data.get("summary") or "",
        body=tuple(p for p in body if p),
        keywords=tuple(data.get("tags") or ()),
        category=None,
        department=None,
        online=False,
        extra={
            "doc_number": data.get("doc_number"),
            "issuer": data.get("issuer"),
            "published": data.get("published"),
            "related_services": list(data.get("related_services") or ()),
        },
    )


def load_reference_documents(directory: str | Path) -> list[SearchDocument]:
    """Every service item and policy in a reference data folder, services first."""
    folder = Path(directory)
    names: dict[str, str] = {}
    departments_file = folder / "departments.json"
    if departments_file.exists():
        departments = json.loads(departments_file.read_text(encoding="utf-8"))
        names = {d["id"]: d["name"] for d in departments.get("departments", [])}
    services = json.loads((folder / "services.json").read_text(encoding="utf-8"))["services"]
    policies = json.loads((folder / "policies.json").read_text(encoding="utf-8"))["policies"]
    docs = [from_service_json(item, department_names=names) for item in services]
    docs += [from_policy_json(item) for item in policies]
    return docs


def load_category_terms(directory: str | Path) -> list[str]:
    """Request-category names and keywords (``categories.json``): extra user-dictionary words."""
    path = Path(directory) / "categories.json"
    if not path.exists():
        return []
    terms: list[str] = []

    def walk(node: Mapping[str, Any]) -> None:
        terms.append(node["name"])
        terms.extend(node.get("keywords") or ())
        for child in node.get("children") or ():
            walk(child)

    for root in json.loads(path.read_text(encoding="utf-8")).get("categories", []):
        walk(root)
    return terms
