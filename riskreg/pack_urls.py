from django.urls import path

from . import pack_views

app_name = "packs"
urlpatterns = [
    path("", pack_views.pack_list, name="list"),
    path("<slug:slug>/<int:year>-q<int:quarter>/", pack_views.pack_download, name="download"),
    path(
        "<slug:slug>/<int:year>-q<int:quarter>/public/",
        pack_views.pack_download,
        {"variant": "public"},
        name="public_download",
    ),
    path("<slug:slug>/<int:year>-q<int:quarter>/status/", pack_views.pack_status, name="status"),
    path("<slug:slug>/<int:year>-q<int:quarter>/draft/", pack_views.pack_preview, name="preview"),
    path(
        "<slug:slug>/<int:year>-q<int:quarter>/draft/pdf/", pack_views.draft_file, name="draft_file"
    ),
]
