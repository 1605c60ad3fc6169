from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_safe

from basics import stamps
from basics.history import history_entries
from editing.forms import WithdrawForm, save_edit

from . import services
from .access import (
    can_see_live,
    get_action_for_user,
    get_live_register,
    get_period_for_user,
    get_risk_for_user,
    period_shown_first,
    visible_actions,
    visible_periods,
    visible_risks,
)
from .appetite import is_outside_appetite, outside_appetite, with_appetite
from .forms import ActionForm, CategoryForm, ReviewForm, RiskForm
from .models import Action, Register, Risk, RiskCategory
from .panels import risk_panels
from .quarter import quarter_picture
from .reviews import months_between_reviews, record_review, review_state
from .tables import (
    action_table,
    register_table,
    risk_actions,
    risk_history,
    risk_quarters,
    risk_reviews,
)

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
    # The risk pages are live data: linked only for those who may open them.
    link_risks = can_see_live(request.user)
    if period.is_closed:
        # A closed quarter never changes: its listing is cached on the quarter, its
        # closing, the filters asked for and what this reader may open.
        seen = stamps.read(services.ADMIN_STAMP)
        filters = sorted(request.GET.lists())
        key = ("register", services.closing(period), filters, link_risks, seen)
        listing = stamps.cached(key, lambda: _listing(request, period, link_risks))
    else:
        listing = _listing(request, period, link_risks)
    return render(
        request,
        "registers/register_period.html",
        {
            "register": period.register,
            "period": period,
            "periods": visible_periods(request.user, period.register),
            "listing": mark_safe(listing),  # rendered by the template engine in _listing
            "link_risks": link_risks,
            **_sign_off_context(request.user, period),
        },
    )


def _listing(request: HttpRequest, period, link_risks: bool) -> str:
    """The register's filters, its table of rows (a page of them) and the page links."""
    table = register_table(period, request.GET or None)
    page = Paginator(table.queryset, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "register": period.register,
        "period": period,
        "filter": table.filterset,
        "columns_form": table.columns_form,
        "columns": table.columns,
        "page": page,
        "rows": table.rows(page.object_list),
        "trend_labels": table.trend_labels,
        "query": _query_without_page(request),
        "link_risks": link_risks,
    }
    return render_to_string("registers/includes/register_listing.html", context)


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
    today = timezone.localdate()
    bands = list(risk.register.rating_scale.bands.all())
    actions = risk_actions(risk)
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
            "path": services.rating_path(risk, bands),
            "outside_appetite": is_outside_appetite(
                risk.score, risk.band, risk.category.tolerance if risk.category else None
            ),
            "review_state": review_state(risk.next_review_date, today),
            "review_months": months_between_reviews(risk.register, risk.band),
            "actions": actions,
            "reviews": risk_reviews(risk),
            "today": today,
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
        with transaction.atomic():
            services.register_changed(risk.register_id)
            risk.withdraw(
                user=request.user, reason=f"entered in error. {form.cleaned_data['reason']}"
            )
        messages.success(request, f"{risk.reference} withdrawn: entered in error.")
        return redirect(risk.register)
    return render(request, "registers/risk_withdraw.html", {"risk": risk, "form": form})


@require_safe
@permission_required("registers.view_risk", raise_exception=True)
def quarter_changes(request: HttpRequest, slug: str, year: int, quarter: int) -> HttpResponse:
    """What changed in a quarter since the one before; the open quarter's so far."""
    period = get_period_for_user(request.user, slug, year, quarter)
    # A closed quarter's is keyed on its closing (the quarter before it closed earlier and
    # cannot reopen while this one is closed); the open quarter's on the register's stamps.
    if period.is_closed:
        seen = stamps.read(services.ADMIN_STAMP)
        key = ("changes", services.closing(period), seen)
    else:
        seen = stamps.read(services.register_stamp(period.register_id), services.ADMIN_STAMP)
        key = ("changes", period.pk, "open", seen)
    body = stamps.cached(key, lambda: _changes(period))
    context = {"register": period.register, "period": period, "body": mark_safe(body)}
    return render(request, "registers/quarter_changes.html", context)


def _changes(period) -> str:
    picture = quarter_picture(period)
    reworded, not_recorded = picture.text_changes()
    context = {
        "register": period.register,
        "period": period,
        "movements": picture.movements,
        "reworded": reworded,
        "not_recorded": not_recorded,
    }
    return render_to_string("registers/includes/quarter_changes_body.html", context)


# The risk model: actions, reviews, categories and appetite, and each officer's own lists.


@permission_required("registers.add_action", raise_exception=True)
@require_http_methods(["GET", "POST"])
def action_create(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    risk = get_risk_for_user(request.user, slug, reference)
    return _edit_action(request, risk, None)


@permission_required("registers.change_action", raise_exception=True)
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    action = get_action_for_user(request.user, slug, pk)
    return _edit_action(request, action.risk, action)


def _edit_action(request: HttpRequest, risk: Risk, action: Action | None) -> HttpResponse:
    form = ActionForm(request.POST or None, risk=risk, user=request.user, instance=action)
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form)
        if outcome.done:
            saved = "Action added." if action is None else "Action saved."
            messages.success(request, outcome.message(saved))
            return redirect(f"{risk.get_absolute_url()}#actions")
        form = outcome.form
    moves = action.date_moves.select_related("moved_by") if action else []
    context = {"risk": risk, "register": risk.register, "action": action, "form": form,
               "moves": moves}  # fmt: skip
    return render(request, "registers/action_form.html", context)


@permission_required("registers.add_review", raise_exception=True)
@require_http_methods(["GET", "POST"])
def review_create(request: HttpRequest, slug: str, reference: str) -> HttpResponse:
    risk = get_risk_for_user(request.user, slug, reference)
    form = ReviewForm(request.POST or None, risk=risk)
    if request.method == "POST" and form.is_valid():
        review = record_review(risk=risk, reviewer=request.user, **form.cleaned_data_for_review())
        risk.refresh_from_db()
        messages.success(
            request,
            f"Review of {review.reviewed_on:%-d %B %Y} recorded. The next review is due by "
            f"{risk.next_review_date:%-d %B %Y}.",
        )
        return redirect(f"{risk.get_absolute_url()}#reviews")
    context = {"risk": risk, "register": risk.register, "form": form,
               "review_months": months_between_reviews(risk.register, risk.band)}  # fmt: skip
    return render(request, "registers/review_form.html", context)


@require_safe
@permission_required("registers.view_risk", raise_exception=True)
def action_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Every action on a register's live risks: status, owner, overdue."""
    register = get_live_register(request.user, slug)
    today = timezone.localdate()
    table = action_table(request.user, register, request.GET, today=today)
    page = Paginator(table.queryset, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "registers/action_list.html",
        {"register": register, "filter": table.filterset, "page": page, "today": today,
         "query": _query_without_page(request)},
    )  # fmt: skip


@require_safe
@permission_required("registers.view_risk", raise_exception=True)
def category_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The register's categories, its appetite for each, and the risks outside it."""
    register = get_live_register(request.user, slug)
    live = Risk.objects.filter(register=register, status=Risk.Status.OPEN)
    outside = outside_appetite(live).values("category_id").annotate(n=Count("pk"))
    outside_by = {row["category_id"]: row["n"] for row in outside}
    categories = register.categories.annotate(
        open_risks=Count("risks", filter=Q(risks__status=Risk.Status.OPEN,
                                           risks__withdrawn_at__isnull=True))
    )  # fmt: skip
    rows = [(category, outside_by.get(category.pk, 0)) for category in categories]
    period = register.open_period()
    history = history_entries(
        RiskCategory.history.filter(register_id=register.pk),
        subject=lambda record: record.name,
    )
    return render(
        request,
        "registers/category_list.html",
        {"register": register, "rows": rows, "period": period, "entries": history},
    )


@permission_required("registers.change_riskcategory", raise_exception=True)
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    register = get_live_register(request.user, slug)
    category = get_object_or_404(register.categories, pk=pk)
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        outcome = save_edit(form)
        if outcome.done:
            messages.success(request, outcome.message(f"{category.name}: appetite saved."))
            return redirect(category)
        form = outcome.form
    context = {"register": register, "category": category, "form": form}
    return render(request, "registers/category_form.html", context)


@require_safe
@permission_required("registers.view_live_register", raise_exception=True)
def my_risks(request: HttpRequest) -> HttpResponse:
    """The risks this user owns or leads, with their reviews due and appetite."""
    today = timezone.localdate()
    risks = with_appetite(
        visible_risks(request.user).filter(
            Q(owner=request.user) | Q(lead_officer_user=request.user), status=Risk.Status.OPEN
        )
    ).select_related("register", "band", "category", "owner", "lead_officer_user")
    still_open = Q(actions__status__in=Action.OPEN_STATUSES, actions__withdrawn_at__isnull=True)
    risks = risks.annotate(open_actions=Count("actions", filter=still_open)).order_by(
        F("next_review_date").asc(nulls_first=True), "register__name", "reference"
    )
    rows = [(risk, review_state(risk.next_review_date, today)) for risk in risks]
    return render(request, "registers/my_risks.html", {"rows": rows, "today": today})


@require_safe
@permission_required("registers.view_live_register", raise_exception=True)
def my_actions(request: HttpRequest) -> HttpResponse:
    """The actions this user owns: overdue first, then open by target date, then the rest."""
    today = timezone.localdate()
    mine = visible_actions(request.user).filter(owner=request.user)
    mine = mine.select_related("risk__register", "owner").order_by(
        F("target_date").asc(nulls_last=True), "pk"
    )
    open_actions = list(mine.open())
    return render(
        request,
        "registers/my_actions.html",
        {
            "overdue": [a for a in open_actions if a.is_overdue(today)],
            "open": [a for a in open_actions if not a.is_overdue(today)],
            "finished": mine.exclude(status__in=Action.OPEN_STATUSES)[:ROWS_PER_PAGE],
            "today": today,
        },
    )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
