"""Closing a quarter: the register's data (registers) and its published pack (riskreg)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from governance.publication import publish
from registers import services
from registers.forms import CloseQuarterForm
from registers.models import PeriodClosedError
from registers.views import get_period_for_user

from .forms import PackOptionsForm
from .models import PackOptions
from .packs import build_stored_packs


@permission_required("registers.close_period", raise_exception=True)
@require_http_methods(["GET", "POST"])
def close_quarter(request: HttpRequest, slug: str, year: int, quarter: int) -> HttpResponse:
    period = get_period_for_user(request.user, slug, year, quarter)
    if period.is_closed:
        messages.error(request, f"{period.label} is already closed; its register cannot change.")
        return redirect(period)
    proposals = services.close_proposals(period)
    form = CloseQuarterForm(request.POST or None, proposals=proposals)
    options = PackOptions.objects.filter(period=period).first() or PackOptions(period=period)
    pack_form = PackOptionsForm(request.POST or None, instance=options, prefix="pack")
    if request.method == "POST" and form.is_valid() and pack_form.is_valid():
        try:
            # One step: the pack's cover, the register and the governance records are
            # published together, or none of them is.
            with transaction.atomic():
                pack_form.save()
                services.close_quarter(period=period, user=request.user, overrides=form.overrides())
                publish(period=period, user=request.user)
        except PeriodClosedError as error:  # closed by someone else meanwhile
            messages.error(request, error.message)
            return redirect(period)
        build_stored_packs(period=period)
        messages.success(
            request, f"{period.label} is closed and its register and governance are published."
        )
        return redirect(period)
    context = {"register": period.register, "period": period, "form": form, "pack_form": pack_form}
    return render(request, "riskreg/close_quarter.html", context)
