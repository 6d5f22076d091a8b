from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "来电登记"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .groups import ensure_operator_group

        post_migrate.connect(ensure_operator_group, dispatch_uid="intake.ensure_operator_group")
