import re

from django import forms
from django.utils import timezone

from editing.forms import EditForm

from .models import Commitment, HoldingToAccountMeeting, ProgressUpdate, quarter_label


class CommitmentForm(EditForm):
    class Meta(EditForm.Meta):
        model = Commitment
        fields = [
            "objective",
            "reference",
            "element",
            "plan_commitment",
            "supporting_activity",
            "cross_reference",
            "other_force_only",
            "oversight_mechanisms",
            "oversight_bodies",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plan = self.instance.objective.plan if self.instance.objective_id else None
        if plan is not None:
            self.fields["objective"].queryset = plan.objectives.all()


def current_financial_year() -> int:
    today = timezone.localdate()
    return today.year if today.month >= 4 else today.year - 1


def plan_years(plan) -> range:
    """Financial years a plan reports on: those it covers ("2016-2021": 2016/17 to 2020/21),
    and none after the current one."""
    latest = current_financial_year()
    found = re.fullmatch(r"\s*(\d{4})\s*[-–/]\s*(\d{2,4})\s*", plan.period or "")
    if found:
        start, end = int(found[1]), int(found[2])
        end = end + 2000 if end < 100 else end
        return range(start, min(end - 1, latest) + 1)
    return range(2000, latest + 1)


class ProgressUpdateForm(EditForm):
    """A commitment's progress for one quarter; editing one asks why (kept in its history)."""

    year = forms.TypedChoiceField(
        label="Financial year",
        coerce=int,
        choices=(),
        error_messages={"required": "Choose the financial year the update is for"},
    )
    quarter = forms.TypedChoiceField(
        coerce=int,
        choices=[("", "Choose a quarter")] + [(q, f"Q{q}") for q in range(1, 5)],
        help_text="Q1 = Apr-Jun.",
        error_messages={"required": "Choose the quarter the update is for"},
    )
    reason = forms.CharField(
        label="Why are you changing this update?",
        max_length=300,
        error_messages={"required": "Give the reason for changing the update"},
    )

    class Meta(EditForm.Meta):
        model = ProgressUpdate
        fields = ["year", "quarter", "text", "reported_on"]

    def __init__(self, *args, commitment: Commitment, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_kwargs["commitment"] = commitment
        self.instance.commitment = commitment
        years = plan_years(commitment.objective.plan)
        self.fields["year"].choices = [("", "Choose a year")] + [
            (year, quarter_label(year, 1)[3:]) for year in years
        ]
        self.fields["year"].error_messages["invalid_choice"] = (
            f"Choose a financial year the plan covers, {quarter_label(years[0], 1)[3:]} "
            f"to {quarter_label(years[-1], 1)[3:]}"
            if years
            else "The plan covers no financial year up to now"
        )
        if self.instance.pk is None:
            del self.fields["reason"]

    def edited_fields(self) -> list[str]:
        return [name for name in super().edited_fields() if name != "reason"]

    def validate_unique(self):
        # commitment is not a form field, so ModelForm would skip this constraint.
        exclude = self._get_validation_exclusions() - {"commitment", "withdrawn_at"}
        try:
            self.instance.validate_unique(exclude=exclude)
            self.instance.validate_constraints(exclude=exclude)
        except forms.ValidationError as error:
            self._update_errors(error)


class MeetingForm(EditForm):
    class Meta(EditForm.Meta):
        model = HoldingToAccountMeeting
        fields = ["held", "note"]
        labels = {"held": "The meeting was held"}
