from django.apps import AppConfig


class ClassifierConfig(AppConfig):
    name = "classifier"
    verbose_name = "智能分类"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from cms.models import RulesetVersion

        from .tasks import train_after_publish

        post_save.connect(train_after_publish, sender=RulesetVersion, dispatch_uid="classifier.train_after_publish")
