from django.contrib import admin

from .models import AuditEvent, Pack, PackDownload


class ReadOnlyAdmin(admin.ModelAdmin):
    # Packs are built by the application and downloads are an audit record: look, never edit.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Pack)
class PackAdmin(ReadOnlyAdmin):
    list_display = ["register", "period", "status", "attempts", "pages", "size", "built_at"]
    list_filter = ["register", "status"]


@admin.register(PackDownload)
class PackDownloadAdmin(ReadOnlyAdmin):
    list_display = ["downloaded_at", "user", "pack"]
    list_filter = ["pack__register", "pack"]
    list_select_related = ["user", "pack__register", "pack__period"]
    date_hierarchy = "downloaded_at"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log, for administrators to read; no one adds, changes or deletes a row."""

    list_display = ["when", "kind", "user", "username", "address", "path"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["username", "address", "path", "detail"]
    date_hierarchy = "when"

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser
