from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("groups/<int:group_id>/meetings/new/", views.meeting_schedule, name="meeting_schedule"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:meeting_id>/edit/", views.meeting_update, name="meeting_update"),
    path("meetings/<int:meeting_id>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:meeting_id>/log/", views.meeting_log, name="meeting_log"),
    path(
        "meetings/<int:meeting_id>/update/",
        views.attendance_post_update,
        name="attendance_post_update",
    ),
    path("meetings/<int:meeting_id>/meeting.ics", views.meeting_ics, name="meeting_ics"),
    path("calendar/", views.calendar_settings, name="calendar_settings"),
    path("calendar/<slug:token>.ics", views.calendar_feed, name="calendar_feed"),
]
