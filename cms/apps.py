from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "内容与配置"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import signals
        from .admin_locale import rename_permissions

        signals.connect()
        post_migrate.connect(rename_permissions, dispatch_uid="cms.rename_permissions")
