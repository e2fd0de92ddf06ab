from django.urls import path

from groups import views

app_name = "groups"

urlpatterns = [
    path("", views.group_list, name="group_list"),
    path("<int:group_id>/", views.group_detail, name="group_detail"),
    path("<int:group_id>/edit/", views.group_update, name="group_update"),
    path("<int:group_id>/join/", views.membership_join, name="membership_join"),
    path("<int:group_id>/leave/", views.membership_leave, name="membership_leave"),
]
