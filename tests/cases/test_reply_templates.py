"""Reply templates and response priorities: rendering, filtering, the case page, and who may set a priority."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import services
from cases.errors import CasePermissionDenied, CaseValidationError
from cases.models import CaseEvent, EventKind
from cases.replies import placeholder_values, templates_for
from cms.models import ReplyTemplate, RequestCategory, ResponsePriority

from .conftest import at


def template(title: str, text: str, *, categories: tuple[str, ...] = (), **fields) -> ReplyTemplate:
    created = ReplyTemplate.objects.create(title=title, text=text, **fields)
    created.categories.set(RequestCategory.objects.filter(code__in=categories))
    return created


def test_render_fills_known_placeholders_only():
    reply = ReplyTemplate(text="工单{工单号}（{地址}）：{分类}由{承办单位}办理。{工单号.__class__}{未知}")
    assert (
        reply.render({"工单号": "LX1", "地址": "<b>芙蓉街</b>", "分类": "下水道", "承办单位": "排水中心"})
        == "工单LX1（<b>芙蓉街</b>）：下水道由排水中心办理。{工单号.__class__}{未知}"
    )


def test_clean_names_unknown_placeholders_and_needs_a_usage():
    reply = ReplyTemplate(title="t", text="您好{姓名}，{工单号}", use_feedback=False)
    with pytest.raises(ValidationError) as error:
        reply.clean()
    assert error.value.message_dict == {
        "text": ["不认识的占位符：{姓名}。可用的占位符有{工单号}、{地址}、{分类}、{承办单位}、{受理时间}。"],
        "use_feedback": ["请至少选择一种用途（反馈、办结或回访）。"],
    }


def test_templates_for_the_cases_category_and_usage(story_case):
    general = template("通用反馈", "工单{工单号}已收到，{承办单位}正在办理。", sort_order=2)
    drains = template("排水反馈", "{地址}的{分类}问题已安排疏通。", categories=("cat-drain",), sort_order=1)
    template("路灯反馈", "路灯已报修。", categories=("cat-road-light",))
    done = template("办结", "已于今日办结。", use_feedback=False, use_resolve=True)
    template("停用", "不再使用。", active=False)
    template("回访", "{受理时间}受理的诉求已回访。", use_feedback=False, use_callback=True)

    assert placeholder_values(story_case) == {
        "工单号": "LX20260317000001",
        "地址": "历下区泉城路街道芙蓉街16号",
        "分类": "下水道堵塞与污水外溢",
        "承办单位": "历下区排水服务中心",
        "受理时间": "2026年03月17日 09:25",
    }
    assert templates_for(story_case, "feedback") == [
        (drains, "历下区泉城路街道芙蓉街16号的下水道堵塞与污水外溢问题已安排疏通。"),
        (general, "工单LX20260317000001已收到，历下区排水服务中心正在办理。"),
    ]
    assert templates_for(story_case, "resolve") == [(done, "已于今日办结。")]
    assert [text for _, text in templates_for(story_case, "callback")] == ["2026年03月17日 09:25受理的诉求已回访。"]
    with pytest.raises(ValueError):
        templates_for(story_case, "close")


def test_case_page_offers_the_templates_for_feedback(client, people, story_case, clock):
    template("排水反馈", "{地址}<已安排>疏通。", categories=("cat-drain-sewer",))
    template("办结", "已办结。", use_feedback=False, use_resolve=True)
    officer = people["drain"]
    officer.groups.add(Group.objects.get(name="部门办理人员"))
    lead = story_case.assignments.get(role="lead")
    services.acknowledge(lead, actor=officer)
    services.acknowledge(story_case.assignments.get(role="co"), actor=people["water"])
    clock.move_to(at(2026, 3, 17, 10, 0))
    services.start(story_case, actor=officer)

    client.force_login(officer)
    page = client.get(reverse("cases_detail", args=[story_case.pk]))
    replies = dict((a.name, [t.title for t, _ in r]) for a, r in page.context["action_rows"])
    # Only the feedback form gets templates; the officer's other actions (延期, 挂起) get none.
    assert {name: titles for name, titles in replies.items() if titles} == {"give_feedback": ["排水反馈"]}
    assert {"request_extension", "pause_case"} <= replies.keys()
    content = page.content.decode()
    assert 'data-reply-target="reply-give_feedback"' in content and 'id="reply-give_feedback"' in content
    assert "插入回复模板" in content and '<option value="0">排水反馈</option>' in content
    # Without JavaScript the rendered text is listed to copy; it is escaped like any other text.
    assert "历下区泉城路街道芙蓉街16号&lt;已安排&gt;疏通。</pre>" in content


def test_dispatcher_sets_a_priority_for_the_category(client, people, story_case, clock):
    urgent = ResponsePriority.objects.create(name="优先处理", sort_order=1)
    lights = ResponsePriority.objects.create(name="夜间优先")
    lights.categories.set(RequestCategory.objects.filter(code="cat-road-light"))

    with pytest.raises(CasePermissionDenied):
        services.set_priority(story_case, actor=people["drain"], priority=urgent)
    with pytest.raises(CaseValidationError) as error:
        services.set_priority(story_case, actor=people["dispatcher"], priority=lights)
    assert error.value.problems[0].message == "该优先级不存在或不适用于本工单的分类，请重新选择。"

    dispatcher = people["dispatcher"]
    dispatcher.groups.add(Group.objects.get(name="街道调度员"))
    client.force_login(dispatcher)
    page = client.get(reverse("cases_detail", args=[story_case.pk]))
    assert [p.name for p in page.context["priorities"]] == ["优先处理"]
    response = client.post(
        reverse("cases_action", args=[story_case.pk, "set_priority"]), {"priority": urgent.pk}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["已设定优先级：优先处理。"]
    story_case.refresh_from_db()
    assert story_case.priority == urgent
    event = CaseEvent.objects.get(case=story_case, kind=EventKind.PRIORITY_SET)
    assert event.payload == {"priority": "优先处理", "previous": "", "label": "优先级：优先处理"}
    assert '<span class="w-status w-status--primary" data-priority>优先处理</span>' in (
        client.get(reverse("cases_index")).content.decode()
    )
    assert (
        'data-field="priority">优先处理<' in client.get(reverse("cases_detail", args=[story_case.pk])).content.decode()
    )

    services.set_priority(story_case, actor=dispatcher, priority=None)
    story_case.refresh_from_db()
    assert story_case.priority is None
    assert list(
        CaseEvent.objects.filter(case=story_case, kind=EventKind.PRIORITY_SET).values_list("payload__label", flat=True)
    ) == ["优先级：优先处理", "已取消优先级"]


def test_snippets_are_listed_in_chinese(admin_client_zh):
    reply = template("通用反馈", "工单{工单号}已收到。", use_resolve=True, categories=("cat-drain-sewer",))
    ResponsePriority.objects.create(name="优先处理", description="影响出行安全")
    listing = admin_client_zh.get(reverse("wagtailsnippets_cms_replytemplate:list")).content.decode()
    assert "回复模板" in listing and "通用反馈" in listing and "反馈、办结" in listing
    assert str(reply.categories.get()) in listing  # 上级 / 分类
    priorities = admin_client_zh.get(reverse("wagtailsnippets_cms_responsepriority:list")).content.decode()
    assert "办理优先级" in priorities and "影响出行安全" in priorities and "全部分类" in priorities
    add = admin_client_zh.get(reverse("wagtailsnippets_cms_replytemplate:add")).content.decode()
    assert "可用占位符：{工单号}、{地址}、{分类}、{承办单位}、{受理时间}" in add


def test_dispatchers_edit_the_templates_and_officers_do_not(client, people):
    template("通用反馈", "工单{工单号}已收到。")
    people["dispatcher"].groups.add(Group.objects.get(name="街道调度员"))
    people["drain"].groups.add(Group.objects.get(name="部门办理人员"))
    client.force_login(people["dispatcher"])
    assert client.get(reverse("wagtailsnippets_cms_replytemplate:list")).status_code == 200
    assert client.get(reverse("wagtailsnippets_cms_responsepriority:add")).status_code == 200
    client.force_login(people["drain"])
    assert client.get(reverse("wagtailsnippets_cms_replytemplate:list")).status_code in (302, 403)


def test_only_the_district_office_changes_the_handling_numbers(client, people):
    people["supervisor"].groups.add(Group.objects.get(name="区督办"))
    people["dispatcher"].groups.add(Group.objects.get(name="街道调度员"))
    url = reverse("wagtailsettings:edit", args=["cms", "handlingpolicy"])
    client.force_login(people["supervisor"])
    page = client.get(url, follow=True)
    assert page.status_code == 200 and "自行退单时限（工作日）" in page.content.decode()
    client.force_login(people["dispatcher"])
    assert client.get(url).status_code in (302, 403)
