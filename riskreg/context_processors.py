from django.conf import settings

from .roles import role_of


def navigation(request) -> dict:
    """The signed-in user's role, for the navigation in base.html; whether passwords are
    changed here (not for someone the identity provider signs in) and reset is offered."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "user_role": None,
            "password_reset": bool(settings.EMAIL_HOST) and settings.LOCAL_SIGN_IN,
        }
    return {
        "user_role": role_of(user) or ("Administrator" if user.is_superuser else None),
        "password_change": settings.LOCAL_SIGN_IN and user.has_usable_password(),
    }
