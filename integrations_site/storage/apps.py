from django.apps import AppConfig


class StorageConfig(AppConfig):
    name = "integrations_site.storage"
    label = "storage"
    verbose_name = "Storage drivers"
    default_auto_field = "django.db.models.BigAutoField"
