from django import forms
from django.contrib import admin, messages
from django.shortcuts import render

from registers import services
from registers.admin import ReportingPeriodAdmin
from registers.models import ReportingPeriod

from .audit import record_event
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
    list_display = [
        "register", "period", "variant", "status", "attempts", "pages", "size", "built_at"
    ]  # fmt: skip
    list_filter = ["register", "variant", "status"]


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


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why is this quarter being reopened?", widget=forms.Textarea(attrs={"rows": 3})
    )


@admin.action(description="Reopen the selected closed quarter (recorded)")
def reopen_quarter(modeladmin, request, queryset):
    # Closing is the risk officers' work in the app; reopening is the administrators' alone.
    if not request.user.is_superuser:
        modeladmin.message_user(
            request, "Only an administrator may reopen a quarter.", messages.ERROR
        )
        return None
    if queryset.count() != 1:
        modeladmin.message_user(request, "Reopen one quarter at a time.", messages.ERROR)
        return None
    period = queryset.get()
    form = ReopenForm(request.POST if "reason" in request.POST else None)
    if form.is_valid():
        try:
            services.reopen_quarter(
                period=period, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValueError as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
        else:
            record_event(
                kind=AuditEvent.Kind.QUARTER_REOPENED,
                request=request,
                detail=f"{period.register} {period.label}: {form.cleaned_data['reason']}",
            )
            modeladmin.message_user(request, f"{period.label} of {period.register} is open again.")
        return None
    return render(
        request,
        "admin/registers/reopen_quarter.html",
        {**modeladmin.admin_site.each_context(request), "period": period, "form": form,
         "opts": modeladmin.model._meta},
    )  # fmt: skip


# The register's quarters, with the reopen action, which is audited here.
admin.site.unregister(ReportingPeriod)


@admin.register(ReportingPeriod)
class AuditedReportingPeriodAdmin(ReportingPeriodAdmin):
    actions = [reopen_quarter]
