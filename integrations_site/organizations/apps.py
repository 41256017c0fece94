from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "integrations_site.organizations"
    label = "organizations"
    default_auto_field = "django.db.models.BigAutoField"
