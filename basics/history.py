"""History for the UI: who changed a record, when, and each field's old and new value."""

from dataclasses import dataclass, field
from datetime import datetime

from .richtext import html_to_text


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    action: str  # "Created", "Changed", "Deleted"
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


_ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def _display(model, name: str, value, related: dict) -> str:
    if value is None or value == "":
        return "(blank)"
    try:
        model_field = model._meta.get_field(name)
    except Exception:
        return str(value)
    if model_field.many_to_many and isinstance(value, list):
        # simple-history gives a many-to-many value as through rows: {"owner": pk, "target": pk}.
        target = model_field.related_model
        pks = [row.get(target._meta.model_name) for row in value]
        return "; ".join(str(obj) for obj in target._default_manager.filter(pk__in=pks)) or "(none)"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        # A long history names the same band or user again and again: look each up once.
        key = (model_field.related_model, value)
        if key not in related:
            found = model_field.related_model._default_manager.filter(pk=value).first()
            related[key] = str(found) if found else f"#{value} (deleted)"
        return related[key]
    if isinstance(value, str) and "<" in value:
        # Rich text, shown as the officer writes it: paragraphs and bullets kept.
        return html_to_text(value)
    return str(value)


def history_entries(
    records, *, exclude: tuple[str, ...] = ("version",), subject=None
) -> list[HistoryEntry]:
    """Entries newest first for a history queryset (`obj.history.all()`).

    Each record is compared with the previous record of the same object, so one queryset
    may hold the history of several objects (a risk's controls). `subject(record)`, if
    given, names the object in each field label ("Control 2: Text"). It costs one query
    for the records, and one for each distinct related record a change names.
    """
    related: dict = {}
    records = list(records.select_related("history_user").order_by("history_date", "history_id"))
    last_seen: dict = {}
    entries = []
    for record in records:
        model = record.instance_type
        key = getattr(record, model._meta.pk.attname)
        previous = last_seen.get(key)
        last_seen[key] = record
        user = record.history_user
        entry = HistoryEntry(
            when=record.history_date,
            who=(user.get_full_name() or user.get_username()) if user else "system",
            action=_ACTIONS.get(record.history_type, record.history_type),
            reason=record.history_change_reason or "",
        )
        prefix = f"{subject(record)}: " if subject else ""
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, excluded_fields=list(exclude))
            for change in delta.changes:
                label = str(model._meta.get_field(change.field).verbose_name)
                entry.changes.append(
                    FieldChange(
                        prefix + label.capitalize(),
                        _display(model, change.field, change.old, related),
                        _display(model, change.field, change.new, related),
                    )
                )
            if not entry.changes and not entry.reason:
                continue
        elif subject:
            entry.action = f"{prefix}{entry.action.lower()}"
        entries.append(entry)
    entries.reverse()
    return entries


def merged_history(*entry_lists: list[HistoryEntry]) -> list[HistoryEntry]:
    """Several records' entries as one list, newest first."""
    merged = [entry for entries in entry_lists for entry in entries]
    return sorted(merged, key=lambda entry: entry.when, reverse=True)
