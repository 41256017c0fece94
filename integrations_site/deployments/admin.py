from django.contrib import admin
from django.http import HttpRequest

from .models import Pipeline, Service


class ReadOnlyAdmin(admin.ModelAdmin):
    """Services and pipelines are deployed through the app, the API or the SDK (each rollout
    is checked and recorded); the admin shows them, so an integration can link to its users."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "runner_image", "status", "last_deployed_at"]
    list_filter = ["status", "registry"]
    search_fields = ["name", "organization__name", "runner_image"]
    fields = [
        "id",
        "name",
        "organization",
        "runner_image",
        "registry",
        "status",
        "status_reason",
        "last_deployed_at",
        "created_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("organization")


@admin.register(Pipeline)
class PipelineAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "last_installed_at", "created_at"]
    search_fields = ["name", "organization__name"]
    readonly_fields = ["id", "name", "organization", "last_installed_at", "created_at"]
    fields = readonly_fields
