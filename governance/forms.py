from django import forms

from editing.forms import EditForm

from .models import Assessment, Inspection, Recommendation, RecommendationUpdate


class AssessmentForm(EditForm):
    class Meta(EditForm.Meta):
        model = Assessment
        fields = ["evidence", "direction", "rag", "rag_note"]
        help_texts = {"rag_note": 'Optional, e.g. "medium term financial plan being updated".'}

    blank_labels = {"direction": "Not stated", "rag": "Not assessed"}


class InspectionForm(EditForm):
    class Meta(EditForm.Meta):
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

    blank_labels = {"grade": "No PEEL grade"}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("grade") and cleaned.get("kind") != Inspection.Kind.PEEL:
            self.add_error("grade", "Only a PEEL inspection has a PEEL grade.")
        published, response = cleaned.get("report_published"), cleaned.get("pcc_response_published")
        if response and not published and "report_published" not in self.errors:
            self.add_error("report_published", "Give the date the report was published.")
        elif response and published and response < published:
            self.add_error("pcc_response_published", "The response cannot precede the report.")
        return cleaned


class RecommendationForm(EditForm):
    class Meta(EditForm.Meta):
        model = Recommendation
        fields = ["reference", "kind", "text", "owner", "due_date", "status", "evidence", "risks"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risks"].queryset = self.fields["risks"].queryset.select_related("register")
        self.fields["risks"].required = False
        self.fields["risks"].label = "Risks it bears on"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Recommendation.Status.CLOSED and not cleaned.get("evidence"):
            self.add_error("evidence", "Give the evidence on which it is closed.")
        return cleaned


class RecommendationUpdateForm(EditForm):
    """A progress update; editing one asks why, and the reason goes into its history."""

    reason = forms.CharField(
        label="Why are you changing this update?",
        max_length=300,
        error_messages={"required": "Give the reason for changing the update"},
    )

    class Meta(EditForm.Meta):
        model = RecommendationUpdate
        fields = ["date", "text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["reason"]

    def edited_fields(self) -> list[str]:
        return [name for name in super().edited_fields() if name != "reason"]
