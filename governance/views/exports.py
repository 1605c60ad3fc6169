"""Downloads of the governance tables, as the reader sees them (live, or as published).

Each download checks the permission its page checks and reads through
`governance.publication.reading_for`, with the same table function as the page, so PCC
staff download the records as at the latest publication, never live ones.
"""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.http import require_safe

from basics.spreadsheet import download

from ..exports import cipfa_sheet, delivery_sheet, inspections_sheet, recommendations_sheet
from ..models import GovernanceReview, Inspection, PoliceAndCrimePlan
from ..publication import reading_for
from ..services import principles_with, split_peel
from ..tables import delivery_table, recommendation_table


@require_safe
@permission_required("governance.view_governancereview", raise_exception=True)
def cipfa_export(request: HttpRequest, year: str, fmt: str):
    reading = reading_for(request.user)
    review = reading.get(GovernanceReview, year=year.replace("-", "/"))
    table = cipfa_sheet(review, principles_with(review, reading))
    return download(table, fmt, f"governance dashboard {review.year}")


@require_safe
@permission_required("governance.view_inspection", raise_exception=True)
def inspections_export(request: HttpRequest, fmt: str):
    listed, peel = split_peel(list(reading_for(request.user).records(Inspection)))
    table = inspections_sheet(listed + peel, timezone.localdate())
    return download(table, fmt, "hmic inspections")


@require_safe
@permission_required("governance.view_recommendation", raise_exception=True)
def recommendations_export(request: HttpRequest, fmt: str):
    table = recommendation_table(request.user, reading_for(request.user), request.GET)
    return download(
        recommendations_sheet(table.rows(), timezone.localdate()), fmt, "hmic recommendations"
    )


@require_safe
@permission_required("governance.view_commitment", raise_exception=True)
def delivery_export(request: HttpRequest, pk: int, fmt: str):
    reading = reading_for(request.user)
    plan = reading.get(PoliceAndCrimePlan, pk=pk)
    table = delivery_sheet(delivery_table(plan, reading, request.GET))
    return download(table, fmt, f"delivery plan {table.title}")
