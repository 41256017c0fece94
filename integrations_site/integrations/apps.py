from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations_site.integrations"
    label = "integrations"
    default_auto_field = "django.db.models.BigAutoField"
    # No ready(): the providers register themselves with the first lookup (providers/base.py).
