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


def attach_linked_risks(user, records: list) -> list:
    """`with_linked_risks` for records already fetched (live, or read as at a publication):
    gives each `shown_risks` and `linked_risk_count`. Links carry no history, so they are
    read live. Two queries at most, whatever the number of records."""
    if not records:
        return records
    field = type(records[0])._meta.get_field("risks")
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    links = list(
        through.objects.filter(**{f"{source}__in": [r.pk for r in records]}).values_list(
            f"{source}_id", f"{target}_id"
        )
    )
    linked: dict = {}
    for record_id, risk_id in links:
        linked.setdefault(record_id, []).append(risk_id)
    shown: dict = {}
    if can_see_live(user) and links:
        risks = visible_risks(user).filter(pk__in={risk_id for _, risk_id in links})
        risks = risks.select_related("register").order_by("register", "reference")
        shown = {risk.pk: risk for risk in risks}
    for record in records:
        ids = linked.get(record.pk, [])
        setattr(record, SHOWN, [risk for pk, risk in shown.items() if pk in ids])
        record.linked_risk_count = len(set(ids))
    return records
