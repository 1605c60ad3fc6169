"""Audit log of sign-ins, sign-outs and refused access (logger `riskreg.security`)."""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

logger = logging.getLogger("riskreg.security")


def client_address(request) -> str:
    if request is None:
        return "-"
    return request.META.get("REMOTE_ADDR", "-")


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs) -> None:
    logger.info("login user=%s ip=%s", user.get_username(), client_address(request))


@receiver(user_logged_out)
def log_logout(sender, request, user, **kwargs) -> None:
    username = user.get_username() if user else "-"
    logger.info("logout user=%s ip=%s", username, client_address(request))


@receiver(user_login_failed)
def log_login_failed(sender, credentials, request=None, **kwargs) -> None:
    logger.warning(
        "login failed user=%s ip=%s", credentials.get("username", "-"), client_address(request)
    )


def log_refusal(request, reason: str) -> None:
    user = request.user.get_username() if request.user.is_authenticated else "anonymous"
    logger.warning(
        "access refused user=%s ip=%s path=%s reason=%s",
        user,
        client_address(request),
        request.path,
        reason,
    )
