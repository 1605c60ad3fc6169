from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
)
from django.shortcuts import render
from django.template import loader
from django.views.decorators.http import require_safe

from registers.models import Register

from .dashboard import dashboard_page
from .roles import role_of
from .security import log_refusal


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard of one register (`?register=slug`, default the first) for its readers."""
    context = {"role": role_of(request.user)}
    if request.user.has_perm("registers.view_risk"):
        registers = list(Register.objects.select_related("rating_scale"))
        slug = request.GET.get("register")
        if slug:
            register = next((r for r in registers if r.slug == slug), None)
            if register is None:
                raise Http404("No such register.")
        else:
            register = registers[0] if registers else None
        if register is not None:
            context["registers"] = registers
            context["register"] = register
            context.update(
                dashboard_page(register=register, user=request.user, role=context["role"])
            )
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
