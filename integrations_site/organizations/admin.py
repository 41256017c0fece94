from django.conf import settings
from django.contrib import admin

from .models import Membership, Organization

# The admin carries the platform's name, as the site does (the lowest app that has an admin
# module sets it for all of them).
admin.site.site_header = f"{settings.PLATFORM_NAME} administration"
admin.site.site_title = f"{settings.PLATFORM_NAME} admin"
admin.site.index_title = "Organizations, integrations and access"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["id", "created_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "organization__name"]
    autocomplete_fields = ["user", "organization"]
