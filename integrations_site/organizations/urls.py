from django.urls import path

from . import views

app_name = "organizations"
urlpatterns = [
    path("switch/", views.organization_switch, name="switch"),
    path("members/", views.member_list, name="members"),
    path("members/add/", views.member_add, name="member_add"),
    path("members/<int:user_id>/role/", views.member_role, name="member_role"),
    path("members/<int:user_id>/remove/", views.member_remove, name="member_remove"),
    path("activity/", views.activity, name="activity"),
]
