"""Closing a quarter: the register's data (registers) and its published pack (riskreg).

Where the register asks for sign-off, closing is two steps: a risk officer submits the
quarter (close_quarter: the trends and the pack's options are fixed then), and a chief
officer approves it, which closes and publishes it, or returns it with a comment (sign_off).
"""

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
from registers.forms import CloseQuarterForm, SignOffForm
from registers.models import PeriodClosedError
from registers.quarter import quarter_picture

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
    if period.pending_sign_off() is not None:
        messages.info(request, f"{period.label} is awaiting a chief officer's sign-off.")
        return redirect(period)
    sign_off = period.register.requires_sign_off
    proposals = services.close_proposals(period)
    form = CloseQuarterForm(request.POST or None, proposals=proposals, sign_off=sign_off)
    options = PackOptions.objects.filter(period=period).first() or PackOptions(period=period)
    pack_form = PackOptionsForm(request.POST or None, instance=options, prefix="pack")
    if request.method == "POST" and form.is_valid() and pack_form.is_valid():
        try:
            # One step: the pack's cover, the register and the governance records are
            # published together, or none of them is (or, with sign-off, submitted).
            with transaction.atomic():
                saved = save_edit(pack_form)
                if not saved.done:
                    raise _OptionsRefused(saved.form)
                if sign_off:
                    services.submit_for_sign_off(
                        period=period, user=request.user, overrides=form.overrides()
                    )
                else:
                    _close_and_publish(period=period, user=request.user, overrides=form.overrides())
        except PeriodClosedError as error:  # closed or submitted by someone else meanwhile
            messages.error(request, error.message)
            return redirect(period)
        except _OptionsRefused as refused:  # nothing closed: the page says why
            pack_form = refused.form
            return _page(request, period, form, pack_form, status=400)
        if sign_off:
            messages.success(
                request,
                f"{period.label} is submitted for sign-off. Nothing on its register can change "
                "until a chief officer approves it or returns it.",
            )
        else:
            _published(request, period)
        return redirect(period)
    return _page(request, period, form, pack_form)


def _close_and_publish(*, period, user, overrides) -> None:
    services.close_quarter(period=period, user=user, overrides=overrides)
    publish(period=period, user=user)


def _published(request: HttpRequest, period) -> None:
    record_event(kind=AuditEvent.Kind.QUARTER_CLOSED, request=request, detail=str(period))
    # Committed: the task worker builds both packs (full and public) from the quarter
    # as it now stands.
    request_published_packs(period=period)
    messages.success(
        request,
        f"{period.label} is closed and its register and governance are published. "
        "Its packs are being built; they appear on the Packs page when they are ready.",
    )


@permission_required("registers.sign_off_period", raise_exception=True)
@require_http_methods(["GET", "POST"])
def sign_off(request: HttpRequest, slug: str, year: int, quarter: int) -> HttpResponse:
    """A chief officer reads the quarter as it will be published, then approves or returns it."""
    period = get_period_for_user(request.user, slug, year, quarter)
    pending = None if period.is_closed else period.pending_sign_off()
    if pending is None:
        messages.error(request, f"{period.label} is not awaiting sign-off.")
        return redirect(period)
    form = SignOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            with transaction.atomic():
                if approve:
                    services.approve_sign_off(period=period, user=request.user)
                    publish(period=period, user=request.user)
                else:
                    services.return_sign_off(
                        period=period, user=request.user, comment=form.cleaned_data["comment"]
                    )
        except PeriodClosedError as error:  # decided by someone else meanwhile
            messages.error(request, error.message)
            return redirect(period)
        if approve:
            _published(request, period)
        else:
            messages.success(
                request, f"{period.label} is returned to the risk officers with your comment."
            )
        return redirect(period)
    rows = quarter_picture(period).rows()
    for row in rows:  # this quarter's trend as it was fixed at submission
        if str(row.risk_id) in pending.trends:
            row.trends[-1] = services.TrendCell(pending.trends[str(row.risk_id)])
    context = {
        "register": period.register,
        "period": period,
        "pending": pending,
        "rows": rows,
        "trend_labels": services.trend_labels(period),
        "form": form,
    }
    return render(request, "riskreg/sign_off.html", context)


class _OptionsRefused(Exception):
    """The pack's options could not be saved: the close is rolled back."""

    def __init__(self, form):
        super().__init__("pack options not saved")
        self.form = form


def _returned(period):
    """The quarter's last submission, if a chief officer returned it: its comment is shown."""
    latest = period.sign_offs.select_related("decided_by").last()
    return latest if latest is not None and latest.decision == "returned" else None


def _page(request, period, form, pack_form, status: int = 200) -> HttpResponse:
    context = {
        "register": period.register,
        "period": period,
        "form": form,
        "pack_form": pack_form,
        "sign_off": period.register.requires_sign_off,
        "returned": _returned(period),
    }
    return render(request, "riskreg/close_quarter.html", context, status=status)
