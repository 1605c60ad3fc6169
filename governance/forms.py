from django import forms

from .models import Assessment, Inspection, Recommendation, RecommendationUpdate


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["evidence", "direction", "rag", "rag_note"]
        help_texts = {"rag_note": 'Optional, e.g. "medium term financial plan being updated".'}


class InspectionForm(forms.ModelForm):
    class Meta:
        model = Inspection
        fields = [
            "title",
            "kind",
            "date_text",
            "core_group_established",
            "action_plan",
            "action_plan_note",
            "grade",
            "outcome",
            "report_published",
            "summary",
            "pcc_response_published",
            "position",
        ]
        widgets = {
            "report_published": forms.DateInput(attrs={"type": "date"}),
            "pcc_response_published": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("grade") and cleaned.get("kind") != Inspection.Kind.PEEL:
            self.add_error("grade", "Only a PEEL inspection has a PEEL grade.")
        published, response = cleaned.get("report_published"), cleaned.get("pcc_response_published")
        if response and not published:
            self.add_error("report_published", "Give the date the report was published.")
        elif response and published and response < published:
            self.add_error("pcc_response_published", "The response cannot precede the report.")
        return cleaned


class RecommendationForm(forms.ModelForm):
    class Meta:
        model = Recommendation
        fields = ["reference", "kind", "text", "owner", "due_date", "status", "evidence", "risks"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risks"].queryset = self.fields["risks"].queryset.select_related("register")
        self.fields["risks"].required = False

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Recommendation.Status.CLOSED and not cleaned.get("evidence"):
            self.add_error("evidence", "Give the evidence on which it is closed.")
        return cleaned


class RecommendationUpdateForm(forms.ModelForm):
    class Meta:
        model = RecommendationUpdate
        fields = ["date", "text"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}
