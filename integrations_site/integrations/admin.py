from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from . import hooks, services
from .models import Integration
from .providers import all_providers


class ProviderFilter(admin.SimpleListFilter):
    """Providers by their display names ("AWS", "Docker Hub"), read from the registry, so a new
    provider module appears here without an edit."""

    title = "provider"
    parameter_name = "provider"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return sorted(
            ((provider.key, provider.display_name) for provider in all_providers()),
            key=lambda choice: choice[1].lower(),
        )

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(provider=self.value()) if self.value() else queryset


def _admin_link(obj, label: str | None = None) -> str | None:
    """A link to `obj`'s change page when its model is in the admin (else None)."""
    try:
        url = reverse(admin_urlname(obj._meta, "change"), args=[obj.pk])
    except NoReverseMatch:
        return None
    return format_html('<a href="{}">{}</a>', url, label or obj)


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    """Read-only view of integrations. Credentials never appear (the key hint does); creating
    needs the provider's validation and editing is SDK-only, so both are off; deleting goes
    through the same service function as the UI."""

    list_display = ["name", "organization", "provider_display", "account", "region", "created_at"]
    list_filter = [ProviderFilter, "type"]
    search_fields = ["name", "organization__name", "account"]
    fields = [
        "id",
        "name",
        "organization",
        "type",
        "provider_display",
        "metadata",
        "account",
        "region",
        "key_hint",
        "used_by",
        "created_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("organization").defer("credentials")

    @admin.display(description="Provider", ordering="provider")
    def provider_display(self, obj: Integration) -> str:
        return obj.provider_display

    @admin.display(description="Used by")
    def used_by(self, obj: Integration) -> str:
        """Links to what depends on this integration. Apps above integrations are reached the
        ways the architecture allows: the models that point here (storage drivers), shown as
        their filtered admin list, and what the registry hooks name (services, pipelines)."""
        links = []
        for relation in obj._meta.related_objects:
            model = relation.related_model
            if not relation.one_to_many or not admin.site.is_registered(model):
                continue
            count = getattr(obj, relation.get_accessor_name()).count()
            url = reverse(admin_urlname(model._meta, "changelist"))
            noun = model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural
            query = f"{relation.field.name}__id__exact={obj.pk}"
            links.append(format_html('<a href="{}?{}">{} {}</a>', url, query, count, noun))
        if obj.registry:
            dependants = hooks.registry_dependants(
                organization=obj.organization, registry=obj.registry
            )
            for objects in dependants.values():
                for dependant in objects:
                    label = f"{dependant._meta.verbose_name.capitalize()} {dependant}"
                    links.append(_admin_link(dependant, label) or label)
        if not links:
            return "—"
        return format_html_join(mark_safe("<br>"), "{}", ((link,) for link in links))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Integration) -> None:
        try:
            services.integration_delete(integration=obj)
        except services.IntegrationInUse as error:
            self.message_user(request, error.message, level=messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for integration in queryset:
            self.delete_model(request, integration)
