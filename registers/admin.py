from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from editing.admin import VersionedAdmin

from . import services
from .models import (
    Action,
    ActionDateMove,
    Control,
    ImpactLevel,
    LikelihoodLevel,
    QuarterlySnapshot,
    RatingBand,
    RatingScale,
    Register,
    ReportingPeriod,
    Review,
    ReviewFrequency,
    Risk,
    RiskCategory,
)


class StampedAdmin(SimpleHistoryAdmin):
    """Writes here may touch any register or rating scale: each moves on the stamps that
    the register pages cached on them are keyed with (in the admin's transaction)."""

    def save_model(self, request, obj, form, change):
        services.admin_changed()
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        services.admin_changed()
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        services.admin_changed()
        super().delete_queryset(request, queryset)


class FrozenHistoryAdmin(StampedAdmin):
    """simple-history's pages of a record that a closed quarter holds are read-only.

    Its "revert" form saves an old version without asking the change permission of the
    record as it now is (an old version of a closed quarter was open), so a POST there
    could rewrite a published quarter. Here it is refused, and the form shows no button.
    """

    def is_frozen(self, obj) -> bool:
        raise NotImplementedError

    def _frozen(self, object_id) -> bool:
        current = self.model._default_manager.filter(pk=object_id).first()
        return current is not None and self.is_frozen(current)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if self._frozen(object_id):
            if request.method != "GET":
                raise PermissionDenied("A closed quarter's records are not reverted.")
            extra_context = {**(extra_context or {}), "revert_disabled": True}
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        if obj is not None and obj.pk is not None and self._frozen(obj.pk):
            return True
        return super().revert_disabled(request, obj)


class LikelihoodInline(admin.TabularInline):
    model = LikelihoodLevel
    extra = 0


class ImpactInline(admin.TabularInline):
    model = ImpactLevel
    extra = 0


class BandForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        changed = set(self.changed_data) & set(RatingBand.PUBLISHED_LOOK)
        if self.instance.pk and changed and self.instance.is_published():
            raise forms.ValidationError(
                "A closed quarter shows risks in this band, so its label, colours and order "
                "stay as they are. Add a new band or rating scale instead."
            )
        return cleaned


class BandInline(admin.TabularInline):
    model = RatingBand
    form = BandForm
    extra = 0


@admin.register(RatingScale)
class RatingScaleAdmin(StampedAdmin):
    inlines = [LikelihoodInline, ImpactInline, BandInline]


class CategoryInline(admin.TabularInline):
    model = RiskCategory
    extra = 0
    fields = ["name", "description", "appetite", "tolerance", "position"]


class ReviewFrequencyInline(admin.TabularInline):
    model = ReviewFrequency
    extra = 0


@admin.register(Register)
class RegisterAdmin(StampedAdmin):
    list_display = ["name", "organisation", "protective_marking", "slug", "requires_sign_off"]
    search_fields = ["name", "organisation"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CategoryInline, ReviewFrequencyInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            # A new register starts with the Orange Book's categories and review frequencies.
            services.add_register_defaults(form.instance)


class ActionDateMoveInline(admin.TabularInline):
    model = ActionDateMove
    extra = 0
    readonly_fields = ["moved_from", "moved_to", "moved_at", "moved_by"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Action)
class ActionAdmin(StampedAdmin, VersionedAdmin):
    list_display = ["__str__", "owner", "target_date", "original_target_date", "status"]
    list_filter = ["risk__register", "status"]
    search_fields = ["text", "risk__reference"]
    readonly_fields = ["original_target_date", "withdrawn_at", "withdrawn_by", "withdrawal_reason"]
    inlines = [ActionDateMoveInline]


@admin.register(Review)
class ReviewAdmin(StampedAdmin):
    list_display = ["__str__", "reviewer", "outcome", "withdrawn_at"]
    list_filter = ["risk__register", "outcome"]
    readonly_fields = ["withdrawn_at", "withdrawn_by", "withdrawal_reason"]

    def get_queryset(self, request):
        return Review.all_objects.select_related("risk", "reviewer")  # withdrawn ones too


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(FrozenHistoryAdmin):
    list_display = ["__str__", "register", "start", "end", "status", "closed_at", "closed_by"]
    list_filter = ["register", "status"]
    # Status changes only through closing (in the app) and the recorded reopen action,
    # which the project adds (riskreg/admin.py), since it is audited there.
    readonly_fields = ["status", "closed_at", "closed_by"]

    def is_frozen(self, obj) -> bool:
        return obj.is_closed

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_closed:
            # A published quarter is neither relabelled nor moved: shown read-only until an
            # administrator reopens it with the action.
            return False
        return super().has_change_permission(request, obj)


class ControlInline(admin.TabularInline):
    model = Control
    extra = 0


class SnapshotInline(admin.TabularInline):
    """Quarters are read here; trends are set in the app, and closed quarters never change."""

    model = QuarterlySnapshot
    extra = 0
    fields = ["period", "trend", "band"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Risk)
class RiskAdmin(StampedAdmin, VersionedAdmin):
    list_display = ["reference", "name", "register", "band", "status", "owner", "category"]
    list_filter = ["register", "status", "band", "category__name", "treatment"]
    search_fields = ["reference", "name", "description", "impact", "lead_officer"]
    inlines = [ControlInline, SnapshotInline]


@admin.register(QuarterlySnapshot)
class QuarterlySnapshotAdmin(FrozenHistoryAdmin):
    list_display = ["risk", "period", "trend", "band"]
    list_filter = ["period__register", "period"]
    search_fields = ["risk__reference", "name"]

    def is_frozen(self, obj) -> bool:
        return obj.period.is_closed

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.period.is_closed:
            return False  # shown read-only: a published quarter is frozen
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.period.is_closed:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            super().save_model(request, obj, form, change)
        except services.PeriodClosedError as error:
            # A form opened before the quarter closed: refuse clearly rather than fail.
            raise PermissionDenied(error.message) from None
