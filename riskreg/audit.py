"""The audit log: one function writes an event to the database and to `riskreg.security`.

A leaf like `riskreg.richtext`: it imports only `riskreg.models`, so the apps may record
events (a quarter reopened in the registers admin) without reaching up to the project.
"""

import ipaddress
import logging

from django.conf import settings

from .models import AuditEvent

logger = logging.getLogger("riskreg.security")

_WARNINGS = {
    AuditEvent.Kind.SIGN_IN_FAILED,
    AuditEvent.Kind.SIGN_IN_REFUSED,
    AuditEvent.Kind.REFUSED,
    AuditEvent.Kind.PACK_FAILED,
}

# The words the `riskreg.security` log has always used, so log searches keep working.
_PHRASES = {
    AuditEvent.Kind.SIGN_IN: "login",
    AuditEvent.Kind.SIGN_IN_FAILED: "login failed",
    AuditEvent.Kind.SIGN_OUT: "logout",
    AuditEvent.Kind.REFUSED: "access refused",
}


def client_address(request) -> str:
    """The client's IP address, trusting X-Forwarded-For only as far as our own proxies.

    Each of TRUSTED_PROXY_COUNT proxies in front of riskreg appends the address it was
    reached from, so the client is the entry that many places from the right; anything
    further left was written by the client and is not believed. With no trusted proxy
    (or a request that did not pass them all) it is the connection's own address.
    """
    if request is None:
        return ""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def record_event(*, kind: str, request=None, user=None, username: str = "", detail: str = ""):
    """Write one audit event (and the same line to the `riskreg.security` log)."""
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    if user is not None and not username:
        username = user.get_username()
    path = request.get_full_path()[:500] if request is not None else ""
    address = client_address(request)
    event = AuditEvent.objects.create(
        kind=kind, user=user, username=username[:150], path=path, address=address, detail=detail
    )
    level = logging.WARNING if kind in _WARNINGS else logging.INFO
    logger.log(
        level,
        "%s user=%s ip=%s path=%s detail=%s",
        _PHRASES.get(kind, kind),
        username or "-",
        address or "-",
        path or "-",
        detail or "-",
    )
    return event
