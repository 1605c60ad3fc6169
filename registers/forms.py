from django import forms
from django.utils import timezone
from django.utils.html import escape

from basics.richtext import RichTextFormField, unwrap_paragraph
from editing.forms import EditForm

from .access import officers, person_name
from .models import (
    Action,
    Appetite,
    Control,
    QuarterlySnapshot,
    Register,
    Review,
    Risk,
    RiskCategory,
    Trend,
    band_for_score,
)
from .reviews import schedule_review

TREND_FIELD_CHOICES = [("", "Propose it when the quarter closes")] + [
    (value, f"{value} ({label.lower()})" if value not in ("New", "N/A") else label)
    for value, label in Trend.choices
]
CONTROL_LIMIT = 2000


class ControlForm(forms.Form):
    """One key control or activity: a bullet of the register's column."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = RichTextFormField(
        label="Control or activity",
        required=False,
        max_length=CONTROL_LIMIT,
        help_text='Start a line with "- " for a bullet; **bold** and *italic* work.',
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    effectiveness = forms.ChoiceField(
        label="How effective",
        choices=[("", "Not assessed"), *Control.Effectiveness.choices],
        required=False,
    )
    assurance = forms.ChoiceField(
        label="Assurance from",
        choices=[("", "Not stated"), *Control.Assurance.choices],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def control_value(text: str, effectiveness: str = "", assurance: str = "") -> tuple[str, str, str]:
    """A control as the risk form edits and merges it: its text and its two ratings."""
    return (text, effectiveness or "", assurance or "")


class BaseControlFormSet(forms.BaseFormSet):
    item_label = "Control"

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for name in ("text", "ORDER", "effectiveness", "assurance"):
            form.fields[name].plainly_optional = True  # empty boxes are ignored

    def described(self) -> tuple[tuple[int | None, tuple[str, str, str]], ...]:
        """The controls this valid formset describes, in the officer's order:
        (id, (HTML, effectiveness, assurance)).

        A control whose text was not touched keeps its stored HTML, so opening and saving
        the form rewrites nothing.
        """
        kept = []
        for form in self.forms:
            if self._should_delete_form(form):
                continue
            text = form.cleaned_data.get("text", "")
            if not text:
                continue
            if "text" in form.changed_data:
                text = unwrap_paragraph(text)  # one bullet: no paragraph around one line
            else:
                text = form.initial.get("text", text)
            order = form.cleaned_data.get("ORDER")
            value = control_value(
                text, form.cleaned_data.get("effectiveness"), form.cleaned_data.get("assurance")
            )
            kept.append((order is None, order or 0, form.cleaned_data.get("id"), value))
        kept.sort(key=lambda item: (item[0], item[1]))
        return tuple((control_id, value) for _, _, control_id, value in kept)


ControlFormSet = forms.formset_factory(
    ControlForm, formset=BaseControlFormSet, extra=2, can_order=True, can_delete=True
)


def merge_controls(base, theirs, mine):
    """Two officers' edits of a risk's controls, merged control by control, or None.

    Each list is of (id, value), in order; id None is a new control. A control one side
    changed or removed takes that side's change; a control both changed differently, or
    one changed and the other removed, cannot be merged. New controls of both sides are
    kept; the order is that of the side that reordered, if only one did.
    """
    base_text, their_text, my_text = dict(base), dict(theirs), dict(mine)
    merged_text = {}
    for pk, was in base_text.items():
        their, my = their_text.get(pk), my_text.get(pk)
        if their == was:
            merged_text[pk] = my
        elif my == was or my == their:
            merged_text[pk] = their
        else:
            return None  # both changed it, or one changed what the other removed
    kept = [pk for pk, text in merged_text.items() if text is not None]
    base_order = [pk for pk, _ in base if pk in kept]
    my_order = [pk for pk, _ in mine if pk in kept]
    their_order = [pk for pk, _ in theirs if pk in kept]
    order = my_order if my_order != base_order else their_order
    result = [(pk, merged_text[pk]) for pk in order]
    result += [(pk, text) for pk, text in theirs if pk not in base_text]
    result += [(pk, text) for pk, text in mine if pk is None]
    return tuple(result)


class RiskForm(EditForm):
    """A risk, its key controls (a formset) and its trend for the open quarter."""

    trend = forms.ChoiceField(
        label="Trend this quarter", choices=TREND_FIELD_CHOICES, required=False
    )
    pseudo_fields = ("controls",)
    blank_labels = {
        "band": "Follows the scores, or not rated",
        "owner": "No owner yet",
        "lead_officer_user": "Not a riskreg user (give the name below)",
        "category": "Not categorised",
        "treatment": "Not decided",
    }

    class Meta(EditForm.Meta):
        model = Risk
        fields = [
            "reference",
            "name",
            "description",
            "impact",
            "owner",
            "lead_officer_user",
            "lead_officer",
            "status",
            "category",
            "treatment",
            "band",
            "likelihood",
            "impact_score",
            "inherent_likelihood",
            "inherent_impact",
            "target_likelihood",
            "target_impact",
            "target_date",
            "position",
            "date_raised",
            "circulation",
            "restriction_reason",
        ]
        help_texts = {
            "band": "Give likelihood and impact and the rating follows them. Choose a rating "
            "here only for a risk that is not scored.",
            "target_date": "When the actions should bring the risk to its target rating.",
            "date_raised": "Until its first review, the next review is counted from this date.",
        }

    def __init__(self, data=None, files=None, *, register: Register, instance=None, **kwargs):
        self.register = register
        self.open_period = register.open_period()
        instance = instance if instance is not None else Risk(register=register)
        instance.register = register
        initial_controls = (kwargs.get("initial") or {}).get("controls")
        super().__init__(data, files, instance=instance, **kwargs)
        self.extra_kwargs["register"] = register
        if initial_controls is None:
            initial_controls = (self.base_values or self.values_of(instance))["controls"]
        self.controls = ControlFormSet(
            data,
            prefix="controls",
            initial=[
                {"id": pk, "text": text, "effectiveness": effectiveness, "assurance": assurance}
                for pk, (text, effectiveness, assurance) in initial_controls
            ],
        )
        scale = register.rating_scale
        self.fields["band"].queryset = scale.bands.all()
        self.fields["category"].queryset = register.categories.all()
        for name in ("owner", "lead_officer_user"):
            self.fields[name].queryset = officers()
            self.fields[name].label_from_instance = person_name
        likelihoods = [(lv.value, str(lv)) for lv in scale.likelihoods.all()]
        impacts = [(lv.value, str(lv)) for lv in scale.impacts.all()]
        for name, label, levels in (
            ("likelihood", "Likelihood", likelihoods),
            ("impact_score", "Impact score", impacts),
            ("inherent_likelihood", "Inherent likelihood", likelihoods),
            ("inherent_impact", "Inherent impact", impacts),
            ("target_likelihood", "Target likelihood", likelihoods),
            ("target_impact", "Target impact", impacts),
        ):
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=[("", "Not scored"), *levels],
                coerce=int,
                empty_value=None,
                required=False,
            )
        if self.open_period is None:
            del self.fields["trend"]
        for name in ("description", "impact"):
            self.fields[name].widget.attrs["rows"] = 8

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return self.controls.is_valid() and valid

    @property
    def has_problems(self) -> bool:
        return super().has_problems or (self.is_bound and self.controls.total_error_count() > 0)

    def clean_reference(self) -> str:
        # The register is not a field of this form, so Django would not check this itself.
        reference = self.cleaned_data["reference"].strip().upper()
        taken = Risk.all_objects.filter(register=self.register, reference=reference)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                f"{reference} is already a risk in {self.register}; choose another reference."
            )
        return reference

    def clean(self):
        cleaned = super().clean()
        likelihood, impact = cleaned.get("likelihood"), cleaned.get("impact_score")
        band = cleaned.get("band")
        if likelihood and impact and band and "band" in self.changed_data:
            expected = self.register.rating_scale.band_for(likelihood * impact)
            if expected and expected != band:
                self.add_error(
                    "band",
                    f"{band} contradicts the scores: likelihood {likelihood} x impact {impact} "
                    f"is {likelihood * impact}, which is {expected}. Choose {expected}, or "
                    '"Follows the scores".',
                )
        return cleaned

    # The controls and the trend take part in the merge like the risk's own fields.

    def lock_first(self) -> None:
        from .services import lock_open_period, register_changed

        if self.open_period is not None and "trend" in self.fields:
            lock_open_period(register=self.register, period=self.open_period)  # and stamps
        else:
            register_changed(self.register.pk)

    def extra_values(self, obj, *, at) -> dict:
        values = {"controls": ()}
        if obj.pk is not None:
            if at is None:
                controls = obj.controls.all()
            else:
                controls = sorted(
                    Control.history.as_of(at).filter(risk_id=obj.pk),
                    key=lambda control: (control.position, control.pk),
                )
            values["controls"] = tuple(
                (control.pk, control_value(control.text, control.effectiveness, control.assurance))
                for control in controls
            )
        if self.open_period is not None:
            snapshots = (
                QuarterlySnapshot.objects if at is None else QuarterlySnapshot.history.as_of(at)
            )
            found = snapshots.filter(risk_id=obj.pk, period_id=self.open_period.pk).first()
            values["trend"] = found.trend if found else ""
        return values

    def edited_fields(self) -> list[str]:
        names = super().edited_fields()
        opened = tuple(
            (
                row.get("id"),
                control_value(row.get("text"), row.get("effectiveness"), row.get("assurance")),
            )
            for row in self.controls.initial
        )
        if self.controls.described() != opened:
            names.append("controls")
        return names

    def agrees(self, name: str, theirs) -> bool:
        if name == "controls":
            return tuple(value for _, value in self.controls.described()) == tuple(
                value for _, value in theirs
            )
        return super().agrees(name, theirs)

    def merge(self, name: str, base, theirs):
        if name != "controls":
            return super().merge(name, base, theirs)
        return merge_controls(base, theirs, self.cleaned_data["controls"])

    def field_label(self, name: str) -> str:
        return "Key controls and activities" if name == "controls" else super().field_label(name)

    def is_rich(self, name: str) -> bool:
        return name == "controls" or super().is_rich(name)

    def display(self, name: str, value) -> str:
        if name == "controls":
            items = "".join(
                f"<li>{text}{_control_ratings(effectiveness, assurance)}</li>"
                for _, (text, effectiveness, assurance) in value or ()
            )
            return f"<ol>{items}</ol>" if items else escape("(none)")
        return super().display(name, value)

    def full_clean(self):
        super().full_clean()
        if hasattr(self, "cleaned_data") and self.controls.is_bound and self.controls.is_valid():
            self.cleaned_data["controls"] = self.controls.described()

    def save(self, commit=True):
        risk = super().save(commit=False)  # a new risk: its band already follows its scores
        schedule_review(risk)
        if commit:
            risk.save()
        return risk

    def apply(self, obj, names: list[str]) -> None:
        super().apply(obj, [name for name in names if name not in ("controls", "trend")])
        if set(names) & {"band", "likelihood", "impact_score", "date_raised"}:
            obj.derive_band()
            schedule_review(obj)

    def save_related(self, obj, names: list[str]) -> None:
        from .services import save_controls, set_current_trend

        super().save_related(obj, [name for name in names if name not in ("controls", "trend")])
        if "controls" in names:
            save_controls(risk=obj, controls=self.cleaned_data["controls"])
        if "trend" in names and self.open_period is not None:
            set_current_trend(risk=obj, trend=self.cleaned_data["trend"], period=self.open_period)


def _control_ratings(effectiveness: str, assurance: str) -> str:
    said = [
        str(choices(value).label)
        for choices, value in (
            (Control.Effectiveness, effectiveness),
            (Control.Assurance, assurance),
        )
        if value
    ]
    return f" ({escape(', '.join(said))})" if said else ""


class CloseQuarterForm(forms.Form):
    """One trend choice per open risk (blank keeps the proposal), and a confirmation."""

    confirm = forms.BooleanField(
        label="I have checked every trend. Close the quarter and publish its register.",
        error_messages={"required": "Tick the box to confirm that the quarter should close."},
    )

    def __init__(self, *args, proposals, sign_off: bool = False, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.proposals = proposals
        if sign_off:
            self.fields[
                "confirm"
            ].label = (
                "I have checked every trend. Submit the quarter for a chief officer's sign-off."
            )
            self.fields["confirm"].error_messages["required"] = (
                "Tick the box to confirm that the quarter should be submitted for sign-off."
            )
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


class SignOffForm(forms.Form):
    """A chief officer's decision on a quarter submitted for sign-off."""

    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            ("approve", "Approve: close the quarter and publish its register"),
            ("return", "Return it to the risk officers: the quarter stays open"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to approve the quarter or return it."},
    )
    comment = forms.CharField(
        label="Comment",
        help_text="Required when you return the quarter: say what should change.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "return" and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Say why the quarter is returned: what should change.")
        return cleaned


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        help_text="An Excel workbook (.xlsx) or a CSV file (.csv) in the register's layout.",
        error_messages={"required": "Select the spreadsheet to import"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError("The selected file must be an .xlsx or a .csv file")
        from .importing import ImportFileError, check_size

        try:
            check_size(upload.size)
        except ImportFileError as error:
            raise forms.ValidationError(str(error)) from None
        return upload


class ActionForm(EditForm):
    """An action on a risk. Moving its target date keeps the first one and records the move."""

    blank_labels = {"owner": "No owner yet"}

    class Meta(EditForm.Meta):
        model = Action
        fields = ["text", "owner", "target_date", "status", "progress"]
        labels = {"text": "What will be done"}
        help_texts = {
            "target_date": "Moving it later keeps the first target date and records the move.",
        }

    def __init__(self, data=None, files=None, *, risk: Risk, user, instance=None, **kwargs):
        self.risk, self.user = risk, user
        instance = instance if instance is not None else Action(risk=risk)
        super().__init__(data, files, instance=instance, **kwargs)
        self.extra_kwargs.update(risk=risk, user=user)
        self.fields["owner"].queryset = officers()
        self.fields["owner"].label_from_instance = person_name
        self.fields["text"].widget = forms.Textarea(attrs={"rows": 3})
        self.fields["text"].error_messages["required"] = "Enter what will be done"
        self.fields["progress"].widget.attrs["rows"] = 5

    def lock_first(self) -> None:
        from .services import lock_open_period

        # An action belongs to the open quarter's working register, as the risk does.
        lock_open_period(register=self.risk.register)

    def save(self, commit=True):
        action = super().save(commit=False)
        action.original_target_date = action.target_date
        if commit:
            action.save()
        return action

    def apply(self, obj, names: list[str]) -> None:
        self._moved_from = obj.target_date
        super().apply(obj, names)
        if "target_date" in names and obj.original_target_date is None:
            obj.original_target_date = obj.target_date

    def save_related(self, obj, names: list[str]) -> None:
        from .services import record_date_move

        super().save_related(obj, names)
        moved_from = getattr(self, "_moved_from", None)
        if "target_date" in names and moved_from is not None and moved_from != obj.target_date:
            record_date_move(action=obj, moved_from=moved_from, user=self.user)


class ReviewForm(EditForm):
    """A review of a risk: recorded once (`reviews.record_review`), withdrawn if in error."""

    class Meta(EditForm.Meta):
        model = Review
        fields = ["reviewed_on", "outcome", "note"]
        help_texts = {"note": "What the review found, and any decision."}

    def __init__(self, data=None, files=None, *, risk: Risk, **kwargs):
        self.risk = risk
        super().__init__(data, files, instance=Review(risk=risk), **kwargs)
        self.fields["outcome"].widget = forms.RadioSelect(choices=Review.Outcome.choices)
        self.fields["outcome"].choices = Review.Outcome.choices
        self.fields["outcome"].error_messages["required"] = "Choose the review's outcome"
        self.fields["reviewed_on"].error_messages["required"] = "Enter the date of the review"
        self.fields["note"].widget.attrs["rows"] = 4
        if not self.is_bound and not self.initial.get("reviewed_on"):
            self.initial["reviewed_on"] = timezone.localdate()

    def cleaned_data_for_review(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("reviewed_on", "outcome", "note")}

    def clean_reviewed_on(self):
        day = self.cleaned_data["reviewed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date of the review must be today or in the past")
        return day


class CategoryForm(EditForm):
    """A category's appetite: the level, and the highest current score it tolerates."""

    class Meta(EditForm.Meta):
        model = RiskCategory
        fields = ["name", "description", "appetite", "tolerance"]

    def __init__(self, data=None, files=None, *, instance, **kwargs):
        super().__init__(data, files, instance=instance, **kwargs)
        bands = list(instance.register.rating_scale.bands.all())
        highest = max((band.max_score for band in bands), default=25)
        self.fields["tolerance"] = forms.TypedChoiceField(
            label="Highest score tolerated",
            help_text="A risk whose current likelihood x impact is above this is outside "
            "appetite. A risk rated by band only counts at its band's lowest score.",
            choices=[
                (
                    score,
                    f"{score} ({band.label})" if (band := band_for_score(bands, score)) else score,
                )
                for score in range(1, highest + 1)
            ],
            coerce=int,
        )
        self.fields["appetite"].widget = forms.RadioSelect(choices=Appetite.choices)
        self.fields["appetite"].choices = Appetite.choices
        self.fields["name"].error_messages["required"] = "Enter the category's name"

    def lock_first(self) -> None:
        from .services import register_changed

        # Appetite decides what the register shows as outside it: its cached pages move on.
        register_changed(self.instance.register_id)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = RiskCategory.objects.filter(register=self.instance.register, name__iexact=name)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"A category called {name} already exists")
        return name
