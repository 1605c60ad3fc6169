import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login


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
