from django.urls import path

from . import views

app_name = "integrations"
urlpatterns = [
    path("", views.integration_list, name="list"),
    path("new/registry/", views.integration_create, name="create"),
    path("new/<slug:kind>/", views.integration_create, name="create_kind"),
    path("new/<slug:kind>/provider-fields/", views.provider_fields, name="provider_fields"),
    path("new/<slug:kind>/test/", views.integration_test_connection, name="test_connection"),
    path("<uuid:pk>/check/", views.integration_check_now, name="check"),
    path("<uuid:pk>/delete/", views.integration_delete, name="delete"),
]
