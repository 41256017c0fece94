from django.urls import path

from . import views

app_name = "tokens"
urlpatterns = [
    path("", views.token_list, name="list"),
    path("new/", views.token_create, name="create"),
    path("<uuid:pk>/revoke/", views.token_revoke, name="revoke"),
    path("runtime/new/", views.runtime_token_create, name="runtime_create"),
    path("runtime/<uuid:pk>/revoke/", views.runtime_token_revoke, name="runtime_revoke"),
]
