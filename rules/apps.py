from django.apps import AppConfig


class RulesAppConfig(AppConfig):
    """The rules app has no models: it decides from snapshots that other apps build."""

    name = "rules"
    verbose_name = "规则引擎"
