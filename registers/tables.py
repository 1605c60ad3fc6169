"""The register table of a quarter as its page filters it: one definition for the page
(which shows it a page at a time) and for its download (every row)."""

from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.utils.html import strip_tags
from django.utils.text import Truncator

from basics.history import HistoryEntry, history_entries, merged_history

from . import services
from .access import visible_actions
from .filters import (
    ActionFilter,
    ColumnsForm,
    LiveRegisterFilter,
    PublishedRegisterFilter,
    RegisterFilter,
    register_order,
)
from .models import Action, Control, QuarterlySnapshot, Register, ReportingPeriod, Review, Risk
from .quarter import working_register


@dataclass
class RegisterTable:
    period: ReportingPeriod
    filterset: RegisterFilter
    queryset: QuerySet  # filtered, in the register's order
    columns_form: ColumnsForm

    def rows(
        self, objects=None, *, count_actions: bool | None = None
    ) -> list[services.RegisterRow]:
        """The rows of `objects` (a page of `queryset`), or of every filtered row.
        `count_actions`: count the open quarter's open actions (a closed quarter's are
        frozen); by default, when the "Open actions" column is chosen."""
        objects = self.queryset if objects is None else objects
        if self.period.is_closed:
            return services.published_rows(self.period, objects)
        if count_actions is None:
            count_actions = "open_actions" in self.columns
        return services.live_rows(self.period, objects, count_actions=count_actions)

    @property
    def columns(self) -> list[str]:
        """The optional columns chosen (services.OPTIONAL_COLUMNS), in the table's order."""
        return self.columns_form.chosen()

    @property
    def trend_labels(self) -> list[str]:
        return services.trend_labels(self.period)


def register_table(period: ReportingPeriod, data=None) -> RegisterTable:
    """`period`'s register filtered by `data` (the page's GET filters and column choice, or
    None): a closed quarter from its frozen snapshots, the open one from the live risks
    with their trend."""
    if period.is_closed:
        queryset = QuarterlySnapshot.objects.filter(period=period)
        filterset = PublishedRegisterFilter(data, queryset, period=period)
    else:
        queryset = services.with_trend(working_register(period), period)
        filterset = LiveRegisterFilter(data, queryset, period=period)
    columns_form = ColumnsForm(data, choices=services.OPTIONAL_COLUMNS)
    return RegisterTable(period, filterset, register_order(filterset.qs), columns_form)


def risk_quarters(risk: Risk) -> QuerySet[QuarterlySnapshot]:
    """A risk's row in each quarter, newest first: its page's "Trend and rating" table."""
    return risk.snapshots.select_related("period", "band").order_by(
        "-period__year", "-period__quarter"
    )


def risk_history(risk: Risk) -> list[HistoryEntry]:
    """A risk's history with its controls', quarterly rows', actions' and reviews', newest
    first: its page's "History" table."""
    return merged_history(
        history_entries(risk.history.all()),
        history_entries(
            Control.history.filter(risk_id=risk.pk),
            subject=lambda record: (
                f"Control {record.position} ({Truncator(strip_tags(record.text)).words(6)})"
            ),
        ),
        history_entries(
            QuarterlySnapshot.history.filter(risk_id=risk.pk).select_related("period"),
            subject=lambda record: f"{record.period.label} snapshot",
        ),
        history_entries(
            Action.history.filter(risk_id=risk.pk),
            subject=lambda record: f"Action: {Truncator(record.text).words(8)}",
        ),
        history_entries(
            Review.history.filter(risk_id=risk.pk),
            subject=lambda record: f"Review of {record.reviewed_on:%d %b %Y}",
        ),
    )


@dataclass
class ActionTable:
    filterset: ActionFilter
    queryset: QuerySet[Action]  # filtered, in the page's order: by target date, then risk


def action_table(user, register: Register, data, *, today) -> ActionTable:
    """The register's actions this user may see, filtered by `data` (the page's GET
    filters): one definition for the actions page and its download."""
    actions = visible_actions(user).filter(risk__register=register)
    filterset = ActionFilter(data or None, actions, today=today)
    ordered = filterset.qs.select_related("risk__register", "owner").order_by(
        F("target_date").asc(nulls_last=True), "risk__reference", "pk"
    )
    return ActionTable(filterset, ordered)


def risk_actions(risk: Risk) -> QuerySet[Action]:
    """A risk's actions as its page lists them, with their owners and date moves."""
    return risk.actions.select_related("owner").prefetch_related("date_moves")


def risk_reviews(risk: Risk) -> QuerySet[Review]:
    """A risk's reviews, newest first, as its page lists them."""
    return risk.reviews.select_related("reviewer")
