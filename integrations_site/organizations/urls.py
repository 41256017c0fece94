from django.urls import path

from . import views

app_name = "organizations"
urlpatterns = [
    path("switch/", views.organization_switch, name="switch"),
]
