import time
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest
from django.utils.cache import patch_cache_control


class SessionTimeoutMiddleware:
    """End a signed-in session after SESSION_IDLE_TIMEOUT idle or SESSION_ABSOLUTE_TIMEOUT in all.

    The session cookie's own age cannot express "idle", so the times are kept in the
    session and checked on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault("riskreg_started", now)
            last_seen = request.session.get("riskreg_last_seen", now)
            if (
                now - last_seen > settings.SESSION_IDLE_TIMEOUT
                or now - started > settings.SESSION_ABSOLUTE_TIMEOUT
            ):
                logout(request)
                messages.info(request, "Your session has ended. Please sign in again.")
                return redirect_to_login(request.get_full_path())
            # Write at most once a minute, so reading pages does not save the session each time.
            if now - last_seen >= 60 or "riskreg_last_seen" not in request.session:
                request.session["riskreg_last_seen"] = now
        return self.get_response(request)


def _bad_bytes(raw: bytes) -> bool:
    if b"\x00" in raw:
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


class BadInputMiddleware:
    """Answer 400 to a NUL byte in the path, or a query string that is not UTF-8 text.

    Django would pass a NUL on to the database, where PostgreSQL refuses it with an
    error (a 500), and turn undecodable bytes into replacement characters that no
    record holds. Neither is a request anyone meant to make, whatever their role.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Django has already turned undecodable bytes in the path into "%XX" text (a
        # 404 at worst); a NUL stays a NUL. The query string arrives percent-encoded.
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or _bad_bytes(unquote_to_bytes(query.replace("+", " "))):
            return HttpResponseBadRequest(
                "Bad request: the address holds characters that are not text.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every answer to a signed-in user.

    Their pages and downloads hold register data that no shared cache (a proxy) and no
    browser history should keep.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in or request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
