"""Import the reference configuration format (``data/jinan/*.json``) into the CMS models.

One transaction for everything: an invalid file names the file, the record id and the field,
and leaves the database as it was. Running it twice changes nothing the second time.

On a configured database the import never reverts an administrator: it adds what is missing and
reports what differs, and overwrites only when asked to (``overwrite=True``). A rule book that
differs becomes a draft submitted for approval, never a publish.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import models, transaction
from wagtail.models import Page, Site

from .models import (
    Address,
    Alley,
    Community,
    Department,
    District,
    Grid,
    GridDuty,
    HomePage,
    PolicyIndexPage,
    PolicyPage,
    RequestCategory,
    ServiceIndexPage,
    ServiceItemPage,
    StaffMember,
    StaffRole,
    Street,
    Subdistrict,
    TimeLimitRule,
)
from .models.categories import LeadKind
from .models.timelimits import RequestType

REFERENCE_FILES = (
    "regions.json",
    "departments.json",
    "categories.json",
    "services.json",
    "policies.json",
    "sla.json",
)

CREATED, UPDATED, UNCHANGED, DIFFERS = "created", "updated", "unchanged", "differs"
DRAFTED = "drafted"  # a rule book change saved as a draft for approval


@dataclass
class _Run:
    """How the running import treats rows that already exist, and what it found different."""

    overwrite: bool = True
    differences: list[str] = field(default_factory=list)

    def differs(self, what: str) -> str:
        """Record a difference; returns the outcome for the summary (UPDATED when overwriting)."""
        self.differences.append(f"{what}（{'已按参考数据覆盖' if self.overwrite else '保留数据库中的值'}）")
        return UPDATED if self.overwrite else DIFFERS


# Outside import_reference (callers of upsert and sync_page) rows are overwritten as before.
_run: ContextVar[_Run | None] = ContextVar("reference_import_run", default=None)


def _current_run() -> _Run:
    return _run.get() or _Run()


class ReferenceImportError(Exception):
    """A record of a reference file that cannot be imported; says where and why."""

    def __init__(self, file: str, record_id: str, field_name: str, message: str) -> None:
        self.file, self.record_id, self.field_name, self.message = file, record_id, field_name, message
        super().__init__(f"{file}：记录 {record_id or '（文件）'} 的字段 {field_name or '—'}：{message}")


@dataclass
class FileSummary:
    file: str
    counts: Counter = field(default_factory=Counter)

    def add(self, outcome: str) -> None:
        self.counts[outcome] += 1

    @property
    def changed(self) -> bool:
        return bool(self.counts[CREATED] or self.counts[UPDATED] or self.counts[DRAFTED])

    def line(self) -> str:
        c = self.counts
        line = f"{self.file}: 新增 {c[CREATED]}，更新 {c[UPDATED]}，未变 {c[UNCHANGED]}"
        if c[DRAFTED]:
            line += f"，存为待审批草稿 {c[DRAFTED]}"
        return f"{line}，与数据库不同（保留数据库）{c[DIFFERS]}" if c[DIFFERS] else line


@dataclass
class ImportSummary:
    files: list[FileSummary] = field(default_factory=list)
    # One line per record whose stored values differ from the file and were kept.
    differences: list[str] = field(default_factory=list)
    skipped: bool = False  # ``only_if_empty`` found a configured database and imported nothing

    @property
    def changed(self) -> bool:
        return any(f.changed for f in self.files)

    def totals(self) -> Counter:
        total: Counter = Counter()
        for f in self.files:
            total.update(f.counts)
        return total


def upsert(model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]) -> tuple[Any, str]:
    """Create or update one row, touching the database only when a value differs."""
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        return model._default_manager.create(**lookup, **values), CREATED
    changed = [name for name, value in values.items() if _current(instance, name) != _comparable(value)]
    if not changed:
        return instance, UNCHANGED
    outcome = _current_run().differs(f"{model._meta.verbose_name} {_label(lookup)}：{'、'.join(changed)}")
    if outcome == DIFFERS:
        return instance, DIFFERS
    for name in changed:
        setattr(instance, name, values[name])
    instance.save(update_fields=changed)
    return instance, UPDATED


def _label(lookup: dict[str, Any]) -> str:
    return "/".join(str(_comparable(v)) for v in lookup.values())


def _current(instance: models.Model, name: str) -> Any:
    f = instance._meta.get_field(name)
    if isinstance(f, models.ForeignKey):
        return getattr(instance, f.attname)
    return getattr(instance, name)


def _comparable(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


class _Reader:
    """Typed access to one record with errors that point at the file, id and field."""

    def __init__(self, file: str, record: Any, record_id: str = "") -> None:
        if not isinstance(record, dict):
            raise ReferenceImportError(file, record_id, "", "记录必须是 JSON 对象。")
        self.file, self.record = file, record
        self.id = record_id or str(record.get("id", ""))

    def error(self, field_name: str, message: str) -> ReferenceImportError:
        return ReferenceImportError(self.file, self.id, field_name, message)

    def str(self, name: str, required: bool = True, default: str = "") -> str:
        value = self.record.get(name, None)
        if value is None or value == "":
            if required:
                raise self.error(name, "缺少必填字段。")
            return default
        if not isinstance(value, str):
            raise self.error(name, f"应为文本，实际为 {type(value).__name__}。")
        return value.strip()

    def int(self, name: str, required: bool = True, default: int | None = 0, minimum: int = 0) -> int | None:
        value = self.record.get(name, None)
        if value is None:
            if required:
                raise self.error(name, "缺少必填字段。")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(name, f"应为整数，实际为 {value!r}。")
        if value < minimum:
            raise self.error(name, f"不能小于 {minimum}。")
        return value

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.record.get(name, default)
        if not isinstance(value, bool):
            raise self.error(name, f"应为 true 或 false，实际为 {value!r}。")
        return value

    def list(self, name: str, required: bool = False) -> list[Any]:
        value = self.record.get(name)
        if value is None:
            if required:
                raise self.error(name, "缺少必填字段。")
            return []
        if not isinstance(value, list):
            raise self.error(name, "应为列表。")
        return value

    def strings(self, name: str, required: bool = False) -> list[str]:
        items = self.list(name, required)
        for item in items:
            if not isinstance(item, str) or not item.strip():
                raise self.error(name, f"列表中的每一项都应为非空文本，发现 {item!r}。")
        return [item.strip() for item in items]

    def dict(self, name: str, required: bool = True) -> dict[str, Any]:
        value = self.record.get(name)
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            raise self.error(name, "应为 JSON 对象。")
        return value

    def date(self, name: str, required: bool = False) -> date | None:
        text = self.str(name, required=required)
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.error(name, f"日期格式应为 YYYY-MM-DD，实际为 {text!r}。") from None

    def child(self, value: Any, record_id: str = "") -> _Reader:
        return _Reader(self.file, value, record_id)


def load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceImportError(path.name, "", "", f"找不到文件 {path}。") from None
    except json.JSONDecodeError as exc:
        raise ReferenceImportError(
            path.name, "", "", f"不是合法的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise ReferenceImportError(path.name, "", "", "顶层应为 JSON 对象。")
    return data


def sync_staff(
    scope: dict[str, Any], role: str, people: Iterable[dict[str, Any]], reader: _Reader, field_name: str
) -> str:
    """Make the staff of one role in one area exactly the given list (order kept).

    A list an administrator has already edited is one record: it is reported, not replaced,
    unless the import overwrites.
    """
    desired = []
    for person in people:
        p = reader.child(person, reader.id)
        desired.append((p.str("name"), p.str("phone", required=False)))
    existing = list(StaffMember.objects.filter(role=role, **scope).order_by("sort_order", "id"))
    if [(s.name, s.phone) for s in existing] == desired:
        return UNCHANGED
    outcome = _current_run().differs(f"{reader.id} 的{StaffRole(role).label}名单") if existing else CREATED
    if outcome == DIFFERS:
        return DIFFERS
    StaffMember.objects.filter(pk__in=[s.pk for s in existing]).delete()
    StaffMember.objects.bulk_create(
        StaffMember(name=name, phone=phone, role=role, sort_order=i, **scope) for i, (name, phone) in enumerate(desired)
    )
    return outcome


def import_regions(data: dict[str, Any], summary: FileSummary) -> None:
    file = summary.file
    top = _Reader(file, data, "regions")
    policy = top.dict("policy_reference", required=False)
    for order, duty_name in enumerate(policy.get("grid_duties", [])):
        _, outcome = upsert(GridDuty, {"name": duty_name}, {"code": f"duty-{order + 1}", "sort_order": order})
        summary.add(outcome)
    duties = list(GridDuty.objects.all())

    d = top.child(top.dict("district"))
    office = d.dict("supervision_office", required=False)
    district, outcome = upsert(
        District,
        {"code": d.str("id")},
        {
            "division_code": d.str("code", required=False),
            "name": d.str("name"),
            "city": d.str("city", required=False),
            "province": d.str("province", required=False),
            "supervision_office": office.get("name", ""),
            "supervision_phone": office.get("phone", ""),
        },
    )
    summary.add(outcome)
    for sd_raw in d.list("subdistricts", required=True):
        sd = d.child(sd_raw)
        kind = sd.str("kind")
        if kind not in Subdistrict.Kind.values:
            raise sd.error("kind", f"未知类型 {kind!r}，应为 {'/'.join(Subdistrict.Kind.values)}。")
        subdistrict, outcome = upsert(
            Subdistrict,
            {"code": sd.str("id")},
            {
                "district": district,
                "division_code": sd.str("code", required=False),
                "name": sd.str("name"),
                "kind": kind,
                "office_phone": sd.str("office_phone", required=False),
            },
        )
        summary.add(outcome)
        desk = sd.dict("whistle_desk", required=False)
        if desk:
            summary.add(
                sync_staff({"subdistrict": subdistrict}, StaffRole.SUBDISTRICT_DISPATCHER, [desk], sd, "whistle_desk")
            )
        alleys: dict[str, Alley] = {}
        for st_raw in sd.list("streets"):
            st = sd.child(st_raw)
            street, outcome = upsert(
                Street,
                {"code": st.str("id")},
                {
                    "subdistrict": subdistrict,
                    "name": st.str("name"),
                    "fictional_name": st.bool("fictional_name"),
                },
            )
            summary.add(outcome)
            chief = st.dict("chief", required=False)
            summary.add(sync_staff({"street": street}, StaffRole.STREET_CHIEF, [chief] if chief else [], st, "chief"))
            for al_raw in st.list("alleys"):
                al = st.child(al_raw)
                alley, outcome = upsert(
                    Alley,
                    {"code": al.str("id")},
                    {"street": street, "name": al.str("name"), "fictional_name": al.bool("fictional_name")},
                )
                summary.add(outcome)
                alleys[alley.code] = alley
                chief = al.dict("chief", required=False)
                summary.add(sync_staff({"alley": alley}, StaffRole.ALLEY_CHIEF, [chief] if chief else [], al, "chief"))
                summary.add(sync_staff({"alley": alley}, StaffRole.ALLEY_STEWARD, al.list("stewards"), al, "stewards"))
        for com_raw in sd.list("communities", required=True):
            com = sd.child(com_raw)
            kind = com.str("kind")
            if kind not in Community.Kind.values:
                raise com.error("kind", f"未知类型 {kind!r}，应为 {'/'.join(Community.Kind.values)}。")
            community, outcome = upsert(
                Community,
                {"code": com.str("id")},
                {
                    "subdistrict": subdistrict,
                    "division_code": com.str("code", required=False),
                    "name": com.str("name"),
                    "kind": kind,
                    "service_center": com.str("party_service_center", required=False),
                    "service_center_address": com.str("service_center_address", required=False),
                    "phone": com.str("phone", required=False),
                },
            )
            summary.add(outcome)
            secretary = com.dict("secretary", required=False)
            summary.add(
                sync_staff(
                    {"community": community},
                    StaffRole.COMMUNITY_SECRETARY,
                    [secretary] if secretary else [],
                    com,
                    "secretary",
                )
            )
            for grid_raw in com.list("grids", required=True):
                import_grid(com.child(grid_raw), community, alleys, duties, summary)


def import_grid(
    g: _Reader, community: Community, alleys: dict[str, Alley], duties: list[GridDuty], summary: FileSummary
) -> None:
    from .geo import validate_polygon

    kind = g.str("kind")
    if kind not in Grid.Kind.values:
        raise g.error("kind", f"未知类型 {kind!r}，应为 urban 或 rural。")
    boundary = g.record.get("boundary")
    problem = validate_polygon(boundary)
    if problem:
        raise g.error("boundary", problem)
    if g.record.get("community") not in (None, community.code):
        raise g.error("community", f"与所在社区 {community.code} 不一致。")
    grid, outcome = upsert(
        Grid,
        {"code": g.str("id")},
        {
            "community": community,
            "division_code": g.str("code", required=False),
            "name": g.str("name"),
            "kind": kind,
            "households": g.int("households"),
            "population": g.int("population"),
            "basis": g.str("basis", required=False),
            "basis_unit": g.str("basis_unit", required=False),
            "boundary": boundary,
            "sample_points": g.list("sample_points"),
        },
    )
    if outcome == CREATED:
        grid.duties.set(duties)
    summary.add(outcome)
    leader = g.dict("leader", required=False)
    summary.add(sync_staff({"grid": grid}, StaffRole.GRID_LEADER, [leader] if leader else [], g, "leader"))
    summary.add(sync_staff({"grid": grid}, StaffRole.GRID_WORKER, g.list("workers"), g, "workers"))
    for addr_raw in g.list("addresses", required=True):
        a = g.child(addr_raw, g.id)
        alley_code = a.str("alley", required=False)
        if alley_code and alley_code not in alleys:
            raise a.error("addresses.alley", f"未知的巷 {alley_code}（{a.str('address')}）。")
        _, outcome = upsert(Address, {"address": a.str("address")}, {"grid": grid, "alley": alleys.get(alley_code)})
        summary.add(outcome)


def import_departments(data: dict[str, Any], summary: FileSummary) -> None:
    top = _Reader(summary.file, data, "departments")
    for raw in top.list("departments", required=True):
        r = top.child(raw)
        kind = r.str("kind", required=False, default=Department.Kind.OTHER)
        if kind not in Department.Kind.values:
            raise r.error("kind", f"未知类型 {kind!r}。")
        _, outcome = upsert(
            Department,
            {"code": r.str("id")},
            {
                "name": r.str("name"),
                "kind": kind,
                "duty_phone": r.str("duty_phone", required=False),
                "duties": r.str("duties", required=False),
            },
        )
        summary.add(outcome)


def import_categories(data: dict[str, Any], summary: FileSummary) -> None:
    top = _Reader(summary.file, data, "categories")
    departments = {d.code: d for d in Department.objects.all()}
    order = 0
    for raw in top.list("categories", required=True):
        r = top.child(raw)
        parent, outcome = upsert(
            RequestCategory,
            {"code": r.str("id")},
            {
                "name": r.str("name"),
                "parent": None,
                "default_lead_kind": "",
                "default_lead_department": None,
                "keywords": r.strings("keywords"),
                "urgent_keywords": r.strings("urgent_keywords"),
                "sort_order": order,
            },
        )
        order += 1
        summary.add(outcome)
        for child_raw in r.list("children", required=True):
            c = r.child(child_raw)
            if c.record.get("parent") not in (None, parent.code):
                raise c.error("parent", f"与所在一级分类 {parent.code} 不一致。")
            lead = c.str("default_lead")
            if lead.startswith("dept-"):
                if lead not in departments:
                    raise c.error("default_lead", f"未知部门 {lead}（请先在 departments.json 中定义）。")
                lead_kind, lead_department = LeadKind.DEPARTMENT, departments[lead]
            elif lead in LeadKind.values and lead != LeadKind.DEPARTMENT:
                lead_kind, lead_department = lead, None
            else:
                raise c.error("default_lead", f"未知主办 {lead!r}，应为部门编码或 grid/community/subdistrict。")
            _, outcome = upsert(
                RequestCategory,
                {"code": c.str("id")},
                {
                    "name": c.str("name"),
                    "parent": parent,
                    "default_lead_kind": lead_kind,
                    "default_lead_department": lead_department,
                    "keywords": c.strings("keywords", required=True),
                    "urgent_keywords": c.strings("urgent_keywords"),
                    "sort_order": order,
                },
            )
            order += 1
            summary.add(outcome)


def ensure_site_pages() -> tuple[HomePage, ServiceIndexPage, PolicyIndexPage]:
    """The page tree residents browse: home, /services/, /policies/; the default site points at home."""
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        # Wagtail's migrations leave a plain "Welcome" page at /home/; replace it with ours.
        for placeholder in root.get_children().filter(slug="home"):
            if type(placeholder.specific) is Page and not placeholder.get_children().exists():
                Site.objects.filter(root_page=placeholder).update(root_page=root)
                placeholder.delete()
        home = root.add_child(
            instance=HomePage(
                title="历下区城乡社区治理",
                slug="home",
                intro="街巷吹哨、部门报到；一门办理、一站服务；多网合一；民有所呼、即接即办。",
            )
        )
        home.save_revision().publish()
        site = Site.objects.filter(is_default_site=True).first() or Site(
            hostname="localhost", port=80, is_default_site=True
        )
        site.root_page = home
        site.site_name = "历下区城乡社区治理平台"
        site.save()
    services = ServiceIndexPage.objects.first()
    if services is None:
        services = home.add_child(instance=ServiceIndexPage(title="办事指南", slug="services"))
        services.save_revision().publish()
    policies = PolicyIndexPage.objects.first()
    if policies is None:
        policies = home.add_child(instance=PolicyIndexPage(title="政策文件", slug="policies"))
        policies.save_revision().publish()
    return home, services, policies


def sync_page(
    parent: Page,
    model: type[Page],
    code: str,
    values: dict[str, Any],
    faqs: list[tuple[str, str]] | None = None,
    related: list[Page] | None = None,
) -> str:
    """Create or update a page by its reference code, publishing a new revision only on change."""
    page = model.objects.filter(code=code).first()
    if page is None:
        page = model(code=code, slug=code, **values)
        if faqs is not None:
            page.faqs = [_faq(q, a, i) for i, (q, a) in enumerate(faqs)]
        if related is not None:
            page.related_services = related
        parent.add_child(instance=page)
        page.save_revision().publish()
        return CREATED
    changed = [name for name, value in values.items() if _current(page, name) != _comparable(value)]
    if faqs is not None and [(f.question, f.answer) for f in page.faqs.all()] != faqs:
        page.faqs = [_faq(q, a, i) for i, (q, a) in enumerate(faqs)]
        changed.append("faqs")
    if related is not None and sorted(p.pk for p in page.related_services.all()) != sorted(p.pk for p in related):
        page.related_services = related
        changed.append("related_services")
    if not changed and page.live and not page.has_unpublished_changes:
        return UNCHANGED
    if _current_run().differs(f"页面 {code}：{'、'.join(changed) or '未发布的修改'}") == DIFFERS:
        return DIFFERS
    for name, value in values.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return UPDATED


def _faq(question: str, answer: str, order: int):
    from .models import ServiceFAQ

    return ServiceFAQ(question=question, answer=answer, sort_order=order)


def import_services(data: dict[str, Any], summary: FileSummary) -> None:
    top = _Reader(summary.file, data, "services")
    _, index, _ = ensure_site_pages()
    departments = {d.code: d for d in Department.objects.all()}
    for raw in top.list("services", required=True):
        r = top.child(raw)
        dept_code = r.str("department", required=False)
        if dept_code and dept_code not in departments:
            raise r.error("department", f"未知部门 {dept_code}。")
        faqs = []
        for faq_raw in r.list("faqs"):
            f = r.child(faq_raw, r.id)
            faqs.append((f.str("q"), f.str("a")))
        summary.add(
            sync_page(
                index,
                ServiceItemPage,
                r.str("id"),
                {
                    "title": r.str("name"),
                    "service_category": r.str("category"),
                    "department": departments.get(dept_code),
                    "summary": r.str("summary"),
                    "conditions": r.strings("conditions"),
                    "materials": r.strings("materials"),
                    "steps": r.strings("steps"),
                    "time_limit_working_days": r.int("time_limit_working_days"),
                    "fee": r.str("fee", required=False, default="免费"),
                    "max_visits": r.int("max_visits"),
                    "online": r.bool("online"),
                    "location": r.str("location", required=False),
                    "legal_basis": r.strings("legal_basis"),
                    "keywords": r.strings("keywords"),
                },
                faqs=faqs,
            )
        )


def import_policies(data: dict[str, Any], summary: FileSummary) -> None:
    top = _Reader(summary.file, data, "policies")
    _, _, index = ensure_site_pages()
    services = {p.code: p for p in ServiceItemPage.objects.all()}
    for raw in top.list("policies", required=True):
        r = top.child(raw)
        related = []
        for code in r.strings("related_services"):
            if code not in services:
                raise r.error("related_services", f"未知服务事项 {code}。")
            related.append(services[code])
        summary.add(
            sync_page(
                index,
                PolicyPage,
                r.str("id"),
                {
                    "title": r.str("title"),
                    "doc_number": r.str("doc_number", required=False),
                    "issuer": r.str("issuer", required=False),
                    "published_date": r.date("published"),
                    "effective_date": r.date("effective"),
                    "summary": r.str("summary"),
                    "body": r.strings("body"),
                    "tags": r.strings("tags"),
                },
                related=related,
            )
        )


def import_sla(data: dict[str, Any], summary: FileSummary) -> None:
    top = _Reader(summary.file, data, "sla")
    for i, raw in enumerate(top.list("rows", required=True)):
        r = top.child(raw, f"rows[{i}]")
        request_type, urgency = r.str("type"), r.str("urgency")
        if request_type not in RequestType.values:
            raise r.error("type", f"未知诉求类型 {request_type!r}。")
        if urgency not in ("normal", "urgent"):
            raise r.error("urgency", f"未知紧急程度 {urgency!r}，应为 normal 或 urgent。")
        same_day = r.bool("feedback_same_day")
        feedback_days = r.int("feedback_working_days", required=False, default=None)
        if not same_day and feedback_days is None:
            raise r.error("feedback_working_days", "不是当日反馈时必须给出反馈工作日数。")
        _, outcome = upsert(
            TimeLimitRule,
            {"request_type": request_type, "urgency": urgency},
            {
                "ack_hours": r.int("ack_hours"),
                "feedback_same_day": same_day,
                "feedback_working_days": feedback_days,
                "complete_working_days": r.int("complete_working_days"),
                "note": r.str("_note", required=False),
            },
        )
        summary.add(outcome)
    # The make-up workdays the data states are the official schedule: they go into the working
    # calendar and confirm their years, even if the bundled calendar package changes.
    calendar = top.dict("calendar", required=False)
    workdays: list[date] = []
    for key, value in calendar.items():
        if key.startswith("make_up_workdays_") and isinstance(value, list):
            for text in value:
                try:
                    workdays.append(date.fromisoformat(text))
                except (TypeError, ValueError):
                    raise top.error(f"calendar.{key}", f"日期格式错误：{text!r}。") from None
    if workdays:
        from .calendar import CalendarError, apply_reference_workdays
        from .models import CalendarDay
        from .models.calendar import DaySource

        # A day an administrator set otherwise in the working calendar stays as they set it.
        kept = CalendarDay.objects.filter(date__in=workdays, source=DaySource.ADMIN, is_working_day=False)
        for day in kept.values_list("date", flat=True):
            outcome = _current_run().differs(f"工作日历 {day:%Y-%m-%d}：调休上班日")
            if outcome == DIFFERS:
                workdays.remove(day)
                summary.add(DIFFERS)

        try:
            outcomes, _ = apply_reference_workdays(workdays, note="按参考数据（sla.json）确认的国务院办公厅放假安排。")
        except CalendarError as exc:
            raise top.error("calendar", exc.message) from None
        for outcome in outcomes:
            summary.add(outcome)


def import_rules(data: dict[str, Any], summary: FileSummary) -> None:
    """The routing table and escalation ladder become the published rule book; a change is a new version."""
    from .models import EscalationLevel, EscalationTrigger, RoutingRule, RuleBook
    from .models.rulebook import CO_HANDLER_TOKENS, LEAD_TOKENS, rulebook_content

    top = _Reader(summary.file, data, "rules")
    categories = set(RequestCategory.objects.values_list("code", flat=True))
    subdistricts = set(Subdistrict.objects.values_list("code", flat=True))
    departments = set(Department.objects.values_list("code", flat=True))
    rows: list[RoutingRule] = []
    for order, raw in enumerate(top.list("routing", required=True)):
        r = top.child(raw)
        when = r.child(r.dict("when"), r.id)
        then = r.child(r.dict("then"), r.id)
        known_when = {
            "type",
            "category",
            "keywords_any",
            "subdistrict",
            "urgent",
            "repeat_count_gte",
            "departments_involved_gte",
        }
        for key in when.record:
            if key not in known_when:
                raise r.error(f"when.{key}", "未知条件。")
        for key in then.record:
            if key not in {"lead", "co_handlers", "whistle", "urgent", "escalate_to_level"}:
                raise r.error(f"then.{key}", "未知动作。")
        types = when.strings("type")
        for value in types:
            if value not in RequestType.values:
                raise r.error("when.type", f"未知诉求类型 {value!r}。")
        for value in when.strings("category"):
            if value not in categories:
                raise r.error("when.category", f"未知诉求分类 {value}。")
        for value in when.strings("subdistrict"):
            if value not in subdistricts:
                raise r.error("when.subdistrict", f"未知街道（镇）{value}。")
        lead = then.str("lead", required=False)
        if lead and lead not in LEAD_TOKENS and lead not in departments:
            raise r.error("then.lead", f"未知主办单位 {lead}。")
        co_handlers = then.strings("co_handlers")
        for value in co_handlers:
            if value not in CO_HANDLER_TOKENS and value not in departments:
                raise r.error("then.co_handlers", f"未知协办单位 {value}。")
        urgent = when.record.get("urgent")
        if urgent is not None and not isinstance(urgent, bool):
            raise r.error("when.urgent", "应为 true 或 false。")
        rows.append(
            RoutingRule(
                code=r.str("id"),
                description=r.str("description", required=False),
                priority=r.int("priority", minimum=-(10**6)),
                sort_order=order,
                when_types=types,
                when_categories=when.strings("category"),
                when_keywords=when.strings("keywords_any"),
                when_subdistricts=when.strings("subdistrict"),
                when_urgent=urgent,
                when_repeat_count_gte=when.int("repeat_count_gte", required=False, default=None, minimum=1),
                when_departments_involved_gte=when.int(
                    "departments_involved_gte", required=False, default=None, minimum=1
                ),
                then_lead=lead,
                then_co_handlers=co_handlers,
                then_whistle=then.bool("whistle"),
                then_urgent=then.bool("urgent"),
                then_escalate_to_level=then.int("escalate_to_level", required=False, default=None),
            )
        )
    escalation = top.child(top.dict("escalation"), "escalation")
    levels = []
    for order, raw in enumerate(escalation.list("levels", required=True)):
        lv = escalation.child(raw, f"level[{order}]")
        levels.append(
            EscalationLevel(
                level=lv.int("level"),
                code=lv.str("code"),
                name=lv.str("name"),
                handlers=lv.strings("handlers"),
                description=lv.str("description", required=False),
                sort_order=order,
            )
        )
    triggers = []
    for order, raw in enumerate(escalation.list("triggers")):
        t = escalation.child(raw)
        event = t.str("event")
        if event not in EscalationTrigger.Event.values:
            raise t.error("event", f"未知触发事件 {event!r}。")
        triggers.append(
            EscalationTrigger(
                code=t.str("id"),
                event=event,
                levels_up=t.int("levels_up"),
                description=t.str("description", required=False),
                sort_order=order,
            )
        )
    cap = escalation.int("cap")
    live = RuleBook.objects.first()
    if live is None:
        book = RuleBook(name="诉求派单与提级规则", description=top.str("_about", required=False))
        _set_rulebook(book, cap, rows, levels, triggers)
        book.save()
        book.save_revision().publish()
        summary.add(CREATED)
        return
    # Without a pending draft this returns ``live`` itself; edit a copy so ``live`` stays what runs.
    book = RuleBook.objects.get(pk=live.pk).get_latest_revision_as_object()
    _set_rulebook(book, cap, rows, levels, triggers)
    if rulebook_content(live) == rulebook_content(book) and live.live and not live.has_unpublished_changes:
        summary.add(UNCHANGED)
        return
    run = _current_run()
    pending = _draft_content(live)
    if pending == rulebook_content(book):
        run.differences.append("派单与提级规则：与参考数据相同的草稿已在等待审批")
        summary.add(DIFFERS)
        return
    # The rules that run change only when a person approves a publish. The difference becomes a
    # draft submitted for approval; an administrator's own pending draft is kept unless overwriting.
    if pending is not None and not run.overwrite:
        run.differences.append("派单与提级规则：已有未发布的草稿，未改动（--overwrite 以参考数据替换该草稿）")
        summary.add(DIFFERS)
        return
    book.save_revision(log_action=True)
    workflow = live.get_workflow()
    if workflow is not None and not live.workflow_in_progress:
        workflow.start(RuleBook.objects.get(pk=live.pk), None)
    run.differences.append("派单与提级规则：与已发布版本不同，已保存为草稿并提交审批（未发布）")
    summary.add(DRAFTED)


def _set_rulebook(book, cap: int, rows: list, levels: list, triggers: list) -> None:
    book.escalation_cap = cap
    book.routing_rules = rows
    book.escalation_levels = levels
    book.escalation_triggers = triggers


def _draft_content(live) -> dict[str, Any] | None:
    from .models.rulebook import rulebook_content

    return rulebook_content(live.get_latest_revision_as_object()) if live.has_unpublished_changes else None


IMPORTERS: dict[str, Callable[[dict[str, Any], FileSummary], None]] = {
    "regions.json": import_regions,
    "departments.json": import_departments,
    "categories.json": import_categories,
    "services.json": import_services,
    "policies.json": import_policies,
    "sla.json": import_sla,
    "rules.json": import_rules,
}


def import_case_history(directory: Path, progress: Callable[[FileSummary], None] | None = None) -> list[FileSummary]:
    from .history import import_case_history as run

    return run(directory, progress)


def is_configured() -> bool:
    """Whether a district has been set up (by an import or by hand)."""
    return District.objects.exists()


def import_reference(
    directory: Path,
    progress: Callable[[FileSummary], None] | None = None,
    *,
    overwrite: bool = False,
    only_if_empty: bool = False,
) -> ImportSummary:
    """Import every reference file of ``directory`` in one transaction.

    Rows that exist and differ from the file are kept and listed in ``summary.differences``
    unless ``overwrite``; a differing rule book becomes a draft for approval either way.
    ``only_if_empty`` loads the demo district into an empty database and otherwise does nothing.
    Raises ReferenceImportError for bad input, after which the database is as it was.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ReferenceImportError(str(directory), "", "", "目录不存在。")
    summary = ImportSummary()
    payloads = {name: load_json(directory / name) for name in IMPORTERS}
    if only_if_empty and is_configured():
        summary.skipped = True
        return summary
    run = _Run(overwrite=overwrite)
    token = _run.set(run)
    try:
        with transaction.atomic():
            for name, importer in IMPORTERS.items():
                file_summary = FileSummary(name)
                importer(payloads[name], file_summary)
                summary.files.append(file_summary)
                if progress:
                    progress(file_summary)
            summary.files.extend(import_case_history(directory, progress))
    finally:
        _run.reset(token)
    summary.differences = run.differences
    return summary
