from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations_site.integrations"
    label = "integrations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every module of the providers package registers its providers on import.
        from .providers import load_providers

        load_providers()
