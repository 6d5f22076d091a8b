"""Default groups and the approval workflow for publishing routing rules."""

from django.db import migrations

EDITOR_PERMS = ["add_rulebook", "change_rulebook", "lock_rulebook", "unlock_rulebook", "view_rulebook", "view_rulesetversion"]
APPROVER_PERMS = [*EDITOR_PERMS, "publish_rulebook"]


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
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    rulebook_type = ContentType.objects.get(app_label="cms", model="rulebook")
    # Wagtail adds these for registered snippets after migrating; create them now so groups can hold them.
    for action in ("publish", "lock", "unlock"):
        Permission.objects.get_or_create(
            content_type=rulebook_type,
            codename=f"{action}_rulebook",
            defaults={"name": f"Can {action} 派单与提级规则"},
        )
    admin_access = Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin")
    editors, _ = Group.objects.get_or_create(name="规则编辑")
    approvers, _ = Group.objects.get_or_create(name="规则审核")
    editors.permissions.add(*admin_access, *Permission.objects.filter(content_type__app_label="cms", codename__in=EDITOR_PERMS))
    approvers.permissions.add(
        *admin_access, *Permission.objects.filter(content_type__app_label="cms", codename__in=APPROVER_PERMS)
    )

    if WorkflowContentType.objects.filter(content_type=rulebook_type).exists():
        return
    task_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.create(name="规则审核", content_type=task_type, active=True)
    task.groups.add(approvers)
    workflow = Workflow.objects.create(name="派单规则发布审批", active=True)
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowContentType.objects.create(workflow=workflow, content_type=rulebook_type)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
