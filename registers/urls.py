from django.urls import path

from . import views

app_name = "registers"
urlpatterns = [
    path("registers/", views.register_list, name="register_list"),
    path("registers/<slug:slug>/", views.register_detail, name="register_detail"),
    path(
        "registers/<slug:slug>/<int:year>-q<int:quarter>/",
        views.register_period,
        name="register_period",
    ),
    path(
        "registers/<slug:slug>/<int:year>-q<int:quarter>/changes/",
        views.quarter_changes,
        name="quarter_changes",
    ),
    path("registers/<slug:slug>/risks/new/", views.risk_create, name="risk_create"),
    path("registers/<slug:slug>/risks/<str:reference>/", views.risk_detail, name="risk_detail"),
    path("registers/<slug:slug>/risks/<str:reference>/edit/", views.risk_edit, name="risk_edit"),
    path(
        "registers/<slug:slug>/risks/<str:reference>/withdraw/",
        views.risk_withdraw,
        name="risk_withdraw",
    ),
]
