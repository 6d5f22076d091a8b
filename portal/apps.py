from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The residents' web pages: search, service guides, policies, submitting and tracking requests, grids."""

    name = "portal"
    verbose_name = "居民网站"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals

        signals.connect()
