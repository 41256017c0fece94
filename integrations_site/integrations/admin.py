from django.contrib import admin, messages
from django.http import HttpRequest

from . import services
from .models import Integration


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    """Read-only view of integrations. Credentials never appear (the key hint does); creating
    needs the provider's validation and editing is SDK-only, so both are off; deleting goes
    through the same service function as the UI."""

    list_display = ["name", "organization", "provider_display", "account", "region", "created_at"]
    list_filter = ["provider", "type"]
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
