from django.contrib import admin

from .models import Pack, PackDownload


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
    list_display = ["register", "period", "status", "pages", "size", "built_at"]
    list_filter = ["register", "status"]


@admin.register(PackDownload)
class PackDownloadAdmin(ReadOnlyAdmin):
    list_display = ["downloaded_at", "user", "pack"]
    list_filter = ["pack__register", "pack"]
    list_select_related = ["user", "pack__register", "pack__period"]
    date_hierarchy = "downloaded_at"
