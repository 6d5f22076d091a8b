"""Chinese names for what Wagtail's own migrations create in English: groups, the page workflow, the root page."""

from django.db import migrations

GROUPS = {"Moderators": "审核员", "Editors": "编辑"}
WORKFLOWS = {"Moderators approval": "页面发布审批"}
TASKS = {"Moderators approval": "页面审核"}
ROOT_TITLES = {"Root": "根目录"}


def _rename(model, field, names):
    for old, new in names.items():
        if not model.objects.filter(**{field: new}).exists():
            model.objects.filter(**{field: old}).update(**{field: new})


def forwards(apps, schema_editor):
    _rename(apps.get_model("auth", "Group"), "name", GROUPS)
    _rename(apps.get_model("wagtailcore", "Workflow"), "name", WORKFLOWS)
    _rename(apps.get_model("wagtailcore", "Task"), "name", TASKS)
    apps.get_model("wagtailcore", "Page").objects.filter(depth=1, title__in=ROOT_TITLES).update(title="根目录", draft_title="根目录")


def backwards(apps, schema_editor):
    def flip(names):
        return {new: old for old, new in names.items()}

    _rename(apps.get_model("auth", "Group"), "name", flip(GROUPS))
    _rename(apps.get_model("wagtailcore", "Workflow"), "name", flip(WORKFLOWS))
    _rename(apps.get_model("wagtailcore", "Task"), "name", flip(TASKS))
    apps.get_model("wagtailcore", "Page").objects.filter(depth=1, title="根目录").update(title="Root", draft_title="Root")


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0005_working_calendar_versions"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
