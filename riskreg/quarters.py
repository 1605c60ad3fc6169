"""Closing a quarter: the register's data (registers) and its published pack (riskreg)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from registers import services
from registers.access import get_period_for_user
from registers.forms import CloseQuarterForm
from registers.models import PeriodClosedError

from .audit import record_event
from .models import AuditEvent
from .packs import request_pack_build


@permission_required("registers.close_period", raise_exception=True)
@require_http_methods(["GET", "POST"])
def close_quarter(request: HttpRequest, slug: str, year: int, quarter: int) -> HttpResponse:
    period = get_period_for_user(request.user, slug, year, quarter)
    if period.is_closed:
        messages.error(request, f"{period.label} is already closed; its register cannot change.")
        return redirect(period)
    proposals = services.close_proposals(period)
    form = CloseQuarterForm(request.POST or None, proposals=proposals)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_quarter(period=period, user=request.user, overrides=form.overrides())
        except PeriodClosedError as error:  # closed by someone else meanwhile
            messages.error(request, error.message)
            return redirect(period)
        record_event(kind=AuditEvent.Kind.QUARTER_CLOSED, request=request, detail=str(period))
        # Committed: the task worker builds the pack from the quarter as it now stands.
        request_pack_build(period=period)
        messages.success(
            request,
            f"{period.label} is closed and its register is published. "
            "Its pack is being built; it appears on the Packs page when it is ready.",
        )
        return redirect(period)
    return render(
        request,
        "riskreg/close_quarter.html",
        {"register": period.register, "period": period, "form": form},
    )
