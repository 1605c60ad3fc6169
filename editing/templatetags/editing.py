"""Template tags that render every edit form the one way: `{% edit_fields form %}`,
`{% edit_field form.name %}` and `{% error_summary form formset %}`."""

from django import forms, template

from ..fields import DateInputs
from ..forms import RESOLVE_PREFIX

register = template.Library()


def _conflicts(form) -> list:
    if not hasattr(form, "shown_conflicts"):
        return []
    if not hasattr(form, "_shown_conflicts"):
        form._shown_conflicts = form.shown_conflicts()
    return form._shown_conflicts


def _kind(widget) -> str:
    if isinstance(widget, DateInputs):
        return "date"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    return "input"


@register.inclusion_tag("editing/field.html")
def edit_field(field, label: str = "", number=None, suffix: str = ""):
    """One field with its label, hint, errors, character count and any conflict.

    `label` replaces the field's label; `number` and `suffix` are added to it
    ("Control or activity 2 (new)").
    """
    label = " ".join(str(part) for part in (label or field.label, number, suffix) if part)
    form = field.form
    kind = _kind(field.field.widget)
    limit = getattr(field.field, "text_limit", None) or (
        field.field.max_length if kind == "textarea" else None
    )
    auto_id = field.auto_id
    described = []
    if field.help_text:
        described.append(f"{auto_id}_helptext")
    if field.errors:
        described.append(f"{auto_id}-error")
    if limit:
        described.append(f"{auto_id}-info")
    conflict = next((c for c in _conflicts(form) if c.name == field.name), None)
    resolve = form[RESOLVE_PREFIX + field.name] if conflict else None
    grouped = kind in ("date", "checkboxes", "radios")
    attrs = {}
    if described and not grouped:
        attrs["aria-describedby"] = " ".join(described)
    if kind == "textarea" and limit:
        attrs["data-maxlength"] = limit
    return {
        "field": field,
        "label": label,
        "kind": kind,
        "grouped": grouped,
        # A box that is optional by its nature (an empty control row) says nothing.
        "optional": not field.field.required
        and kind != "checkbox"
        and not getattr(field.field, "plainly_optional", False),
        "limit": f"{limit:,}" if limit else "",
        "describedby": " ".join(described),
        "widget": field.as_widget(attrs=attrs),
        "conflict": conflict,
        "resolve": resolve,
        "anchor": form.anchor(field.name) if hasattr(form, "anchor") else "",
    }


@register.inclusion_tag("editing/fields.html")
def edit_fields(form, *names):
    """Every visible field of `form` (or the named ones), then its hidden fields."""
    if names:
        named = [form[name] for name in names]
        return {
            "fields": [bound for bound in named if not bound.is_hidden],
            "hidden": [bound for bound in named if bound.is_hidden],
        }
    shown = [b for b in form.visible_fields() if not b.name.startswith(RESOLVE_PREFIX)]
    return {"fields": shown, "hidden": form.hidden_fields()}


@register.inclusion_tag("editing/conflict.html")
def conflict_panel(form, name: str):
    """The conflict panel of a value edited beside the form's fields (a risk's controls)."""
    conflict = next((c for c in _conflicts(form) if c.name == name), None)
    resolve = form[RESOLVE_PREFIX + name] if conflict else None
    return {"conflict": conflict, "resolve": resolve, "anchor": form.anchor(name)}


@register.inclusion_tag("editing/error_summary.html")
def error_summary(form, *formsets):
    """The GOV.UK error summary: every problem, each linked to its field."""
    problems = []
    for conflict in _conflicts(form):
        problems.append(
            (
                form.anchor(conflict.name),
                f"{conflict.who} changed {conflict.label.lower()} while you were editing: "
                "choose which value to keep",
            )
        )
    if hasattr(form, "problems"):
        problems += [p for p in form.problems() if p not in problems]
    elif form.is_bound:
        problems += [("", str(e)) for e in form.non_field_errors()]
        problems += [(form[name].id_for_label, str(e)) for name in form.errors for e in
                     form.errors[name] if name in form.fields]  # fmt: skip
    for formset in formsets:
        if formset is None or not formset.is_bound:
            continue
        problems += [("", str(error)) for error in formset.non_form_errors()]
        for number, subform in enumerate(formset.forms, start=1):
            for bound in subform:
                for error in bound.errors:
                    problems.append((bound.id_for_label, f"{formset.item_label} {number}: {error}"))
    return {"problems": problems}
