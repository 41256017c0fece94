from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: events are never added, changed or deleted by hand."""

    list_display = [
        "created_at",
        "organization_id",
        "actor_name",
        "action",
        "target_type",
        "target_name",
        "outcome",
        "client_address",
    ]
    # The activity page's filters: action, actor, target, date range.
    list_filter = ["action", "outcome", "actor_kind", "target_type", "created_at"]
    search_fields = ["actor_name", "actor_id", "target_name", "target_id", "request_id"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) over millions of rows per page
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
