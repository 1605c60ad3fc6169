from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("registers.urls")),
    path("", include("riskreg.quarter_urls")),
    path("governance/", include("governance.urls")),
    path("packs/", include("riskreg.pack_urls")),
]

handler403 = "riskreg.views.permission_denied"
