"""What the index holds, read from the CMS: one document per live, public service item or policy page.

Documents are built through the same reference-format builders as the evaluation set
(:func:`search.documents.from_service_json`, :func:`~search.documents.from_policy_json`), so a
page ranks exactly as its reference record does. Only the page row is read, never a revision:
Wagtail keeps drafts in revisions, so what is indexed is what residents can open.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from wagtail.models import Page

from cms.models import PolicyPage, RequestCategory, ServiceItemPage

from .documents import POLICY, SERVICE, SearchDocument, from_policy_json, from_service_json

INDEXED_PAGE_TYPES: tuple[type[Page], ...] = (ServiceItemPage, PolicyPage)


def _url(page: Page) -> str | None:
    # ``page.url`` is None for a page outside every site; the builders then use /services/<code>/.
    return page.url or None


def service_document(page: ServiceItemPage) -> SearchDocument:
    department = page.department
    return from_service_json(
        {
            "id": page.code,
            "name": page.title,
            "category": page.service_category,
            "department": department.code if department else None,
            "summary": page.summary,
            "conditions": page.conditions,
            "materials": page.materials,
            "steps": page.steps,
            "faqs": [{"q": faq.question, "a": faq.answer} for faq in page.faqs.all()],
            "location": page.location,
            "legal_basis": page.legal_basis,
            "keywords": page.keywords,
            "online": page.online,
            "fee": page.fee,
            "max_visits": page.max_visits,
            "time_limit_working_days": page.time_limit_working_days,
        },
        url=_url(page),
        department_names={department.code: department.name} if department else None,
    )


def policy_document(page: PolicyPage) -> SearchDocument:
    return from_policy_json(
        {
            "id": page.code,
            "title": page.title,
            "doc_number": page.doc_number,
            "issuer": page.issuer,
            "published": page.published_date.isoformat() if page.published_date else None,
            "summary": page.summary,
            "body": page.body,
            "tags": page.tags,
            "related_services": [service.code for service in page.related_services.all()],
        },
        url=_url(page),
    )


def document_for_page(page: Page) -> SearchDocument:
    """The search document of a service item or policy page, as its row stands (not a draft)."""
    page = page.specific
    if isinstance(page, ServiceItemPage):
        return service_document(page)
    if isinstance(page, PolicyPage):
        return policy_document(page)
    raise TypeError(f"页面 {page.pk}（{type(page).__name__}）不是服务事项或政策文件，不进入搜索索引")


def live_service_pages(page_ids: Iterable[int] | None = None) -> QuerySet[ServiceItemPage]:
    pages = ServiceItemPage.objects.live().public().select_related("department").prefetch_related("faqs")
    return pages.filter(pk__in=list(page_ids)) if page_ids is not None else pages


def live_policy_pages(page_ids: Iterable[int] | None = None) -> QuerySet[PolicyPage]:
    related = Prefetch("related_services", queryset=ServiceItemPage.objects.only("pk", "code").order_by("path"))
    pages = PolicyPage.objects.live().public().prefetch_related(related)
    return pages.filter(pk__in=list(page_ids)) if page_ids is not None else pages


def all_documents(page_ids: Iterable[int] | None = None) -> list[SearchDocument]:
    """Documents of every live, public service item and policy (or of those among *page_ids*).

    Services come first, each kind in tree order; a fixed number of queries however many pages.
    """
    ids = list(page_ids) if page_ids is not None else None
    docs = [service_document(page) for page in live_service_pages(ids).order_by("path")]
    docs += [policy_document(page) for page in live_policy_pages(ids).order_by("path")]
    return docs


def page_codes(page_ids: Iterable[int]) -> dict[int, str]:
    """Codes of the given service item and policy pages, live or not (page id → code)."""
    ids = list(page_ids)
    codes: dict[int, str] = {}
    for model in INDEXED_PAGE_TYPES:
        codes.update(model.objects.filter(pk__in=ids).values_list("pk", "code"))
    return codes


def live_codes() -> dict[str, set[str]]:
    """Codes residents may find, by kind: what a complete index holds."""
    return {
        SERVICE: set(ServiceItemPage.objects.live().public().values_list("code", flat=True)),
        POLICY: set(PolicyPage.objects.live().public().values_list("code", flat=True)),
    }


def vocabulary_terms() -> list[str]:
    """Words the segmenter must know before indexing: request-category names and keywords, and
    the keywords of live service items (the words residents use for what they need)."""
    terms: list[str] = []
    for name, keywords in RequestCategory.objects.order_by("sort_order", "code").values_list("name", "keywords"):
        terms.append(name)
        terms.extend(keywords or ())
    for keywords in ServiceItemPage.objects.live().order_by("path").values_list("keywords", flat=True):
        terms.extend(keywords or ())
    return list(dict.fromkeys(t for t in terms if t))
