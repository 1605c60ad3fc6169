"""The PDF packs: the list of closed quarters, downloads, progress, and the draft preview."""

from django.contrib.auth.decorators import permission_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from registers.models import ReportingPeriod
from registers.views import get_period_for_user

from . import packs
from .models import Pack, PackDownload


@require_GET
@permission_required("riskreg.download_pack", raise_exception=True)
def pack_list(request: HttpRequest) -> HttpResponse:
    shown = Q(status=ReportingPeriod.Status.CLOSED)
    if request.user.has_perm("riskreg.preview_pack"):
        shown |= Q(status=ReportingPeriod.Status.OPEN)
    periods = (
        ReportingPeriod.objects.filter(shown)
        .select_related("register")
        .prefetch_related("packs")
        .order_by("register__name", "-year", "-quarter")
    )
    for period in periods:
        built = {pack.variant: pack for pack in period.packs.all()}
        period.full_pack = built.get(Pack.Variant.FULL)
        period.public_pack = built.get(Pack.Variant.PUBLIC)
    return render(request, "riskreg/pack_list.html", {"periods": periods})


@require_GET
@permission_required("riskreg.download_pack", raise_exception=True)
def pack_download(
    request: HttpRequest, slug: str, year: int, quarter: int, variant: str = Pack.Variant.FULL
) -> HttpResponse:
    period = get_period_for_user(request.user, slug, year, quarter)
    if not period.is_closed:
        raise Http404("The open quarter has no published pack.")
    pack = Pack.objects.filter(period=period, variant=variant).first()
    if pack is None or not pack.is_current:
        # Small registers are rendered now; big ones are queued and the page shows progress.
        pack = packs.build_stored_pack(period=period, variant=variant)
        if pack.status != Pack.Status.READY:
            return redirect("packs:status", slug, year, quarter)
    PackDownload.objects.create(pack=pack, user=request.user)
    return FileResponse(
        pack.file.open("rb"),
        as_attachment=True,
        filename=pack.filename,
        content_type="application/pdf",
    )


@require_GET
@permission_required("riskreg.download_pack", raise_exception=True)
def pack_status(request: HttpRequest, slug: str, year: int, quarter: int) -> HttpResponse:
    period = get_period_for_user(request.user, slug, year, quarter)
    if not period.is_closed:
        raise Http404("The open quarter has no published pack.")
    pack = Pack.objects.filter(period=period, variant=Pack.Variant.FULL).first()
    return render(request, "riskreg/pack_status.html", {"period": period, "pack": pack})


@require_GET
@permission_required("riskreg.preview_pack", raise_exception=True)
def pack_preview(request: HttpRequest, slug: str, year: int, quarter: int) -> HttpResponse:
    period = get_period_for_user(request.user, slug, year, quarter)
    if period.is_closed:
        return redirect("packs:download", slug, year, quarter)
    pdf = packs.render_pack(register=period.register, period=period, draft=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{period.register.slug}-{period.slug}-DRAFT.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
