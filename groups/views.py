from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups import forms, permissions, selectors, services
from groups.models import MembershipRole, MembershipStatus

PAGE_SIZE = 30


@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    form = forms.GroupFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    groups = selectors.groups_joinable_for(
        user=request.user,
        career_area=filters.get("career_area", ""),
        cohort_id=filters["cohort"].pk if filters.get("cohort") else None,
    )
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "groups/group_list.html", {"form": form, "page": page})


@require_GET
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    group = permissions.get_group_for_user(request.user, group_id)
    memberships = selectors.group_memberships(group=group)
    mine = next((m for m in memberships if m.user_id == request.user.pk), None)
    seated = [m for m in memberships if m.seat is not None]
    context = {
        "group": group,
        "my_membership": mine,
        "my_position": selectors.waitlist_position_in(memberships, mine),
        "can_manage": request.user.is_staff
        or (mine is not None and mine.role == MembershipRole.FACILITATOR),
        "facilitators": [m for m in memberships if m.role == MembershipRole.FACILITATOR],
        "members": seated,
        "waitlist": [m for m in memberships if m.status == MembershipStatus.WAITLISTED],
        "seats_left": max(group.capacity - len(seated), 0),
        "is_under_size": len(seated) < group.cohort.min_group_size,
        "leave_form": forms.LeaveForm(),
    }
    # Meetings, goals and wins are for the group's own people and the office only.
    if request.user.is_staff or (mine is not None and mine.status == MembershipStatus.ACTIVE):
        context.update(selectors.group_program(group=group, now=timezone.now()))
        context["shows_program"] = True
    return render(request, "groups/group_detail.html", context)


@require_http_methods(["GET", "POST"])
def group_update(request: HttpRequest, group_id: int) -> HttpResponse:
    group = permissions.get_group_for_user(request.user, group_id, manage=True)
    form = forms.GroupForm(request.POST if request.method == "POST" else None, instance=group)
    if form.is_valid():
        services.group_update(group=group, **form.cleaned_data)
        messages.success(request, _("The group's details are saved."))
        return redirect(group)
    return render(request, "groups/group_form.html", {"group": group, "form": form})


@require_POST
def membership_join(request: HttpRequest, group_id: int) -> HttpResponse:
    group = permissions.get_group_for_user(request.user, group_id)
    try:
        membership = services.membership_join(group=group, user=request.user, now=timezone.now())
    except services.MembershipError as e:
        messages.error(request, str(e))
    else:
        if membership.status == MembershipStatus.WAITLISTED:
            position = selectors.waitlist_position(membership=membership)
            messages.info(
                request,
                _(
                    "%(group)s is full: you're #%(n)d on the waitlist. "
                    "We'll tell you when a seat opens."
                )
                % {"group": group.name, "n": position},
            )
        else:
            messages.success(request, _("You're a member of %(group)s.") % {"group": group.name})
    return redirect(group)


@require_POST
def membership_leave(request: HttpRequest, group_id: int) -> HttpResponse:
    group = permissions.get_group_for_user(request.user, group_id)
    membership = selectors.membership_current(group=group, user=request.user)
    form = forms.LeaveForm(request.POST)
    if membership is None:
        messages.info(request, _("You're not in %(group)s.") % {"group": group.name})
        return redirect("home")
    if not form.is_valid():
        messages.error(request, _("Keep the reason under 500 characters."))
        return redirect(group)
    services.membership_leave(
        membership=membership, reason=form.cleaned_data["reason"], now=timezone.now()
    )
    if membership.status == MembershipStatus.WAITLISTED:
        messages.success(
            request, _("You've left the waitlist for %(group)s.") % {"group": group.name}
        )
    else:
        messages.success(request, _("You've left %(group)s.") % {"group": group.name})
    return redirect("home")
