from django import template

register = template.Library()


@register.filter
def overdue_on(action, today) -> bool:
    """`{% if action|overdue_on:today %}`: the model's one rule (Action.is_overdue)."""
    return action.is_overdue(today)
