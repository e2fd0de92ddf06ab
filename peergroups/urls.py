from django.contrib import admin
from django.urls import include, path

from peergroups import export, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("me/export/", export.personal_data_export, name="personal_data_export"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("groups/", include("groups.urls")),
    path("notifications/", include("notifications.urls")),
    path("goals/", include("goals.urls")),
    path("surveys/", include("surveys.urls")),
    path("", include("meetings.urls")),
]
