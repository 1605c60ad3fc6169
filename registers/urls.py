from django.urls import path

from . import spreadsheet_views, views

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
    path(
        "registers/<slug:slug>/<int:year>-q<int:quarter>/export.<str:fmt>",
        spreadsheet_views.register_export,
        name="register_export",
    ),
    path("registers/<slug:slug>/risks/new/", views.risk_create, name="risk_create"),
    path("registers/<slug:slug>/risks/<str:reference>/", views.risk_detail, name="risk_detail"),
    path("registers/<slug:slug>/risks/<str:reference>/edit/", views.risk_edit, name="risk_edit"),
    path(
        "registers/<slug:slug>/risks/<str:reference>/withdraw/",
        views.risk_withdraw,
        name="risk_withdraw",
    ),
    path(
        "registers/<slug:slug>/risks/<str:reference>/quarters.<str:fmt>",
        spreadsheet_views.risk_quarters_export,
        name="risk_quarters_export",
    ),
    path(
        "registers/<slug:slug>/risks/<str:reference>/history.<str:fmt>",
        spreadsheet_views.risk_history_export,
        name="risk_history_export",
    ),
    path(
        "registers/<slug:slug>/risks/<str:reference>/actions.<str:fmt>",
        spreadsheet_views.risk_actions_export,
        name="risk_actions_export",
    ),
    path(
        "registers/<slug:slug>/risks/<str:reference>/reviews.<str:fmt>",
        spreadsheet_views.risk_reviews_export,
        name="risk_reviews_export",
    ),
    path(
        "registers/<slug:slug>/actions/export.<str:fmt>",
        spreadsheet_views.action_list_export,
        name="action_list_export",
    ),
    # Import of a register from a spreadsheet
    path("registers/<slug:slug>/import/", spreadsheet_views.import_start, name="import_start"),
    path(
        "registers/<slug:slug>/import/template.<str:fmt>",
        spreadsheet_views.import_template,
        name="import_template",
    ),
    path("imports/", spreadsheet_views.import_list, name="import_list"),
    path("imports/<int:pk>/", spreadsheet_views.import_preview, name="import_preview"),
    path(
        "registers/<slug:slug>/risks/<str:reference>/actions/new/",
        views.action_create,
        name="action_create",
    ),
    path(
        "registers/<slug:slug>/risks/<str:reference>/reviews/new/",
        views.review_create,
        name="review_create",
    ),
    path("registers/<slug:slug>/actions/", views.action_list, name="action_list"),
    path("registers/<slug:slug>/actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("registers/<slug:slug>/appetite/", views.category_list, name="category_list"),
    path(
        "registers/<slug:slug>/appetite/<int:pk>/edit/",
        views.category_edit,
        name="category_edit",
    ),
    path("my/risks/", views.my_risks, name="my_risks"),
    path("my/actions/", views.my_actions, name="my_actions"),
]
