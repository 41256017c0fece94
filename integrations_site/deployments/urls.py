from django.urls import path

from . import views

app_name = "deployments"
urlpatterns = [
    path("services/", views.service_list, name="services"),
    path("services/deploy/", views.service_deploy, name="service_deploy"),
    path("services/<uuid:pk>/", views.service_detail, name="service"),
    path("services/<uuid:pk>/restart/", views.service_restart, name="service_restart"),
    path("services/<uuid:pk>/manifests.yaml", views.service_manifests_download, name="manifests"),
    path("pipelines/", views.pipeline_list, name="pipelines"),
    path("pipelines/<uuid:pk>/", views.pipeline_detail, name="pipeline"),
    path("pipelines/<uuid:pk>/install/", views.pipeline_install, name="pipeline_install"),
    path(
        "pipelines/<uuid:pk>/nodes/<int:node_pk>/restart/",
        views.pipeline_node_restart,
        name="pipeline_node_restart",
    ),
]
