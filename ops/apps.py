from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the service: health, metrics, logging context, heartbeats and surviving processes."""

    name = "ops"
    verbose_name = "运行维护"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .metrics import instrument

        instrument()
