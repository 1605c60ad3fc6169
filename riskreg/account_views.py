"""Local accounts: changing one's password, and resetting it by e-mail when e-mail is set up."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from .audit import record_event
from .models import AuditEvent


@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Any signed-in user changes their own password (the old one first).

    Not where passwords are not used: with LOCAL_SIGN_IN off, or for someone the identity
    provider signs in (an account it created has no password).
    """
    if not settings.LOCAL_SIGN_IN or not request.user.has_usable_password():
        raise Http404("Your password is your organisation's account's: change it there.")
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)  # stay signed in here
        record_event(kind=AuditEvent.Kind.PASSWORD_CHANGED, request=request, user=user)
        messages.success(request, "Your password has been changed.")
        return redirect("home")
    return render(request, "registration/password_change_form.html", {"form": form})


def _with_email(view):
    """Password reset exists only where EMAIL_HOST is set and local sign-in is on: else 404."""

    @login_not_required
    def wrapped(request, *args, **kwargs):
        if not settings.EMAIL_HOST or not settings.LOCAL_SIGN_IN:
            raise Http404("Password reset by e-mail is not set up here.")
        return view(request, *args, **kwargs)

    return wrapped


password_reset = _with_email(
    auth_views.PasswordResetView.as_view(
        template_name="registration/password_reset_form.html",
        email_template_name="registration/password_reset_email.txt",
        subject_template_name="registration/password_reset_subject.txt",
        success_url=reverse_lazy("password_reset_done"),
    )
)
password_reset_done = _with_email(
    auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html")
)
password_reset_confirm = _with_email(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="registration/password_reset_confirm.html",
        success_url=reverse_lazy("password_reset_complete"),
    )
)
password_reset_complete = _with_email(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="registration/password_reset_complete.html"
    )
)
