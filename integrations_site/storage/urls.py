from django.urls import path

from . import views

app_name = "storage"
urlpatterns = [
    path("", views.driver_list, name="list"),
    path("new/", views.driver_create, name="create"),
    path("<uuid:pk>/delete/", views.driver_delete, name="delete"),
]
