from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Register


@permission_required("registers.view_risk", raise_exception=True)
def register_list(request: HttpRequest) -> HttpResponse:
    registers = Register.objects.prefetch_related("periods")
    return render(request, "registers/register_list.html", {"registers": registers})
