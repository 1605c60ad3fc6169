"""Single sign-on with OpenID Connect (mozilla-django-oidc), and the switch for local sign-in.

The force's identity provider (Microsoft Entra ID for most) signs people in; riskreg gives
them the roles its groups map to (`settings.OIDC_ROLE_MAP`) at every sign-in, so the
provider's groups are the one place where access is granted. Someone in no mapped group is
not signed in: they see the "no access" page. mozilla-django-oidc's SessionRefresh checks a
signed-in session with the provider again, silently, every OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS:
a user disabled there, or taken out of every mapped group, is signed out at that check.

Everything here reads its settings when used, not at start-up, so a provider named by its
issuer is asked for its discovery document only when someone signs in, and the app runs
unchanged where no provider is configured.
"""

import logging
import threading
import time

import requests
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_http_methods, require_safe
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.middleware import SessionRefresh as BaseSessionRefresh
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from .audit import record_event
from .models import AuditEvent
from .roles import ADMINISTRATOR, ROLES, role_of

logger = logging.getLogger("riskreg.security")

# Settings mozilla-django-oidc reads, and the discovery document's name for each.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
DEFAULTS = {
    "OIDC_EXEMPT_URLS": [],
    "OIDC_STATE_SIZE": 32,
    "OIDC_NONCE_SIZE": 32,
    "OIDC_USE_NONCE": True,
}
DISCOVERY_SECONDS = 3600  # how long a discovery document is kept before it is fetched again
NO_ACCESS_KEY = "riskreg_no_access"

_discovered: dict[str, tuple[float, dict]] = {}
_discovery_lock = threading.Lock()


def is_configured() -> bool:
    """Whether a provider is configured: a client id, and an issuer or the endpoints."""
    return bool(settings.OIDC_RP_CLIENT_ID) and bool(
        settings.OIDC_ISSUER or settings.OIDC_OP_AUTHORIZATION_ENDPOINT
    )


def discovery(issuer: str) -> dict:
    """The issuer's OpenID configuration document, fetched at most once an hour."""
    with _discovery_lock:
        cached = _discovered.get(issuer)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
        )
        response.raise_for_status()
        document = response.json()
        if str(document.get("issuer", "")).rstrip("/") != issuer:
            raise ImproperlyConfigured(
                f"OIDC_ISSUER is {issuer} but its discovery document names "
                f"{document.get('issuer')!r}"
            )
        _discovered[issuer] = (time.monotonic() + DISCOVERY_SECONDS, document)
        return document


def oidc_setting(name: str, *default):
    """A mozilla-django-oidc setting; an endpoint not set comes from the issuer's discovery."""
    if name in ENDPOINTS:
        value = getattr(settings, name, "")
        if not value and settings.OIDC_ISSUER:
            value = discovery(settings.OIDC_ISSUER).get(ENDPOINTS[name], "")
        return value or None
    if not default and name in DEFAULTS:
        default = (DEFAULTS[name],)
    return import_from_settings(name, *default)


def _log_refusal(request, username: str, reason: str, *, via: str = "oidc") -> None:
    """A sign-in the provider or the switch refused, into the audit log ("access refused":
    not a password guess, so not counted by the address throttle)."""
    detail = f"via {via}: {reason}"
    record_event(kind=AuditEvent.Kind.REFUSED, request=request, username=username, detail=detail)


# --- Roles from the provider's groups ----------------------------------------------------


def mapped_roles(claims: dict) -> set[str]:
    """The riskreg roles the groups in `claims` map to."""
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = [groups]
    return {settings.OIDC_ROLE_MAP[g] for g in groups if g in settings.OIDC_ROLE_MAP}


def apply_provider_claims(*, user, claims: dict):
    """Give `user` the name, e-mail and roles the provider's claims say, and save them.

    Roles follow the provider's groups exactly: a role group the claims do not map to is
    taken away, and a superuser is one only while in a group mapped to Administrator.
    Groups that are not riskreg roles are left as they are.
    """
    roles = mapped_roles(claims)
    with transaction.atomic():
        user.first_name = str(claims.get("given_name") or user.first_name)[:150]
        user.last_name = str(claims.get("family_name") or user.last_name)[:150]
        user.email = str(claims.get("email") or user.email)[:254]
        user.is_superuser = user.is_staff = ADMINISTRATOR in roles
        if user.pk is None and user.has_usable_password():
            user.set_unusable_password()
        user.save()
        role_groups = Group.objects.filter(name__in=list(ROLES))
        user.groups.remove(*[g for g in role_groups if g.name not in roles])
        user.groups.add(*[g for g in role_groups if g.name in roles])
    return user


# --- Authentication backends -------------------------------------------------------------


class LocalPasswordBackend(ModelBackend):
    """Django's username and password sign-in, refused when LOCAL_SIGN_IN is off."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.LOCAL_SIGN_IN:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class ProviderBackend(OIDCAuthenticationBackend):
    """Signs in the user the provider vouches for, matched by OIDC_USERNAME_CLAIM."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        # Django builds a backend for every request of a signed-in user: read the
        # provider's settings only when signing in (__getattr__), not here.
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    def __getattr__(self, name: str):
        if name.startswith("OIDC_"):
            return oidc_setting(name, None)
        raise AttributeError(name)

    def authenticate(self, request, **kwargs):
        if not is_configured():
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud") or []
        if settings.OIDC_RP_CLIENT_ID not in (
            [audience] if isinstance(audience, str) else audience
        ):
            raise SuspiciousOperation("The ID token is not for this client")
        issuer = settings.OIDC_ISSUER
        if issuer and str(payload.get("iss", "")).rstrip("/") != issuer:
            raise SuspiciousOperation("The ID token is from another issuer")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        # Entra ID puts the groups in the ID token only: its userinfo answer has none.
        return {**payload, **super().get_userinfo(access_token, id_token, payload)}

    def verify_claims(self, claims) -> bool:
        return bool(claims.get(settings.OIDC_USERNAME_CLAIM))

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(username__iexact=claims[settings.OIDC_USERNAME_CLAIM])

    def create_user(self, claims):
        user = self.UserModel(username=str(claims[settings.OIDC_USERNAME_CLAIM])[:150])
        user.set_unusable_password()
        return apply_provider_claims(user=user, claims=claims)

    def update_user(self, user, claims):
        return apply_provider_claims(user=user, claims=claims)


# --- The session check ---------------------------------------------------------------------


class SessionRefresh(BaseSessionRefresh):
    """mozilla-django-oidc's silent re-check of a provider sign-in, once configured."""

    def __init__(self, get_response):
        # The base class reads the provider's endpoints here, at start-up; read them per
        # request instead (__getattr__).
        super(BaseSessionRefresh, self).__init__(get_response)

    def __getattr__(self, name: str):
        if name.startswith("OIDC_"):
            return oidc_setting(name, *([DEFAULTS[name]] if name in DEFAULTS else []))
        raise AttributeError(name)

    @cached_property
    def exempt_urls(self) -> set[str]:
        names = ["oidc_authentication_init", "oidc_authentication_callback", "no_access", "logout"]
        return {reverse(name) for name in names}

    def process_request(self, request):
        if not is_configured():
            return None
        try:
            return super().process_request(request)
        except requests.RequestException as error:
            # The provider cannot be reached: an outage is not a disabled account.
            logger.warning("session check with the provider skipped: %s", error)
            return None


# --- Views ---------------------------------------------------------------------------------


class SignInView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider's sign-in page."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs):
        # The base class looks the endpoint up here; get() does, where a failure is shown.
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request):
        if not is_configured():
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except requests.RequestException as error:
            logger.warning("provider discovery failed: %s", error)
            messages.error(
                request,
                f"Signing in with {settings.OIDC_PROVIDER_NAME} is not available just now. "
                "Try again in a few minutes.",
            )
            return redirect("login")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back: sign in, refuse, or sign out."""

    get_settings = staticmethod(oidc_setting)

    @property
    def failure_url(self) -> str:
        return resolve_url(settings.LOGIN_REDIRECT_URL_FAILURE)

    def get(self, request):
        if not is_configured():
            raise Http404("Single sign-on is not configured.")
        self.signed_in_as = request.user.get_username() if request.user.is_authenticated else ""
        return super().get(request)

    def login_success(self):
        if not self.user.is_superuser and role_of(self.user) is None:
            return self.refuse_no_role()
        return super().login_success()

    def refuse_no_role(self) -> HttpResponse:
        if self.request.user.is_authenticated:
            auth.logout(self.request)
        _log_refusal(self.request, self.user.get_username(), "no role from the provider's groups")
        self.request.session[NO_ACCESS_KEY] = {
            "username": self.user.get_username(),
            "name": self.user.get_full_name(),
        }
        return redirect("no_access")

    def login_failure(self):
        error = self.request.GET.get("error", "")
        if not error and "code" not in self.request.GET:
            return super().login_failure()  # not an answer from the provider: change nothing
        if self.request.user.is_authenticated:
            auth.logout(self.request)  # the provider did not confirm this session's user
        if self.signed_in_as:
            _log_refusal(self.request, self.signed_in_as, f"session check failed {error}".strip())
            messages.info(
                self.request,
                f"You have been signed out: {settings.OIDC_PROVIDER_NAME} no longer confirms "
                "your sign-in. Sign in again.",
            )
        else:
            _log_refusal(self.request, "", f"sign-in failed {error}".strip())
            messages.error(
                self.request,
                f"Signing in with {settings.OIDC_PROVIDER_NAME} did not succeed. Try again.",
            )
        return super().login_failure()


def sign_in_options(request: HttpRequest) -> dict:
    return {
        "local_sign_in": settings.LOCAL_SIGN_IN,
        "oidc_enabled": is_configured(),
        "oidc_provider_name": settings.OIDC_PROVIDER_NAME,
    }


@login_not_required
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Django's sign-in page, with the provider's button and the LOCAL_SIGN_IN switch."""
    if (
        request.method == "POST"
        and not settings.LOCAL_SIGN_IN
        and not request.user.is_authenticated
    ):
        username = request.POST.get("username", "")
        _log_refusal(request, username, "password sign-in is switched off", via="password")
        context = {**sign_in_options(request), "password_refused": True}
        return render(request, "registration/login.html", context, status=403)
    view = auth_views.LoginView.as_view(
        redirect_authenticated_user=True, extra_context=sign_in_options(request)
    )
    return view(request)


@login_not_required
@require_safe
def no_access(request: HttpRequest) -> HttpResponse:
    """Shown to someone the provider signed in whose groups give no role in riskreg."""
    context = {
        "refused": request.session.get(NO_ACCESS_KEY),
        "oidc_provider_name": settings.OIDC_PROVIDER_NAME,
    }
    return render(request, "registration/no_access.html", context, status=403)
