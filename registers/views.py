from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from editing.forms import WithdrawForm, save_edit

from .access import (
    can_see_live,
    get_period_for_user,
    get_risk_for_user,
    period_shown_first,
    visible_periods,
)
from .forms import RiskForm
from .models import Register, Risk
from .panels import risk_panels
from .quarter import quarter_picture
from .tables import register_table, risk_history, risk_quarters

ROWS_PER_PAGE = 50


@require_safe
@permission_required("registers.view_risk", raise_exception=True)
def register_list(request: HttpRequest) -> HttpResponse:
    periods = visible_periods(request.user)
    registers = Register.objects.prefetch_related(Prefetch("periods", queryset=periods))
    return render(request, "registers/register_list.html", {"registers": registers})


@require_safe
@permission_required("registers.view_risk", raise_exception=True)
def register_detail(request: HttpRequest, slug: str) -> HttpResponse:
    register = get_object_or_404(Register, slug=slug)
    period = period_shown_first(request.user, register)
    if period is None:
        raise Http404("This register has no quarter to show yet.")
    return redirect(period)


@require_safe
@permission_required("registers.view_risk", raise_exception=True)
def register_period(request: HttpRequest, slug: str, year: int, quarter: int) -> HttpResponse:
    period = get_period_for_user(request.user, slug, year, quarter)
    table = register_table(period, request.GET or None)
    page = Paginator(table.queryset, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = table.rows(page.object_list)
    periods = visible_periods(request.user, period.register)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registers/register_period.html",
        {
            "register": period.register,
            "period": period,
            "periods": periods,
            "filter": table.filterset,
            "page": page,
            "rows": rows,
            "trend_labels": table.trend_labels,
            "extra_headers": table.extra_headers,
            "columns_form": table.columns_form,
            "query": query.urlencode(),
            # The risk pages are live data: linked only for those who may open them.
            "link_risks": can_see_live(request.user),
            **_sign_off_context(request.user, period),
        },
    )


def _sign_off_context(user, period) -> dict:
    """The quarter's sign-off rounds for officers (who submitted, who decided, the comments);
    readers of the published quarter see only who approved it."""
    if not can_see_live(user):
        return {"approval": period.approval() if period.is_closed else None}
    rounds = list(period.sign_offs.select_related("submitted_by", "decided_by"))
    return {
        "sign_offs": rounds,
        "pending_sign_off": next((r for r in rounds if r.is_pending), None),
        "approval": next((r for r in reversed(rounds) if r.decision == "approved"), None),
    }


@require_safe
@permission_required("registers.view_risk", raise_exception=True)
def risk_detail(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    risk = get_risk_for_user(request.user, slug, reference)
    return render(
        request,
        "registers/risk_detail.html",
        {
            "risk": risk,
            "register": risk.register,
            "controls": risk.controls.all(),
            "snapshots": risk_quarters(risk),
            "open_period": risk.register.open_period(),
            "entries": risk_history(risk),
            "panels": risk_panels(request, risk),
        },
    )


@permission_required("registers.add_risk", raise_exception=True)
@require_http_methods(["GET", "POST"])
def risk_create(request: HttpRequest, slug: str) -> HttpResponse:
    register = get_object_or_404(Register.objects.select_related("rating_scale"), slug=slug)
    return _edit_risk(request, register, Risk(register=register))


@permission_required("registers.change_risk", raise_exception=True)
@require_http_methods(["GET", "POST"])
def risk_edit(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    risk = get_risk_for_user(request.user, slug, reference)
    return _edit_risk(request, risk.register, risk)


def _edit_risk(request: HttpRequest, register: Register, risk: Risk) -> HttpResponse:
    is_new = risk.pk is None
    form = RiskForm(request.POST or None, instance=risk, register=register)
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form)
        if outcome.done:
            risk = outcome.form.instance
            saved = f"{risk.reference} {'created' if is_new else 'saved'}."
            messages.success(request, outcome.message(saved))
            return redirect(risk)
        form = outcome.form
    context = {"register": register, "risk": risk, "is_new": is_new, "form": form}
    return render(request, "registers/risk_form.html", context)


@permission_required("registers.change_risk", raise_exception=True)
@require_http_methods(["GET", "POST"])
def risk_withdraw(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    """Withdraw a risk entered in error: off every register and pack, kept in the history."""
    risk = get_risk_for_user(request.user, slug, reference)
    if risk.is_published():
        messages.error(
            request,
            f"{risk.reference} is in a published quarter, so it cannot be withdrawn: "
            "close it instead (set its status to Closed).",
        )
        return redirect(risk)
    open_period = risk.register.open_period()
    if open_period is not None and open_period.pending_sign_off() is not None:
        messages.error(
            request,
            f"{open_period.label} is awaiting a chief officer's sign-off, so {risk.reference} "
            "cannot be withdrawn until the quarter is approved or returned.",
        )
        return redirect(risk)
    form = WithdrawForm(
        request.POST or None, what="the risk", example="entered twice: the same risk as CRR07"
    )
    if request.method == "POST" and form.is_valid():
        risk.withdraw(user=request.user, reason=f"entered in error. {form.cleaned_data['reason']}")
        messages.success(request, f"{risk.reference} withdrawn: entered in error.")
        return redirect(risk.register)
    return render(request, "registers/risk_withdraw.html", {"risk": risk, "form": form})


@require_safe
@permission_required("registers.view_risk", raise_exception=True)
def quarter_changes(request: HttpRequest, slug: str, year: int, quarter: int) -> HttpResponse:
    """What changed in a quarter since the one before; the open quarter's so far."""
    period = get_period_for_user(request.user, slug, year, quarter)
    picture = quarter_picture(period)
    reworded, not_recorded = picture.text_changes()
    return render(
        request,
        "registers/quarter_changes.html",
        {
            "register": period.register,
            "period": period,
            "movements": picture.movements,
            "reworded": reworded,
            "not_recorded": not_recorded,
        },
    )
