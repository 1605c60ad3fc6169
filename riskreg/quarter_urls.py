from django.urls import path

from . import quarters

app_name = "quarters"
urlpatterns = [
    path(
        "registers/<slug:slug>/<int:year>-q<int:quarter>/close/",
        quarters.close_quarter,
        name="close",
    ),
    path(
        "registers/<slug:slug>/<int:year>-q<int:quarter>/sign-off/",
        quarters.sign_off,
        name="sign_off",
    ),
]
