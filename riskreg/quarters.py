"""Closing a quarter: the register's data (registers) and its published pack (riskreg)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from editing.forms import save_edit
from governance.publication import publish
from registers import services
from registers.access import get_period_for_user
from registers.forms import CloseQuarterForm
from registers.models import PeriodClosedError

from .audit import record_event
from .forms import PackOptionsForm
from .models import AuditEvent, PackOptions
from .packs import request_published_packs


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
                saved = save_edit(pack_form)
                if not saved.done:
                    raise _OptionsRefused(saved.form)
                services.close_quarter(period=period, user=request.user, overrides=form.overrides())
                publish(period=period, user=request.user)
        except PeriodClosedError as error:  # closed by someone else meanwhile
            messages.error(request, error.message)
            return redirect(period)
        except _OptionsRefused as refused:  # nothing closed: the page says why
            pack_form = refused.form
            return _page(request, period, form, pack_form, status=400)
        record_event(kind=AuditEvent.Kind.QUARTER_CLOSED, request=request, detail=str(period))
        # Committed: the task worker builds both packs (full and public) from the quarter
        # as it now stands.
        request_published_packs(period=period)
        messages.success(
            request,
            f"{period.label} is closed and its register and governance are published. "
            "Its packs are being built; they appear on the Packs page when they are ready.",
        )
        return redirect(period)
    return _page(request, period, form, pack_form)


class _OptionsRefused(Exception):
    """The pack's options could not be saved: the close is rolled back."""

    def __init__(self, form):
        super().__init__("pack options not saved")
        self.form = form


def _page(request, period, form, pack_form, status: int = 200) -> HttpResponse:
    context = {"register": period.register, "period": period, "form": form, "pack_form": pack_form}
    return render(request, "riskreg/close_quarter.html", context, status=status)
