from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="survey_list"),
    path("<int:survey_id>/", views.survey_respond, name="survey_respond"),
]
