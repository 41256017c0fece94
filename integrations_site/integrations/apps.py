from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations_site.integrations"
    label = "integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registry v2 providers register themselves on import.
        from . import v2_providers  # noqa: F401
