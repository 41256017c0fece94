from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "integrations_site.ops"
    label = "ops"
