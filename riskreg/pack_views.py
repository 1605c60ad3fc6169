"""The PDF packs: the list of quarters, downloads, build progress, and the draft.

No view renders a pack: they queue a build for the task worker (`packs.request_pack_build`)
and say how it stands; a download serves only a pack already built and stored.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from basics import stamps
from registers.access import can_see_live, get_period_for_user, visible_periods
from registers.models import ReportingPeriod
from registers.services import ADMIN_STAMP, PERIODS_STAMP

from . import packs
from .audit import record_event
from .models import AuditEvent, Pack, PackDownload


@require_GET
@permission_required("riskreg.download_pack", raise_exception=True)
def pack_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    drafts = user.has_perm("riskreg.preview_pack")
    # Keyed on what the table shows (the quarters, the packs' states, register names) and
    # on what this reader may see of them; the stamps are read before the table's data.
    seen = stamps.read(PERIODS_STAMP, packs.PACKS_STAMP, ADMIN_STAMP)
    key = ("pack list", can_see_live(user), drafts, seen)
    table = stamps.cached(key, lambda: _pack_table(user, drafts))
    return render(request, "riskreg/pack_list.html", {"table": mark_safe(table)})


def _pack_table(user, drafts: bool) -> str:
    periods = visible_periods(user)
    if not drafts:
        # Only those who may preview a draft are offered the open quarter's.
        periods = periods.filter(status=ReportingPeriod.Status.CLOSED)
    periods = (
        periods.select_related("register")
        .prefetch_related("packs")
        .order_by("register__name", "-year", "-quarter")
    )
    for period in periods:
        built = {pack.variant: pack for pack in period.packs.all()}
        period.full_pack = built.get(Pack.Variant.FULL)
        period.public_pack = built.get(Pack.Variant.PUBLIC)
    return render_to_string("riskreg/includes/pack_table.html", {"periods": periods})


def _current_pack(period: ReportingPeriod, variant: str = Pack.Variant.FULL) -> Pack | None:
    found = Pack.objects.filter(period=period, variant=variant)
    pack = found.select_related("register", "period").first()
    return pack if pack is not None and pack.is_current else None


def _serve(request: HttpRequest, pack: Pack) -> HttpResponse | None:
    """The stored PDF as an attachment, recorded; None if its bytes are not there."""
    pdf = packs.stored_pdf(pack)
    if pdf is None:
        return None
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if pack.period.is_closed else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{pack.filename}"'
    if pack.period.is_closed:
        PackDownload.objects.create(pack=pack, user=request.user)
    record_event(kind=AuditEvent.Kind.PACK_DOWNLOADED, request=request, detail=str(pack))
    return response


@require_GET
@permission_required("riskreg.download_pack", raise_exception=True)
def pack_download(
    request: HttpRequest, slug: str, year: int, quarter: int, variant: str = Pack.Variant.FULL
) -> HttpResponse:
    period = get_period_for_user(request.user, slug, year, quarter)
    if not period.is_closed:
        raise Http404("The open quarter has no published pack.")
    pack = _current_pack(period, variant)
    response = _serve(request, pack) if pack else None
    if response is None:
        # Not built (or lost): queue it, and show how it stands; never render here.
        packs.request_pack_build(period=period, variant=variant)
        status = reverse("packs:status", args=[slug, year, quarter])
        if variant == Pack.Variant.PUBLIC:
            status += "?variant=public"
        return redirect(status)
    return response


@require_http_methods(["GET", "POST"])
@permission_required("riskreg.download_pack", raise_exception=True)
def pack_status(request: HttpRequest, slug: str, year: int, quarter: int) -> HttpResponse:
    """How a closed quarter's pack stands; POST (risk officers) queues a failed one again."""
    period = get_period_for_user(request.user, slug, year, quarter)
    if not period.is_closed:
        raise Http404("The open quarter has no published pack.")
    if request.method == "POST":
        return _build_again(request, period, "packs:status")
    # The full pack's state, or the public one's (`?variant=public`, as its download sends).
    public = request.GET.get("variant") == Pack.Variant.PUBLIC
    variant = Pack.Variant.PUBLIC if public else Pack.Variant.FULL
    pack = Pack.objects.filter(period=period, variant=variant).first()
    return render(request, "riskreg/pack_status.html", {"period": period, "pack": pack})


def _build_again(request: HttpRequest, period: ReportingPeriod, then: str) -> HttpResponse:
    if not request.user.has_perm("riskreg.preview_pack"):
        raise PermissionDenied
    if period.is_closed:
        packs.request_published_packs(period=period, again=True)
    else:
        packs.request_pack_build(period=period, again=True)
    messages.success(request, f"The {period.label} pack is queued to be built.")
    return redirect(then, period.register.slug, period.year, period.quarter)


@require_http_methods(["GET", "POST"])
@permission_required("riskreg.preview_pack", raise_exception=True)
def pack_preview(request: HttpRequest, slug: str, year: int, quarter: int) -> HttpResponse:
    """The open quarter's draft: its state, a link to the last draft built, and (POST) a
    fresh build of it from the register as it now stands."""
    period = get_period_for_user(request.user, slug, year, quarter)
    if period.is_closed:
        return redirect("packs:download", slug, year, quarter)
    if request.method == "POST":
        return _build_again(request, period, "packs:preview")
    pack = Pack.objects.filter(period=period, variant=Pack.Variant.FULL).first()
    return render(request, "riskreg/pack_draft.html", {"period": period, "pack": pack})


@require_GET
@permission_required("riskreg.preview_pack", raise_exception=True)
def draft_file(request: HttpRequest, slug: str, year: int, quarter: int) -> HttpResponse:
    period = get_period_for_user(request.user, slug, year, quarter)
    if period.is_closed:
        return redirect("packs:download", slug, year, quarter)
    pack = _current_pack(period, Pack.Variant.FULL)
    response = _serve(request, pack) if pack else None
    if response is None:
        return redirect("packs:preview", slug, year, quarter)
    return response
