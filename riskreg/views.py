from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.template import loader

from .roles import role_of
from .security import log_refusal


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "riskreg/home.html", {"role": role_of(request.user)})


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    log_refusal(request, str(exception) or "permission denied")
    template = loader.get_template("403.html")
    return HttpResponseForbidden(template.render({"exception": exception}, request))
