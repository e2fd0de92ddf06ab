from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile_update, name="profile_update"),
    path("accounts/invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
