from django.apps import AppConfig


class TrafficConfig(AppConfig):
    """Cross-cutting request limits shared by ``api`` and ``portal`` (neither imports the other)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "traffic"
    verbose_name = "访问频率"
