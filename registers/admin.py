from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Control,
    ImpactLevel,
    LikelihoodLevel,
    QuarterlySnapshot,
    RatingBand,
    RatingScale,
    Register,
    ReportingPeriod,
    Risk,
)


class LikelihoodInline(admin.TabularInline):
    model = LikelihoodLevel
    extra = 0


class ImpactInline(admin.TabularInline):
    model = ImpactLevel
    extra = 0


class BandInline(admin.TabularInline):
    model = RatingBand
    extra = 0


@admin.register(RatingScale)
class RatingScaleAdmin(SimpleHistoryAdmin):
    inlines = [LikelihoodInline, ImpactInline, BandInline]


@admin.register(Register)
class RegisterAdmin(SimpleHistoryAdmin):
    list_display = ["name", "organisation", "protective_marking", "slug"]
    search_fields = ["name", "organisation"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "register", "start", "end", "status", "closed_at"]
    list_filter = ["register", "status"]


class ControlInline(admin.TabularInline):
    model = Control
    extra = 0


class SnapshotInline(admin.TabularInline):
    model = QuarterlySnapshot
    extra = 0
    fields = ["period", "trend", "band"]
    readonly_fields = ["period"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "name", "register", "band", "status", "lead_officer", "position"]
    list_filter = ["register", "status", "band"]
    search_fields = ["reference", "name", "description", "impact", "lead_officer"]
    inlines = [ControlInline, SnapshotInline]


@admin.register(QuarterlySnapshot)
class QuarterlySnapshotAdmin(SimpleHistoryAdmin):
    list_display = ["risk", "period", "trend", "band"]
    list_filter = ["period__register", "period"]
    search_fields = ["risk__reference", "name"]
