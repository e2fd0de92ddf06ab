from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from goals import forms, permissions, selectors, services


@require_GET
def goal_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "goals/goal_list.html", selectors.goals_page(user=request.user, now=timezone.now())
    )


@require_http_methods(["GET", "POST"])
def goal_create(request: HttpRequest) -> HttpResponse:
    groups = permissions.groups_for_new_goal(request.user)
    form = forms.GoalForm(
        request.POST if request.method == "POST" else None,
        groups=groups,
        initial={"group": request.GET.get("group")},
    )
    if form.is_valid():
        try:
            services.goal_create(
                owner=request.user,
                group=form.cleaned_data["group"],
                fields=form.goal_fields(),
                due_date=form.cleaned_data["due_date"],
                now=timezone.now(),
            )
        except services.GoalError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Goal saved. Your group reviews it at the next meeting."))
            return redirect("goals:goal_list")
    return render(request, "goals/goal_form.html", {"form": form, "has_groups": groups.exists()})


@require_http_methods(["GET", "POST"])
def goal_update(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = permissions.get_goal_for_user(request.user, goal_id, edit=True)
    original_due = goal.due_date
    form = forms.GoalForm(
        request.POST if request.method == "POST" else None, instance=goal, groups=None
    )
    if form.is_valid():
        due_date = form.cleaned_data["due_date"]
        try:
            services.goal_update(
                goal=goal,
                fields=form.goal_fields(),
                # An unchanged date keeps the meeting, even one already held.
                due_meeting=goal.due_meeting if due_date == original_due else None,
                due_date=due_date,
                now=timezone.now(),
            )
        except services.GoalError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Goal saved."))
            return redirect("goals:goal_list")
    return render(request, "goals/goal_form.html", {"form": form, "goal": goal, "has_groups": True})


@require_POST
def goal_set_status(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = permissions.get_goal_for_user(request.user, goal_id, edit=True)
    form = forms.GoalStatusForm(request.POST)
    if form.is_valid():
        services.goal_set_status(goal=goal, status=form.cleaned_data["status"], now=timezone.now())
        if request.htmx:
            return render(
                request,
                "goals/_goal_row.html",
                {"goal": goal, "status_choices": forms.GoalStatus.choices},
            )
        messages.success(request, _("Goal status saved."))
    else:
        messages.error(request, _("Choose a status from the list."))
    return redirect("goals:goal_list")


@require_POST
def goal_carry_over(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = permissions.get_goal_for_user(request.user, goal_id, edit=True)
    try:
        services.goal_carry_over(goal=goal, now=timezone.now())
    except services.GoalError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Carried over to your group's next meeting."))
    return redirect("goals:goal_list")


@require_POST
def goal_share_win(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = permissions.get_goal_for_user(request.user, goal_id, edit=True)
    try:
        services.goal_share_win(goal=goal, now=timezone.now())
    except services.GoalError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("Shared with your group as a win."))
    return redirect("goals:goal_list")
