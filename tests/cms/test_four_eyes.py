"""Four eyes on routing configuration: drafts do not route, nobody approves their own change, versions name both."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cms.models import ConfigVersion, RequestCategory, RuleBook, RulesetVersion, TimeLimitRule
from rules.loader import config_from_database
from tests.cases.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(reference_data):
    user = UserFactory(username="editor")
    user.groups.add(Group.objects.get(name="规则编辑"), Group.objects.get(name="规则审核"))
    return user


@pytest.fixture
def reviewer(reference_data):
    user = UserFactory(username="reviewer")
    user.groups.add(Group.objects.get(name="规则审核"))
    return user


def propose_keyword(category: RequestCategory, user, keyword: str) -> None:
    """What the editor's 提交审核 does: a new revision, and the object's workflow started on it."""
    draft = RequestCategory.objects.get(pk=category.pk)
    draft.keywords = [*draft.keywords, keyword]
    draft.save_revision(user=user)
    draft.get_workflow().start(draft, user)


def act(obj, user, action: str) -> None:
    obj = type(obj).objects.get(pk=obj.pk)
    state = obj.current_workflow_task_state
    state.task.specific.on_action(state, user, action)


def test_a_draft_keyword_does_not_route_until_another_person_approves(editor, reviewer):
    category = RequestCategory.objects.get(code="cat-drain-sewer")
    propose_keyword(category, editor, "马桶返水")
    assert "马桶返水" not in RequestCategory.objects.get(pk=category.pk).keywords
    assert "马桶返水" not in config_from_database().leaves["cat-drain-sewer"].keywords

    state = RequestCategory.objects.get(pk=category.pk).current_workflow_task_state
    own = [name for name, *_ in state.task.specific.get_actions(category, editor)]
    assert own == ["reject"]  # the author may withdraw or send back, never approve
    with pytest.raises(PermissionDenied, match="不能批准自己提交或修改的内容"):
        act(category, editor, "approve")
    assert "马桶返水" not in RequestCategory.objects.get(pk=category.pk).keywords

    assert "approve" in [name for name, *_ in state.task.specific.get_actions(category, reviewer)]
    act(category, reviewer, "approve")
    assert "马桶返水" in RequestCategory.objects.get(pk=category.pk).keywords
    assert "马桶返水" in config_from_database().leaves["cat-drain-sewer"].keywords

    version = ConfigVersion.objects.get(object_id=str(category.pk))
    assert (version.number, version.changed_by, version.approved_by) == (1, editor, reviewer)
    assert version.object_label == str(category)


def test_each_version_lists_what_changed_in_chinese(editor, reviewer, client):
    rule = TimeLimitRule.objects.get(request_type="投诉", urgency="normal")
    old_days = rule.complete_working_days
    for days in (old_days + 1, old_days + 2):
        draft = TimeLimitRule.objects.get(pk=rule.pk)
        draft.complete_working_days = days
        draft.feedback_same_day = True
        draft.save_revision(user=editor)
        draft.get_workflow().start(draft, editor)
        act(rule, reviewer, "approve")
    first, second = ConfigVersion.objects.filter(object_id=str(rule.pk)).order_by("number")
    assert first.changes == []  # the first version has nothing to compare with
    assert first.content["request_type"] == "投诉" and first.content["urgency"] == "一般"
    assert first.content["feedback_same_day"] == "是"
    assert second.changes == [["办结时限（工作日）", str(old_days + 1), str(old_days + 2)]]
    assert TimeLimitRule.objects.get(pk=rule.pk).complete_working_days == old_days + 2

    client.force_login(reviewer)
    listing = client.get(reverse("wagtailsnippets_cms_configversion:list")).content.decode()
    assert f"办结时限（工作日）：{old_days + 1} → {old_days + 2}" in listing
    assert "首次发布" in listing


def test_publishing_straight_from_the_editor_is_refused(editor, client):
    category = RequestCategory.objects.get(code="cat-drain-sewer")
    client.force_login(editor)
    url = reverse("wagtailsnippets_cms_requestcategory:edit", args=[category.pk])
    response = client.post(url, {"action-publish": "1", "name": "改名"}, follow=True)
    assert "未发布。不能批准自己提交或修改的内容" in response.content.decode()
    assert RequestCategory.objects.get(pk=category.pk).name == category.name
    rulebook = RuleBook.objects.get()
    response = client.post(reverse("wagtailsnippets_cms_rulebook:edit", args=[rulebook.pk]), {"action-publish": "1"})
    assert response.status_code == 302


def test_a_one_person_office_may_approve_its_own_change(editor, settings):
    settings.CMS_ALLOW_SELF_APPROVAL = True
    category = RequestCategory.objects.get(code="cat-drain-sewer")
    propose_keyword(category, editor, "马桶返水")
    act(category, editor, "approve")
    assert "马桶返水" in RequestCategory.objects.get(pk=category.pk).keywords
    assert ConfigVersion.objects.get(object_id=str(category.pk)).approved_by == editor


def test_a_rule_book_version_names_who_changed_and_who_approved(editor, reviewer):
    book = RuleBook.objects.get()
    draft = RuleBook.objects.get(pk=book.pk)
    draft.description = "四眼原则"
    draft.save_revision(user=editor)
    draft.get_workflow().start(draft, editor)
    with pytest.raises(PermissionDenied):
        act(book, editor, "approve")
    act(book, reviewer, "approve")
    version = RulesetVersion.objects.order_by("-number").first()
    assert (version.published_by, version.approved_by) == (editor, reviewer)
