from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from surveys import forms, permissions, selectors, services


@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    context = selectors.surveys_for(request.user, timezone.now())
    return render(request, "surveys/survey_list.html", context)


@require_http_methods(["GET", "POST"])
def survey_respond(request: HttpRequest, survey_id: int) -> HttpResponse:
    is_post = request.method == "POST"
    survey = permissions.get_survey_for_user(request.user, survey_id, respond=is_post)
    now = timezone.now()
    context = selectors.survey_page(survey=survey, user=request.user, now=now)
    if is_post and context["state"] != "open":
        messages.error(request, _("This survey is not open, so it can't be answered."))
        return redirect(survey)
    response = context["response"]
    # Once submitted, every save is a submission again: required answers stay required.
    submit = request.POST.get("action") != "save" or (
        response is not None and response.is_submitted
    )
    form = forms.SurveyResponseForm(
        request.POST if is_post else None,
        questions=context["questions"],
        final=submit,
        initial=context["initial"],
    )
    if form.is_valid():
        try:
            services.response_save(
                survey=survey, user=request.user, answers=form.answers(), submit=submit, now=now
            )
        except services.SurveyError as e:
            form.add_error(None, str(e))
        else:
            if submit:
                messages.success(
                    request,
                    _(
                        "Thank you: your answers are in. "
                        "You can change them until the survey closes."
                    ),
                )
            else:
                messages.success(request, _("Saved. Come back to finish before the survey closes."))
            return redirect(survey)
    return render(request, "surveys/survey_respond.html", {**context, "form": form})
