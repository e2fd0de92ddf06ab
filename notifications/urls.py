from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("badge/", views.notification_badge, name="notification_badge"),
    path("read/", views.notifications_mark_all_read, name="notifications_mark_all_read"),
    path(
        "<int:notification_id>/read/",
        views.notification_mark_read,
        name="notification_mark_read",
    ),
    path("preferences/", views.notification_preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.notification_unsubscribe, name="unsubscribe"),
]
