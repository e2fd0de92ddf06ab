from django.urls import path

from goals import views

app_name = "goals"

urlpatterns = [
    path("", views.goal_list, name="goal_list"),
    path("new/", views.goal_create, name="goal_create"),
    path("<int:goal_id>/edit/", views.goal_update, name="goal_update"),
    path("<int:goal_id>/status/", views.goal_set_status, name="goal_set_status"),
    path("<int:goal_id>/carry-over/", views.goal_carry_over, name="goal_carry_over"),
    path("<int:goal_id>/win/", views.goal_share_win, name="goal_share_win"),
]
