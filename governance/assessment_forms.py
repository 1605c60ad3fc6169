from editing.forms import EditForm

from .models import AssessmentTopic


class AssessmentTopicForm(EditForm):
    class Meta(EditForm.Meta):
        model = AssessmentTopic
        fields = [
            "name",
            "probability",
            "summary",
            "situation_report",
            "recommendations",
            "emerging_trends",
            "risks",
        ]

    blank_labels = {"probability": "Not placed"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["risks"].queryset = self.fields["risks"].queryset.select_related("register")
        self.fields["risks"].label = "Risks it bears on"
