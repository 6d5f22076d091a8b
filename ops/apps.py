from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the service: health, metrics, logging context, heartbeats and surviving processes."""

    name = "ops"
    verbose_name = "运行维护"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .metrics import instrument

        instrument()
        # The default cache is a database table; every `migrate` makes sure it exists, so a fresh
        # machine, a test database and a deployment never meet "no such table: django_cache".
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="ops.create_cache_table")


def create_cache_table(sender, using: str = "default", verbosity: int = 1, **kwargs) -> None:
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=max(0, verbosity - 1))
