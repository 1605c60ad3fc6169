"""Each user's own API tokens: created, listed and revoked on their account page.

A new token is shown once, in the answer to the form that created it; riskreg keeps only
its digest. Creating and revoking are written to the audit log.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from riskreg.audit import record_event
from riskreg.models import AuditEvent

from .forms import RevokeForm, TokenForm
from .models import ApiToken


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's tokens, and the form that creates one (the new token shown once)."""
    form = TokenForm(request.POST or None)
    created = new_token = None
    if request.method == "POST" and form.is_valid():
        created, new_token = ApiToken.issue(user=request.user, **form.cleaned_data)
        record_event(
            kind=AuditEvent.Kind.API_TOKEN_CREATED, request=request, detail=_describe(created)
        )
        form = TokenForm()
    context = {
        "form": form,
        "tokens": request.user.api_tokens.all(),
        "created": created,
        "new_token": new_token,
    }
    return render(request, "api/tokens.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of one's own tokens (another user's is a 404): it is refused from then on,
    and kept, revoked, in the list."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if token.is_revoked:
        messages.info(request, f"{token.name} was already revoked.")
        return redirect("api:tokens")
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token.revoke()
        record_event(
            kind=AuditEvent.Kind.API_TOKEN_REVOKED, request=request, detail=_describe(token)
        )
        messages.success(request, f"{token.name} revoked: it no longer works.")
        return redirect("api:tokens")
    return render(request, "api/token_revoke.html", {"token": token, "form": form})


def _describe(token: ApiToken) -> str:
    expiry = f", expires {token.expires_on:%d %b %Y}" if token.expires_on else ""
    return f"API token {token.shown_prefix}… {token.name!r}{expiry}"
