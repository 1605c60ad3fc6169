"""The register table of a quarter as its page filters it: one definition for the page
(which shows it a page at a time) and for its download (every row)."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.html import strip_tags
from django.utils.text import Truncator

from basics.history import HistoryEntry, history_entries, merged_history

from . import services
from .filters import (
    EXTRA_COLUMNS,
    ColumnsForm,
    LiveRegisterFilter,
    PublishedRegisterFilter,
    RegisterFilter,
    register_order,
)
from .models import Control, QuarterlySnapshot, ReportingPeriod, Risk
from .quarter import working_register


@dataclass
class RegisterTable:
    period: ReportingPeriod
    filterset: RegisterFilter
    queryset: QuerySet  # filtered, in the register's order
    columns_form: ColumnsForm

    def rows(self, objects=None) -> list[services.RegisterRow]:
        """The rows of `objects` (a page of `queryset`), or of every filtered row, each with
        the values of the extra columns chosen (`row.extra`)."""
        objects = self.queryset if objects is None else objects
        if self.period.is_closed:
            rows = services.published_rows(self.period, objects)
        else:
            rows = services.live_rows(self.period, objects)
        columns = self.columns
        for row in rows:
            row.extra = [row.value_of(key) for key in columns]
        return rows

    @property
    def columns(self) -> list[str]:
        return self.columns_form.chosen()

    @property
    def extra_headers(self) -> list[str]:
        headers = dict(EXTRA_COLUMNS)
        return [headers[key] for key in self.columns]

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
    columns_form = ColumnsForm(data, auto_id="id_%s")
    return RegisterTable(period, filterset, register_order(filterset.qs), columns_form)


def risk_quarters(risk: Risk) -> QuerySet[QuarterlySnapshot]:
    """A risk's row in each quarter, newest first: its page's "Trend and rating" table."""
    return risk.snapshots.select_related("period", "band").order_by(
        "-period__year", "-period__quarter"
    )


def risk_history(risk: Risk) -> list[HistoryEntry]:
    """A risk's history with its controls' and its quarterly rows', newest first."""
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
    )
