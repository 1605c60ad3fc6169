from django import forms

from .models import AssessmentTopic


class AssessmentTopicForm(forms.ModelForm):
    class Meta:
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
        widgets = {"risks": forms.SelectMultiple(attrs={"size": 8})}
