"""Deployments' answers to integration events (integrations/hooks.py), registered in
DeploymentsConfig.ready()."""

from django.contrib.auth.base_user import AbstractBaseUser

from integrations_site.organizations.models import Organization

# The listener is registered in DeploymentsConfig.ready(); deployments' services (and through
# them the integrations' services, boto3's exceptions, the metrics) load with its first call,
# not at start-up.


class DeploymentsRegistryListener:
    def registry_dependants(self, *, organization: Organization, registry: str) -> dict[str, list]:
        from . import services

        return services.registry_dependants(organization=organization, registry=registry)

    def registry_access_lost(
        self, *, organization: Organization, registry: str, integration_name: str
    ) -> None:
        from . import services

        services.registry_access_revoke(
            organization=organization, registry=registry, integration_name=integration_name
        )

    def registry_credentials_reload(
        self, *, organization: Organization, registry: str, user: AbstractBaseUser | None
    ) -> None:
        from . import services

        services.services_restart_for_registry(
            organization=organization, registry=registry, user=user
        )
