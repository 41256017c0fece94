from django.apps import AppConfig


class DeploymentsConfig(AppConfig):
    name = "integrations_site.deployments"
    label = "deployments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Deployments hears of deleted integrations and reloaded credentials through this
        # listener; integrations never imports deployments.
        from integrations_site.integrations.hooks import register_listener

        from .listeners import DeploymentsRegistryListener

        register_listener(DeploymentsRegistryListener())
