from django.contrib import admin, messages

from riskreg.audit import record_event
from riskreg.models import AuditEvent

from .models import ApiToken


@admin.action(description="Revoke the selected tokens (recorded)")
def revoke_tokens(modeladmin, request, queryset):
    # A leaver's tokens stop with their deactivated account; this is for one lost token.
    revoked = 0
    for token in queryset.filter(revoked_at__isnull=True).select_related("user"):
        token.revoke()
        record_event(
            kind=AuditEvent.Kind.API_TOKEN_REVOKED,
            request=request,
            detail=f"API token {token.shown_prefix}… {token.name!r} of {token.user}",
        )
        revoked += 1
    modeladmin.message_user(request, f"{revoked} token(s) revoked.", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Users' API tokens, for administrators to see and revoke: never created, changed or
    deleted here (a token is shown only to the user who creates it)."""

    list_display = ["user", "name", "shown_prefix", "created_at", "expires_on", "last_used_at",
                    "revoked_at"]  # fmt: skip
    list_filter = ["revoked_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "name", "prefix"]
    readonly_fields = ["user", "name", "shown_prefix", "created_at", "expires_on",
                       "last_used_at", "revoked_at"]  # fmt: skip
    exclude = ["digest"]
    actions = [revoke_tokens]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser
