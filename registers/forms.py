from django import forms
from django.forms import inlineformset_factory

from riskreg.richtext import KeepUnchangedRichText, unwrap_paragraph

from .models import Control, Register, Risk, Trend

TREND_FIELD_CHOICES = [("", "Propose it when the quarter closes")] + [
    (value, f"{value} ({label.lower()})" if value not in ("New", "N/A") else label)
    for value, label in Trend.choices
]


class RiskForm(KeepUnchangedRichText, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    trend = forms.ChoiceField(
        label="Trend this quarter", choices=TREND_FIELD_CHOICES, required=False
    )

    class Meta:
        model = Risk
        fields = [
            "reference",
            "name",
            "description",
            "impact",
            "lead_officer",
            "status",
            "band",
            "likelihood",
            "impact_score",
            "position",
            "date_raised",
            "next_review_date",
            "circulation",
            "restriction_reason",
        ]
        widgets = {
            "date_raised": forms.DateInput(attrs={"type": "date"}),
            "next_review_date": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "band": "Set the band directly, or give likelihood and impact and the band follows.",
        }

    def __init__(self, *args, register: Register, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.register = register
        scale = register.rating_scale
        self.fields["band"].queryset = scale.bands.all()
        self.fields["band"].empty_label = "Not rated"
        self.fields["likelihood"] = forms.TypedChoiceField(
            label="Likelihood",
            choices=[("", "Not scored")]
            + [(level.value, str(level)) for level in scale.likelihoods.all()],
            coerce=int,
            empty_value=None,
            required=False,
        )
        self.fields["impact_score"] = forms.TypedChoiceField(
            label="Impact score",
            choices=[("", "Not scored")] + [(i.value, str(i)) for i in scale.impacts.all()],
            coerce=int,
            empty_value=None,
            required=False,
        )
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        for name in ("description", "impact"):
            self.fields[name].widget.attrs["rows"] = 8

    def clean_reference(self) -> str:
        # The register is not a field of this form, so Django would not check this itself.
        reference = self.cleaned_data["reference"].strip().upper()
        taken = Risk.objects.filter(register=self.instance.register, reference=reference)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                f"{reference} is already a risk in {self.instance.register}; "
                "choose another reference."
            )
        return reference


class ControlForm(KeepUnchangedRichText, forms.ModelForm):
    class Meta:
        model = Control
        fields = ["text"]
        labels = {"text": "Control or activity"}
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def clean_text(self) -> str:
        # A control is one bullet of the register: no paragraph around a single line.
        return unwrap_paragraph(self.cleaned_data["text"])


ControlFormSet = inlineformset_factory(
    Risk,
    Control,
    form=ControlForm,
    extra=2,
    can_order=True,
    can_delete=True,
)


def ordered_controls(formset) -> list[tuple[Control | None, str]]:
    """The controls a valid formset describes, in the order the officer gave them."""
    kept = [
        form
        for form in formset.forms
        if form.has_changed() or form.instance.pk
        if not (formset.can_delete and formset._should_delete_form(form))
        if form.cleaned_data.get("text")
    ]
    kept.sort(
        key=lambda form: (
            form.cleaned_data.get("ORDER") is None,
            form.cleaned_data.get("ORDER") or 0,
        )
    )
    return [
        (form.instance if form.instance.pk else None, form.cleaned_data["text"]) for form in kept
    ]


class CloseQuarterForm(forms.Form):
    """One trend choice per open risk (blank keeps the proposal), and a confirmation."""

    confirm = forms.BooleanField(
        label="I have checked every trend. Close the quarter and publish its register.",
        error_messages={"required": "Tick the box to confirm that the quarter should close."},
    )

    def __init__(self, *args, proposals, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposals = proposals
        for proposal in proposals:
            self.fields[self.field_name(proposal.risk)] = forms.ChoiceField(
                label=f"Trend for {proposal.risk.reference}",
                choices=[("", f"{proposal.proposed_trend} (proposed)")]
                + [(value, label) for value, label in TREND_FIELD_CHOICES if value],
                required=False,
                initial=proposal.set_trend,
            )

    @staticmethod
    def field_name(risk) -> str:
        return f"trend_{risk.pk}"

    def rows(self):
        for proposal in self.proposals:
            yield proposal, self[self.field_name(proposal.risk)]

    def overrides(self) -> dict[int, str]:
        return {
            proposal.risk.pk: self.cleaned_data[self.field_name(proposal.risk)]
            for proposal in self.proposals
            if self.cleaned_data[self.field_name(proposal.risk)]
        }
