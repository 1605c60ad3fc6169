from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from . import account_views, sso, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", sso.login, name="login"),
    path("accounts/no-access/", sso.no_access, name="no_access"),
    path(
        "accounts/oidc/sign-in/",
        login_not_required(sso.SignInView.as_view()),
        name="oidc_authentication_init",
    ),
    path(
        "accounts/oidc/callback/",
        login_not_required(sso.CallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", account_views.password_change, name="password_change"),
    path("accounts/password/reset/", account_views.password_reset, name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        account_views.password_reset_done,
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        account_views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        account_views.password_reset_complete,
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("", include("registers.urls")),
    path("", include("riskreg.quarter_urls")),
    path("governance/", include("governance.urls")),
    path("packs/", include("riskreg.pack_urls")),
    path("reminders/", include("reminders.urls")),
    path("", include("api.urls")),
]

handler403 = "riskreg.views.permission_denied"
handler404 = "riskreg.views.page_not_found"
