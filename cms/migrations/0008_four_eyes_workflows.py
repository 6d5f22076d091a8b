"""Four-eyes approval: the rule book's review task becomes a FourEyesApprovalTask, and categories and
time limits get a review workflow of their own (same reviewers, 规则审核)."""

from django.db import migrations

EDITOR_PERMS = ["add", "change", "view", "lock", "unlock"]
MODELS = ("requestcategory", "timelimitrule")


def forwards(apps, schema_editor):
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    app_config = apps.get_app_config("cms")
    app_config.models_module = True
    create_contenttypes(app_config, apps=apps, verbosity=0)
    create_permissions(app_config, apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    FourEyesApprovalTask = apps.get_model("cms", "FourEyesApprovalTask")

    editors, _ = Group.objects.get_or_create(name="规则编辑")
    approvers, _ = Group.objects.get_or_create(name="规则审核")
    task_type, _ = ContentType.objects.get_or_create(app_label="cms", model="foureyesapprovaltask")

    # The rule book: swap its review task for the four-eyes one.
    rulebook_type = ContentType.objects.get(app_label="cms", model="rulebook")
    for link in WorkflowContentType.objects.filter(content_type=rulebook_type):
        task = FourEyesApprovalTask.objects.create(name="规则审核（四眼）", content_type=task_type, active=True)
        task.groups.add(approvers)
        for step in WorkflowTask.objects.filter(workflow=link.workflow):
            step.task.active = False
            step.task.save(update_fields=["active"])
            step.delete()
        WorkflowTask.objects.create(workflow=link.workflow, task=task, sort_order=0)

    types = []
    for model in MODELS:
        content_type = ContentType.objects.get(app_label="cms", model=model)
        types.append(content_type)
        for action in ("publish", "lock", "unlock"):
            Permission.objects.get_or_create(
                content_type=content_type, codename=f"{action}_{model}", defaults={"name": f"Can {action} {model}"}
            )
        codenames = [f"{a}_{model}" for a in EDITOR_PERMS]
        editors.permissions.add(*Permission.objects.filter(content_type=content_type, codename__in=codenames))
        approvers.permissions.add(
            *Permission.objects.filter(content_type=content_type, codename__in=[*codenames, f"publish_{model}"])
        )
    versions = Permission.objects.filter(content_type__app_label="cms", codename="view_configversion")
    editors.permissions.add(*versions)
    approvers.permissions.add(*versions)
    if WorkflowContentType.objects.filter(content_type__in=types).exists():
        return
    task = FourEyesApprovalTask.objects.create(name="配置审核（四眼）", content_type=task_type, active=True)
    task.groups.add(approvers)
    workflow = Workflow.objects.create(name="分类与时限变更审批", active=True)
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    for content_type in types:
        WorkflowContentType.objects.create(workflow=workflow, content_type=content_type)


class Migration(migrations.Migration):
    dependencies = [("cms", "0007_four_eyes_and_config_versions")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
