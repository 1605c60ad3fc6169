"""What of governance a user may see: the live risks that governance records link to.

HMIC recommendations and strategic-assessment topics are linked to risks of the live
register. Those links are shown only to users who may see the live register
(`registers.access.can_see_live`); everyone else is told how many there are. Views fetch
through these helpers, so a template loops over what it is given and hides nothing.
"""

from django.db.models import Count, Prefetch, QuerySet

from registers.access import can_see_live, visible_risks

# The attribute `with_linked_risks` gives each record: the linked risks this user may see.
SHOWN = "shown_risks"


def with_linked_risks(user, records: QuerySet) -> QuerySet:
    """`records` (recommendations or topics) with their linked risks scoped to `user`.

    Each record gets `shown_risks` (a list: the risks `user` may see, in the register's
    order) and `linked_risk_count` (how many are linked in all). Two queries, whatever the
    number of records.
    """
    risks = visible_risks(user).select_related("register").order_by("register", "reference")
    # A count groups the rows, and Django then drops the model's default ordering: keep it.
    ordering = records.query.order_by or records.model._meta.ordering
    return (
        records.annotate(linked_risk_count=Count("risks", distinct=True))
        .order_by(*ordering)
        .prefetch_related(Prefetch("risks", queryset=risks, to_attr=SHOWN))
    )


def history_hidden_fields(user) -> tuple[str, ...]:
    """Fields left out of a recommendation's or topic's history for `user`: its linked
    risks, unless they may see the live register."""
    return ("version",) if can_see_live(user) else ("version", "risks")
