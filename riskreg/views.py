from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
)
from django.shortcuts import render
from django.template import loader
from django.views.decorators.http import require_safe

from registers.access import can_see_live

from .dashboard import live_dashboard, published_home
from .roles import role_of
from .security import log_refusal


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard of one register (`?register=slug`, default the first) for its readers:
    live for officers, as published for everyone else."""
    user, slug = request.user, request.GET.get("register")
    context = {"role": role_of(user)}
    if user.has_perm("registers.view_risk") and can_see_live(user):
        context.update(live_dashboard(slug=slug, user=user, role=context["role"]))
    elif user.has_perm("registers.view_risk"):
        context.update(published_home(request, slug=slug, role=context["role"]))
    return render(request, "riskreg/home.html", context)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    log_refusal(request, str(exception) or "permission denied")
    template = loader.get_template("403.html")
    return HttpResponseForbidden(template.render({"exception": exception}, request))


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    # A signed-in user refused with a 404 (a page hidden from their role) is audited too.
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        log_refusal(request, "not found")
    template = loader.get_template("404.html")
    return HttpResponseNotFound(template.render({}, request))
