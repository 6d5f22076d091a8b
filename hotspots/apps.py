from django.apps import AppConfig


class HotspotsConfig(AppConfig):
    name = "hotspots"
    verbose_name = "未诉先办"
    default_auto_field = "django.db.models.BigAutoField"
