"""Indexing follows publishing: tasks enqueued after commit, run by the DB worker; drafts never indexed."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from cms.models import Department, PolicyPage, ServiceItemPage
from search.models import SearchPromotion, SearchSynonym

pytestmark = pytest.mark.django_db


def titles(backend, *codes):
    return [doc.title for doc in backend.get(list(codes))]


def queued(task_path: str) -> list[dict]:
    rows = DBTaskResult.objects.filter(status="READY", task_path=task_path).order_by("enqueued_at")
    return list(rows.values_list("args_kwargs", flat=True))


@pytest.fixture
def no_pending_tasks(reference_data):
    # The session's reference import left its own tasks behind; each test starts with none.
    DBTaskResult.objects.all().delete()


@pytest.fixture
def run_worker(monkeypatch, django_capture_on_commit_callbacks):
    """``manage.py db_worker --batch``, as the real worker runs the queue."""
    # The worker recycles connections between tasks; inside a test transaction that would drop the data.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)

    def run() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

    return run


def test_draft_is_never_indexed_publish_updates_unpublish_removes(
    fresh_index, immediate_tasks, django_capture_on_commit_callbacks
):
    page = ServiceItemPage.objects.get(code="svc-dibao-apply")

    with django_capture_on_commit_callbacks(execute=True):
        page.title = "最低生活保障金申领"
        revision = page.save_revision()
    assert titles(fresh_index, "svc-dibao-apply") == ["最低生活保障申请"]
    assert [h.code for h in fresh_index.search("申领").hits if h.code == "svc-dibao-apply"] == []

    with django_capture_on_commit_callbacks(execute=True):
        revision.publish()
    assert titles(fresh_index, "svc-dibao-apply") == ["最低生活保障金申领"]

    with django_capture_on_commit_callbacks(execute=True):
        page.refresh_from_db()
        page.unpublish()
    assert titles(fresh_index, "svc-dibao-apply") == []
    assert fresh_index.count() == 85


def test_publishing_queues_one_task_that_the_db_worker_runs(
    fresh_index, no_pending_tasks, run_worker, django_capture_on_commit_callbacks
):
    page = ServiceItemPage.objects.get(code="svc-dibao-edge")
    with django_capture_on_commit_callbacks(execute=True):
        page.title = "低保边缘家庭认定（新）"
        page.save_revision().publish()
    assert queued("search.tasks.index_pages") == [{"args": [[page.pk]], "kwargs": {}}]
    assert titles(fresh_index, "svc-dibao-edge") == ["低保边缘家庭认定"]  # nothing until the worker runs

    run_worker()
    assert titles(fresh_index, "svc-dibao-edge") == ["低保边缘家庭认定（新）"]
    done = DBTaskResult.objects.get(task_path="search.tasks.index_pages")
    assert (done.status, done.return_value) == ("SUCCESSFUL", {"indexed": ["svc-dibao-edge"], "removed": []})


def test_one_transaction_is_one_task(reference_data, no_pending_tasks, django_capture_on_commit_callbacks):
    pages = list(ServiceItemPage.objects.filter(code__in=["svc-dibao-apply", "svc-dibao-edge"]).order_by("pk"))
    policy = PolicyPage.objects.get(code="pol-whistle-rules")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            for page in pages:
                page.save_revision().publish()
            policy.unpublish()
    assert queued("search.tasks.index_pages") == [
        {"args": [sorted([pages[0].pk, pages[1].pk, policy.pk])], "kwargs": {}}
    ]


def test_a_rolled_back_publish_queues_nothing(reference_data, no_pending_tasks, django_capture_on_commit_callbacks):
    page = ServiceItemPage.objects.get(code="svc-dibao-apply")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                page.save_revision().publish()
                raise RuntimeError("rolled back")
        other = ServiceItemPage.objects.get(code="svc-dibao-edge")
        other.save_revision().publish()
    assert queued("search.tasks.index_pages") == [{"args": [[other.pk]], "kwargs": {}}]


def test_deleting_a_page_removes_its_code(fresh_index, immediate_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        PolicyPage.objects.get(code="pol-whistle-rules").delete()
    assert fresh_index.get(["pol-whistle-rules"]) == []
    assert fresh_index.count() == 85


def test_publishing_a_new_code_removes_the_old_one(fresh_index, immediate_tasks, django_capture_on_commit_callbacks):
    page = ServiceItemPage.objects.get(code="svc-dibao-apply")
    with django_capture_on_commit_callbacks(execute=True):
        page.code = "svc-dibao-apply-2026"
        page.save_revision().publish()
    assert fresh_index.get(["svc-dibao-apply"]) == []
    assert titles(fresh_index, "svc-dibao-apply-2026") == ["最低生活保障申请"]


def test_a_draft_with_a_new_code_changes_nothing(fresh_index, no_pending_tasks, django_capture_on_commit_callbacks):
    page = ServiceItemPage.objects.get(code="svc-dibao-apply")
    with django_capture_on_commit_callbacks(execute=True):
        page.code = "svc-draft-code"
        page.save_revision()
    assert queued("search.tasks.delete_codes") == []
    assert queued("search.tasks.index_pages") == []


def test_renaming_a_department_reindexes_its_services(fresh_index, immediate_tasks, django_capture_on_commit_callbacks):
    department = Department.objects.get(code="dept-civil")
    with django_capture_on_commit_callbacks(execute=True):
        department.name = "历下区民政和社会救助局"
        department.save()
    (doc,) = fresh_index.get(["svc-dibao-apply"])
    assert doc.department_name == "历下区民政和社会救助局"


def test_editing_synonyms_queues_a_rebuild(reference_data, no_pending_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        SearchSynonym.objects.create(terms="兜底保障, 最低生活保障")
        SearchSynonym.objects.filter(terms__startswith="社保,").delete()
    assert queued("search.tasks.rebuild") == [{"args": [], "kwargs": {}}]


def test_promotions_need_no_reindex(reference_data, no_pending_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        SearchPromotion.objects.create(query="低保", page=PolicyPage.objects.get(code="pol-social-assist-one-door"))
    assert DBTaskResult.objects.filter(task_path__startswith="search.").count() == 0


def test_rebuild_task_applies_an_edited_synonym_to_the_index(
    fresh_index, immediate_tasks, django_capture_on_commit_callbacks
):
    assert fresh_index.search("兜底").total == 0
    with django_capture_on_commit_callbacks(execute=True):
        SearchSynonym.objects.create(terms="兜底, 最低生活保障")
    assert [h.code for h in fresh_index.search("兜底").hits][:1] == ["svc-dibao-apply"]
