from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "诉求工单"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .groups import ensure_role_groups

        post_migrate.connect(ensure_role_groups, dispatch_uid="cases.ensure_role_groups")
        from . import resident_notices

        resident_notices.connect()
