from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import availability, forms, services
from accounts.models import TraineeProfile


@require_http_methods(["GET", "POST"])
def profile_update(request: HttpRequest) -> HttpResponse:
    profile = (
        TraineeProfile.objects.select_related("discipline")
        .prefetch_related("interests__career_area")
        .filter(user=request.user)
        .first()
    ) or TraineeProfile(user=request.user)
    form = forms.ProfileForm(
        request.POST if request.method == "POST" else None, instance=profile, user=request.user
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_update(
                user=request.user,
                name=data["name"],
                timezone=data["timezone"],
                stage=data["stage"],
                program_year=data["program_year"],
                discipline=data["discipline"],
                department=data["department"],
                lab_or_pi=data["lab_or_pi"],
                career_areas=data["career_areas"],
                availability_slots=data["availability"],
                wants_multiple_groups=data["wants_multiple_groups"],
            )
        except services.AccountError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile_update")
    return render(
        request,
        "accounts/profile_form.html",
        {"form": form, "parts": availability.PARTS},
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token=token, now=timezone.now())
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    user = invitation.user
    form = forms.InvitationAcceptForm(
        user, request.POST if request.method == "POST" else None, initial={"name": user.name}
    )
    if form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                password=form.cleaned_data["new_password1"],
                name=form.cleaned_data["name"],
                now=timezone.now(),
            )
        except services.AccountError as e:
            form.add_error(None, str(e))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Tell us a little about yourself."))
            return redirect("accounts:profile_update")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitee": user})
