from django.contrib import admin
from django.http import HttpRequest

from . import services
from .models import StorageDriver


@admin.register(StorageDriver)
class StorageDriverAdmin(admin.ModelAdmin):
    """Read-only view of storage drivers. Creating needs the bucket check, so it is done in the
    app or the API; deleting goes through the same service function as the UI."""

    list_display = ["name", "organization", "integration", "bucket", "path", "region", "created_at"]
    list_filter = ["region"]
    search_fields = ["name", "organization__name", "bucket", "integration__name"]
    fields = [
        "id",
        "name",
        "organization",
        "integration",
        "bucket",
        "path",
        "region",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .select_related("organization", "integration", "created_by")
            .defer("integration__credentials")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: StorageDriver) -> None:
        services.storage_driver_delete(driver=obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for driver in queryset:
            self.delete_model(request, driver)
