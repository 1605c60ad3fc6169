from django.urls import path

from . import views

app_name = "registers"
urlpatterns = [
    path("registers/", views.register_list, name="register_list"),
]
