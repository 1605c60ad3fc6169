"""The one pattern for every form a user edits, and how it is saved.

`EditForm` gives a ModelForm the GOV.UK conventions (labels without a colon, no "---------"
choice, checkboxes for many-to-many links, the GOV.UK date input, a maximum length on
every text field) and carries the version its record was opened at.

`save_edit` saves it under a row lock and writes only the fields this user changed. When
someone else saved in the meantime, the form is merged against the record as it stood when
it was opened (read back from its history): a field only the other person changed keeps
their value, a field only this user changed is saved, and a field both changed is refused
as a `Conflict` showing both values and who made the other change. The user then chooses,
field by field; no save overwrites a colleague's change they have not been shown.
"""

import copy
import datetime
from dataclasses import dataclass

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, models, transaction
from django.db.models.fields.related import ManyToManyField
from django.forms.models import construct_instance, model_to_dict
from django.utils import timezone
from simple_history.utils import get_m2m_reverse_field_name

from .fields import GovukDateField

# Typed characters a text box takes unless its model field says otherwise: the longest
# text in the seed documents is under 2,300 characters.
TEXT_LIMIT = 5000
BOOKKEEPING = ("version", "conflicted")
RESOLVE_PREFIX = "resolve_"


def edit_formfield(model_field, **kwargs):
    """Form fields for model fields, in the GOV.UK patterns."""
    if isinstance(model_field, models.DateField) and not isinstance(
        model_field, models.DateTimeField
    ):
        return model_field.formfield(form_class=GovukDateField, **kwargs)
    if isinstance(model_field, ManyToManyField):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
    return model_field.formfield(**kwargs)


@dataclass
class Conflict:
    """A field both this user and someone else changed since the form was opened."""

    name: str
    label: str
    theirs: str
    mine: str
    who: str
    when: datetime.datetime | None
    rich: bool = False


@dataclass
class Outcome:
    status: str  # "saved", "unchanged", "conflict" or "invalid"
    form: "EditForm"

    @property
    def done(self) -> bool:
        return self.status in ("saved", "unchanged")

    def message(self, saved: str) -> str:
        """What to tell the user once the form is done."""
        return saved if self.status == "saved" else "There were no changes to save."


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _comparable(value):
    """A value as stored, for comparing two states of a record."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, tuple):  # an ordered list, such as a risk's controls
        return tuple(_comparable(item) for item in value)
    if isinstance(value, models.QuerySet | list | set):  # many-to-many links: no order
        return sorted(_comparable(item) for item in value)
    if value is None:
        return ""
    return value


class EditForm(forms.ModelForm):
    """Base of every edit form. Subclasses name their model and fields as usual."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    conflicted = forms.CharField(widget=forms.HiddenInput, required=False)
    # The label of the empty choice of a select, by field name ("Not rated").
    blank_labels: dict[str, str] = {}
    blank_label = "Not stated"
    # Values edited beside the form's own fields (a risk's list of controls), by name.
    pseudo_fields: tuple[str, ...] = ()

    class Meta:
        formfield_callback = edit_formfield

    def __init__(self, data=None, files=None, *, instance=None, initial=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        self.extra_kwargs = {k: v for k, v in kwargs.items() if k not in ("prefix", "auto_id")}
        self.conflicts: list[Conflict] = []
        self.opened_version = None
        self.base_values = None  # the record as opened, when it has changed since
        prefix = kwargs.get("prefix")
        if instance is not None and instance.pk is not None:
            # Validating copies what was typed onto the instance; the page's own copy of
            # the record (its heading, its links) keeps what is stored.
            instance = copy.copy(instance)
            if data is None:
                self.opened_version = instance.version
            else:
                self.opened_version = _int(data.get(f"{prefix}-version" if prefix else "version"))
                if self.opened_version != instance.version:
                    self.base_values = self.values_at(instance, self.opened_version)
                    initial = {**(self.base_values or {}), **(initial or {})}
        super().__init__(data, files, instance=instance, initial=initial, **kwargs)
        self.fields["version"].initial = self.opened_version
        self._polish_fields()
        for name in self.conflicted_names():
            self.add_resolution(name)

    def add_resolution(self, name: str) -> None:
        """A required choice, for a field both sides changed: keep the saved value or mine."""
        if name not in self.fields and name not in self.pseudo_fields:
            return
        label = self.field_label(name).lower()
        self.fields[RESOLVE_PREFIX + name] = forms.ChoiceField(
            label=f"Which {label} to keep",
            choices=[("theirs", "Keep the saved value"), ("mine", "Use my value")],
            widget=forms.RadioSelect,
            error_messages={"required": f"Choose which {label} to keep: the saved one or yours"},
        )

    def field_label(self, name: str) -> str:
        return str(self.fields[name].label or name) if name in self.fields else name

    def anchor(self, name: str) -> str:
        """The id of a field's conflict panel, for the error summary's link."""
        field_id = self.auto_id % self.add_prefix(name) if self.auto_id else name
        return f"{field_id}-conflict"

    def _polish_fields(self) -> None:
        for name, form_field in self.fields.items():
            # What a user changed is judged against the version they opened, not against
            # hidden copies of initial values (which Django adds for callable defaults).
            form_field.show_hidden_initial = False
            if isinstance(form_field, forms.ModelChoiceField) and not isinstance(
                form_field, forms.ModelMultipleChoiceField
            ):
                if form_field.empty_label is not None:
                    form_field.empty_label = self.blank_labels.get(name, self.blank_label)
            elif isinstance(form_field, forms.ChoiceField) and not isinstance(
                form_field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple
            ):
                form_field.choices = [
                    ("", self.blank_labels.get(name, self.blank_label))
                    if value == "" and label == "---------"
                    else (value, label)
                    for value, label in form_field.choices
                ]
            if (
                isinstance(form_field, forms.CharField)
                and not getattr(form_field, "rich", False)
                and not form_field.widget.is_hidden
                and form_field.max_length is None
            ):
                # Every text box has a limit: a 240,000-character field is a mistake.
                form_field.max_length = TEXT_LIMIT
                form_field.validators.append(MaxLengthValidator(TEXT_LIMIT))
            if isinstance(form_field, forms.CharField) and form_field.max_length:
                label = str(form_field.label or name.replace("_", " ").capitalize())
                form_field.error_messages["max_length"] = (
                    f"{label} must be {form_field.max_length:,} characters or fewer "
                    "(it has %(show_value)s)"
                )

    # The state of a record, as the form's initial values -------------------------------

    def conflicted_names(self) -> list[str]:
        raw = self.data.get(self.add_prefix("conflicted"), "") if self.is_bound else ""
        return [name for name in raw.split(",") if name]

    def model_field_names(self) -> list[str]:
        names = {f.name for f in self._meta.model._meta.get_fields()}
        return [name for name in self.base_fields if name in names]

    def values_of(self, obj) -> dict:
        """The record's values for this form's fields, as initial values."""
        values = model_to_dict(obj, fields=self.model_field_names())
        values.update(self.extra_values(obj, at=None))
        return values

    def values_at(self, obj, version: int | None) -> dict | None:
        """The record's values as they stood at `version`, from its history (None: unknown)."""
        record = (
            obj.history.filter(version=version).order_by("-history_date", "-history_id").first()
            if version is not None
            else None
        )
        if record is None:
            return None
        later = obj.history.filter(version__gt=version).order_by("history_date").first()
        # Child rows saved with that version are dated just after the record itself.
        moment = (
            later.history_date - datetime.timedelta(microseconds=1) if later else timezone.now()
        )
        historical = record.instance
        m2m = {f.name: f for f in record._history_m2m_fields}
        plain = [name for name in self.model_field_names() if name not in m2m]
        values = model_to_dict(historical, fields=plain)
        for name in self.model_field_names():
            model_field = self._meta.model._meta.get_field(name)
            if model_field.many_to_many:
                if name in m2m:
                    target = get_m2m_reverse_field_name(m2m[name])
                    values[name] = [
                        getattr(row, f"{target}_id") for row in getattr(record, name).all()
                    ]
                else:
                    values.pop(name, None)
        values.update(self.extra_values(obj, at=moment))
        return values

    def fields_not_edited(self) -> list[str]:
        return [f.name for f in self._meta.model._meta.fields if f.name not in self.fields]

    def lock_first(self) -> None:
        """Lock what a save must hold before the record's own row, inside its transaction.

        A risk's form locks the open quarter, as closing the quarter does, so a save and a
        close never wait on each other in opposite orders. May raise ValidationError.
        """

    def extra_values(self, obj, *, at) -> dict:
        """Values of fields that are not the model's own (a trend, controls), now or `at`."""
        return {}

    # What this user changed, and merging it -------------------------------------------

    def edited_fields(self) -> list[str]:
        return [
            name
            for name in self.changed_data
            if name not in BOOKKEEPING and not name.startswith(RESOLVE_PREFIX)
        ]

    def resolutions(self) -> dict[str, str]:
        return {
            name: self.cleaned_data.get(RESOLVE_PREFIX + name, "")
            for name in self.conflicted_names()
        }

    def merge(self, name: str, base, theirs):
        """Both sides changed `name`: their values merged, or None if they cannot be.

        A single value cannot be merged; a list of parts (a risk's controls) may be.
        """
        return None

    def agrees(self, name: str, theirs) -> bool:
        """Whether this user's value for `name` is the value now stored."""
        return not self.fields[name].has_changed(theirs, self[name].data)

    def apply(self, obj, names: list[str]) -> None:
        """Copy this user's values of `names` onto `obj`, before it is saved."""
        model_names = set(self.model_field_names())
        construct_instance(self, obj, fields=[n for n in names if n in model_names])

    def save_related(self, obj, names: list[str]) -> None:
        """Save what is not a column of the record: many-to-many links, children."""
        for name in names:
            if name not in self.model_field_names():
                continue
            if self._meta.model._meta.get_field(name).many_to_many:
                getattr(obj, name).set(self.cleaned_data[name])

    def display(self, name: str, value) -> str:
        form_field = self.fields.get(name)
        if value in (None, "", []):
            return "(blank)"
        if isinstance(form_field, forms.ModelMultipleChoiceField):
            pks = [_comparable(item) for item in value]
            return "; ".join(str(obj) for obj in form_field.queryset.filter(pk__in=pks))
        if isinstance(form_field, forms.ModelChoiceField):
            if isinstance(value, models.Model):
                return str(value)
            return str(form_field.queryset.filter(pk=value).first() or value)
        if isinstance(value, datetime.date):
            return value.strftime("%-d %B %Y")
        if isinstance(form_field, forms.NullBooleanField | forms.BooleanField):
            return {True: "Yes", False: "No"}.get(value, "Not known")
        if isinstance(form_field, forms.ChoiceField):
            return str(dict(form_field.choices).get(value, value))
        return str(value)

    def is_rich(self, name: str) -> bool:
        return getattr(self.fields.get(name), "rich", False)

    def changed_by(self, obj, name: str) -> tuple[str, datetime.datetime | None]:
        """Who last saved the record since this form was opened, and when."""
        record = (
            obj.history.filter(version__gt=self.opened_version or 0)
            .select_related("history_user")
            .order_by("-history_date")
            .first()
        )
        if record is None:
            return "someone else", None
        user = record.history_user
        who = (user.get_full_name() or user.get_username()) if user else "someone else"
        return who, record.history_date

    def conflict(self, obj, name: str, theirs: dict) -> Conflict:
        who, when = self.changed_by(obj, name)
        return Conflict(
            name=name,
            label=self.field_label(name),
            theirs=self.display(name, theirs.get(name)),
            mine=self.display(name, self.cleaned_data.get(name)),
            who=who,
            when=when,
            rich=self.is_rich(name),
        )

    def rebased(self, obj, theirs: dict, mine: list[str], conflicts: list[Conflict]):
        """A fresh form at the record's version now: its values, with this user's changes."""
        initial = dict(theirs)
        for name in mine + [c.name for c in conflicts]:
            initial[name] = self.cleaned_data[name]
        for name in self.fields:  # what belongs to this save only, such as its reason
            if name not in initial and name not in BOOKKEEPING and name in self.cleaned_data:
                initial[name] = self.cleaned_data[name]
        initial["conflicted"] = ",".join(c.name for c in conflicts)
        form = type(self)(instance=obj, initial=initial, prefix=self.prefix, **self.extra_kwargs)
        form.conflicts = conflicts
        for conflict in conflicts:
            form.add_resolution(conflict.name)
        return form

    # For templates -----------------------------------------------------------------------

    @property
    def has_problems(self) -> bool:
        return bool(self.conflicts) or (self.is_bound and bool(self.errors))

    def shown_conflicts(self) -> list[Conflict]:
        """Conflicts to show: the ones just found, or those still waiting for a choice."""
        if self.conflicts or not self.is_bound or not self.conflicted_names():
            return self.conflicts
        obj = type(self.instance)._base_manager.get(pk=self.instance.pk)
        theirs = self.values_of(obj)
        shown = []
        for name in self.conflicted_names():
            if name in self.fields or name in self.pseudo_fields:
                who, when = self.changed_by(obj, name)
                mine = self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None
                shown.append(
                    Conflict(
                        name,
                        self.field_label(name),
                        self.display(name, theirs.get(name)),
                        self.display(name, mine),
                        who,
                        when,
                        self.is_rich(name),
                    )
                )
        return shown

    def problems(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary, in the order of the fields."""
        found = [("", str(error)) for error in self.non_field_errors()]
        for bound in self:
            if bound.name.startswith(RESOLVE_PREFIX):
                continue
            for error in bound.errors:
                found.append((bound.id_for_label, str(error)))
        for name in self.conflicted_names():
            resolve = RESOLVE_PREFIX + name
            if resolve in self.fields:
                for error in self[resolve].errors:
                    found.append((self.anchor(name), str(error)))
        return found


class WithdrawForm(forms.Form):
    """Why a record entered in error is withdrawn: the reason goes into its history."""

    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, what: str = "it", example: str = "", **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        reason.label = f"Why is {what} being withdrawn?"
        reason.help_text = f'For example "{example}".' if example else ""
        reason.error_messages["required"] = f"Give the reason for withdrawing {what}"


def save_edit(form: EditForm, *, reason: str = "") -> Outcome:
    """Save a valid edit form: create the record, or merge this user's changes into it.

    Runs inside one transaction with the record's row locked, so two saves of the same
    record queue; the second is merged against the first (see the module's docstring).
    """
    try:
        if form.instance.pk is None:
            return _create(form, reason)
        return _merge_and_save(form, reason)
    except forms.ValidationError as error:  # refused by a rule checked under the lock
        _add_model_errors(form, error)
        return Outcome("invalid", form)


def _merge_and_save(form: EditForm, reason: str) -> Outcome:
    model = type(form.instance)
    with transaction.atomic():
        form.lock_first()
        current = model._base_manager.select_for_update().get(pk=form.instance.pk)
        theirs = form.values_of(current)
        stale = form.opened_version != current.version
        base = None
        if stale:
            base = (
                form.base_values
                if form.base_values is not None
                else form.values_at(current, form.opened_version)
            )
        choices = form.resolutions()
        apply, conflicts = [], []
        for name in form.edited_fields():
            choice = choices.get(name)
            if choice == "theirs":
                continue
            if choice == "mine" or not stale:
                apply.append(name)
            elif base is not None and _comparable(base.get(name)) == _comparable(theirs.get(name)):
                apply.append(name)  # only this user changed it
            elif not form.agrees(name, theirs.get(name)):
                merged = form.merge(name, base.get(name), theirs.get(name)) if base else None
                if merged is None:
                    conflicts.append(form.conflict(current, name, theirs))
                else:
                    form.cleaned_data[name] = merged
                    apply.append(name)
        if conflicts:
            return Outcome("conflict", form.rebased(current, theirs, apply, conflicts))
        if not apply:
            return Outcome("unchanged", form)
        form.apply(current, apply)
        try:
            # As a ModelForm does, leave out fields the form does not edit: a record may
            # lack a value there (an update with no recorded author) without being invalid.
            current.full_clean(exclude=form.fields_not_edited())
        except forms.ValidationError as error:
            _add_model_errors(form, error)
            return Outcome("invalid", form)
        current.version += 1
        if reason:
            current._change_reason = reason
        try:
            with transaction.atomic():
                current.save()
                form.save_related(current, apply)
        except IntegrityError:
            form.add_error(
                None, "Someone else saved the same details just now; check them and save again."
            )
            return Outcome("invalid", form)
        form.instance = current
        return Outcome("saved", form)


def _create(form: EditForm, reason: str) -> Outcome:
    try:
        with transaction.atomic():
            form.lock_first()
            obj = form.save(commit=False)
            if reason:
                obj._change_reason = reason
            obj.save()
            form.save_related(obj, form.edited_fields())
    except IntegrityError:
        # Two people created the same record at the same moment: the second is told.
        form.add_error(
            None,
            f"This {form._meta.model._meta.verbose_name} was created by someone else just now. "
            "Open it from the list to see it; nothing you typed has been saved.",
        )
        return Outcome("invalid", form)
    return Outcome("saved", form)


def _add_model_errors(form: EditForm, error: forms.ValidationError) -> None:
    messages = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for name, texts in messages.items():
        target = name if name in form.fields else None
        for text in texts:
            form.add_error(target, text)
