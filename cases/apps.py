from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "诉求工单"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .groups import ensure_role_groups

        post_migrate.connect(ensure_role_groups, dispatch_uid="cases.ensure_role_groups")

        from django.db.models.signals import post_save

        from .examples import propose_example
        from .models import CaseEvent

        post_save.connect(propose_example, sender=CaseEvent, dispatch_uid="cases.propose_example")

        from . import resident_notices

        resident_notices.connect()
