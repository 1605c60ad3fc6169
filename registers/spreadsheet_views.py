"""Downloads of the register's tables, and the import of a register from a spreadsheet.

Each download checks the permission its page checks and fetches through the same access
helpers and the same table function (`registers.tables`), so it holds what the page shows
to that user: PCC staff download published quarters only.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from basics.spreadsheet import Column, Table, download, history_table

from .access import get_live_register, get_period_for_user, get_risk_for_user
from .exports import actions_sheet, register_sheet, reviews_sheet, risk_quarters_sheet
from .forms import ImportForm
from .importing import (
    ImportFileError,
    StaleImportError,
    full_template_headers,
    preview,
    run_import,
    start_import,
)
from .models import ImportBatch, PeriodClosedError, Register
from .services import trend_labels
from .tables import (
    action_table,
    register_table,
    risk_actions,
    risk_history,
    risk_quarters,
    risk_reviews,
)

# --- Downloads -------------------------------------------------------------------------


@require_safe
@permission_required("registers.view_risk", raise_exception=True)
def register_export(request: HttpRequest, slug: str, year: int, quarter: int, fmt: str):
    period = get_period_for_user(request.user, slug, year, quarter)
    table = register_sheet(register_table(period, request.GET or None))
    return download(table, fmt, f"{period.register.slug} {period.label}")


@require_safe
@permission_required("registers.view_risk", raise_exception=True)
def risk_quarters_export(request: HttpRequest, slug: str, reference: str, fmt: str):
    risk = get_risk_for_user(request.user, slug, reference)
    table = risk_quarters_sheet(risk, risk_quarters(risk))
    return download(table, fmt, f"{risk.reference} by quarter")


@require_safe
@permission_required("registers.view_risk", raise_exception=True)
def risk_history_export(request: HttpRequest, slug: str, reference: str, fmt: str):
    risk = get_risk_for_user(request.user, slug, reference)
    table = history_table(f"{risk.reference} history", risk_history(risk))
    return download(table, fmt, f"{risk.reference} history")


@require_safe
@permission_required("registers.view_risk", raise_exception=True)
def risk_actions_export(request: HttpRequest, slug: str, reference: str, fmt: str):
    risk = get_risk_for_user(request.user, slug, reference)
    table = actions_sheet(
        f"{risk.reference} actions", risk_actions(risk), timezone.localdate(), show_risk=False
    )
    return download(table, fmt, f"{risk.reference} actions")


@require_safe
@permission_required("registers.view_risk", raise_exception=True)
def risk_reviews_export(request: HttpRequest, slug: str, reference: str, fmt: str):
    risk = get_risk_for_user(request.user, slug, reference)
    return download(reviews_sheet(risk, risk_reviews(risk)), fmt, f"{risk.reference} reviews")


@require_safe
@permission_required("registers.view_risk", raise_exception=True)
def action_list_export(request: HttpRequest, slug: str, fmt: str):
    register = get_live_register(request.user, slug)
    today = timezone.localdate()
    actions = action_table(request.user, register, request.GET, today=today).queryset
    table = actions_sheet(f"Actions {register.name}", actions, today, show_risk=True)
    return download(table, fmt, f"{register.slug} actions")


# --- Import ----------------------------------------------------------------------------


def _open_period(register: Register):
    period = register.open_period()
    if period is None:
        raise Http404("This register has no open quarter to import into.")
    return period


@require_safe
@permission_required("registers.add_importbatch", raise_exception=True)
def import_template(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The fuller template: the published nine columns and the risk's other fields."""
    register = get_object_or_404(Register, slug=slug)
    headers = full_template_headers(_open_period(register))
    table = Table("Register import", [Column(header, 18) for header in headers])
    return download(table, fmt, f"{register.slug} import template")


@permission_required("registers.add_importbatch", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest, slug: str) -> HttpResponse:
    register = get_object_or_404(Register.objects.select_related("rating_scale"), slug=slug)
    period = _open_period(register)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = start_import(
                register=register, period=period, user=request.user, file_name=upload.name,
                content=upload.read(),
            )  # fmt: skip
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect(batch)
    context = {
        "register": register,
        "period": period,
        "form": form,
        "trend_labels": trend_labels(period),
        "bands": register.rating_scale.bands.all(),
        "max_rows": f"{settings.IMPORT_MAX_ROWS:,}",
        "max_size": filesizeformat(settings.IMPORT_MAX_BYTES),
    }
    return render(request, "registers/import_start.html", context)


@permission_required("registers.add_importbatch", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview of an uploaded file (GET) and its confirmation (POST): only the risk
    officer who uploaded it sees it."""
    batch = get_object_or_404(
        ImportBatch.objects.select_related("register__rating_scale", "period"),
        pk=pk,
        uploaded_by=request.user,
    )
    if request.method == "POST":
        return _confirm(request, batch)
    shown = None if batch.is_imported else preview(batch)
    context = {"batch": batch, "register": batch.register, "preview": shown}
    if shown is not None:
        context["plan"] = shown.plan
        context.update(
            {action: shown.plan.count(action) for action in ("new", "changed", "unchanged")}
        )
    return render(request, "registers/import_preview.html", context)


def _confirm(request: HttpRequest, batch: ImportBatch) -> HttpResponse:
    try:
        done = run_import(batch=batch, user=request.user)
    except PeriodClosedError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(batch)
    except (StaleImportError, ValueError) as error:
        messages.error(request, str(error))
        return redirect(batch)
    messages.success(
        request,
        f"Imported {batch.file_name}: {done.count('new')} new, {done.count('changed')} "
        f"changed, {done.count('unchanged')} unchanged.",
    )
    return redirect(batch.register)


@require_safe
@permission_required("registers.view_importbatch", raise_exception=True)
def import_list(request: HttpRequest) -> HttpResponse:
    batches = ImportBatch.objects.select_related("register", "uploaded_by", "period").defer(
        "content"
    )
    page = Paginator(batches, 50).get_page(request.GET.get("page"))
    return render(request, "registers/import_list.html", {"page": page})
