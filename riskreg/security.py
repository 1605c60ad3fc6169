"""Sign-ins, sign-outs and refused access, into the audit log (and `riskreg.security`).

Also the sign-in throttle by address: django-axes locks one username at one address
(AXES_LOCKOUT_PARAMETERS), which a real user elsewhere is not caught by; this backend
refuses every sign-in from an address that has failed too often across any usernames
(password spraying). Axes compares every lockout parameter set with one limit, so it
cannot say "5 for a username at an address, 20 for an address in all".
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone

from .audit import client_address, record_event
from .models import AuditEvent

PROVIDER_BACKEND = "riskreg.sso.ProviderBackend"


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs) -> None:
    # auth.login() names the backend that vouched for the user: say so for the provider's.
    via = ""
    if getattr(user, "backend", "") == PROVIDER_BACKEND:
        via = f"through {settings.OIDC_PROVIDER_NAME} (single sign-on)"
    record_event(kind=AuditEvent.Kind.SIGN_IN, request=request, user=user, detail=via)


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs) -> None:
    record_event(kind=AuditEvent.Kind.SIGN_OUT, request=request, user=user)


@receiver(user_login_failed)
def log_login_failed(sender, credentials, request=None, **kwargs) -> None:
    throttled = getattr(request, "riskreg_throttled", False)
    kind = AuditEvent.Kind.SIGN_IN_REFUSED if throttled else AuditEvent.Kind.SIGN_IN_FAILED
    username = str(credentials.get("username", ""))
    record_event(kind=kind, request=request, username=username)


def log_refusal(request, reason: str) -> None:
    record_event(kind=AuditEvent.Kind.REFUSED, request=request, detail=reason)


def address_is_throttled(address: str) -> bool:
    """Whether this address failed SIGN_IN_ADDRESS_LIMIT times within the cool-off."""
    if not address:
        return False
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AuditEvent.objects.filter(
        kind__in=[AuditEvent.Kind.SIGN_IN_FAILED, AuditEvent.Kind.SIGN_IN_REFUSED],
        address=address,
        when__gte=since,
    )
    return failures.count() >= settings.SIGN_IN_ADDRESS_LIMIT


class AddressThrottleBackend:
    """First of AUTHENTICATION_BACKENDS: refuses a sign-in from a throttled address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None and address_is_throttled(client_address(request)):
            request.riskreg_throttled = True
            raise PermissionDenied("Too many failed sign-ins from this address.")
        return None  # no get_user: it never signs anyone in, so no session names it


class SignInThrottleMiddleware:
    """Answer a sign-in refused by AddressThrottleBackend with the paused page (429)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "riskreg_throttled", False):
            return render(request, "registration/locked_out.html", {"by_address": True}, status=429)
        return response
