from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ReminderSettings, SentReminder


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["user", "send_digest"]
    list_filter = ["send_digest"]
    readonly_fields = ["user"]

    # Each user makes their own choice on the Reminders page; an administrator may change it.
    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SentReminder)
class SentReminderAdmin(admin.ModelAdmin):
    # A record of what was e-mailed: look, never edit.
    list_display = ["day", "user", "item", "sent_at"]
    list_filter = ["day"]
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
