from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "内容与配置"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals

        signals.connect()
