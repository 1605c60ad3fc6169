from django import forms

from .models import Commitment, ProgressUpdate


class CommitmentForm(forms.ModelForm):
    class Meta:
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
        widgets = {"oversight_bodies": forms.CheckboxSelectMultiple}


class ProgressUpdateForm(forms.ModelForm):
    quarter = forms.TypedChoiceField(
        coerce=int, choices=[(q, f"Q{q}") for q in range(1, 5)], help_text="Q1 = Apr-Jun."
    )

    class Meta:
        model = ProgressUpdate
        fields = ["year", "quarter", "text", "reported_on"]
        widgets = {"reported_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, commitment: Commitment, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.commitment = commitment

    def validate_unique(self):
        # commitment is not a form field, so ModelForm would skip this constraint.
        exclude = self._get_validation_exclusions() - {"commitment"}
        try:
            self.instance.validate_unique(exclude=exclude)
            self.instance.validate_constraints(exclude=exclude)
        except forms.ValidationError as error:
            self._update_errors(error)
