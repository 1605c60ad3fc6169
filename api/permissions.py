from rest_framework import permissions


class ViewPermission(permissions.BasePermission):
    """The permission the view's page asks for (`required_permission`, e.g.
    "registers.view_risk"): signed in (session or token), and that permission now."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        required = getattr(view, "required_permission", None)
        return required is None or user.has_perm(required)
