from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "integrations_site.audit"
    label = "audit"
    verbose_name = "Audit trail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the sign-in receivers)
