from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from goals.models import GoalReview
from groups import permissions as group_permissions
from meetings import calendar, forms, permissions, selectors, services
from meetings.models import Attendance, CalendarFeed


@require_http_methods(["GET", "POST"])
def meeting_schedule(request: HttpRequest, group_id: int) -> HttpResponse:
    group = group_permissions.get_group_for_user(request.user, group_id, manage=True)
    tz, now = request.user.tzinfo, timezone.now()
    form = forms.MeetingForm(
        request.POST if request.method == "POST" else None,
        tz=tz,
        initial=services.meeting_proposal(group=group, tz=tz, now=now),
    )
    if form.is_valid():
        try:
            meeting = services.meeting_schedule(
                group=group, fields=form.meeting_fields(), created_by=request.user, now=now
            )
        except services.MeetingError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Meeting scheduled. The group has been told."))
            return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"group": group, "form": form})


@require_http_methods(["GET", "POST"])
def meeting_update(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = permissions.get_meeting_for_user(request.user, meeting_id, manage=True)
    tz = request.user.tzinfo
    form = forms.MeetingForm(
        request.POST if request.method == "POST" else None,
        tz=tz,
        initial=forms.MeetingForm.initial_for(meeting, tz),
    )
    if form.is_valid():
        try:
            services.meeting_update(
                meeting=meeting, fields=form.meeting_fields(), now=timezone.now(), by=request.user
            )
        except services.MeetingError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Meeting saved."))
            return redirect(meeting)
    return render(
        request,
        "meetings/meeting_form.html",
        {"group": meeting.group, "form": form, "meeting": meeting},
    )


@require_http_methods(["GET", "POST"])
def meeting_cancel(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = permissions.get_meeting_for_user(request.user, meeting_id, manage=True)
    if request.method == "POST":
        try:
            services.meeting_cancel(meeting=meeting, now=timezone.now(), by=request.user)
        except services.MeetingError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("Meeting cancelled. The group has been told."))
        return redirect(meeting)
    return render(request, "meetings/meeting_confirm_cancel.html", {"meeting": meeting})


@require_GET
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = permissions.get_meeting_for_user(request.user, meeting_id)
    context = selectors.meeting_page(meeting=meeting, viewer=request.user)
    if context["my_attendance"] is not None and context["my_attendance"].status != "present":
        context["update_form"] = forms.AsyncUpdateForm(
            initial={"text": context["my_attendance"].async_update}
        )
    return render(request, "meetings/meeting_detail.html", context)


@require_http_methods(["GET", "POST"])
def meeting_log(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = permissions.get_meeting_for_user(request.user, meeting_id, manage=True)
    if meeting.is_cancelled:
        raise Http404
    members = services.meeting_members(meeting)
    goals = services.goals_due_at(meeting)
    form = forms.MeetingLogForm(
        request.POST if request.method == "POST" else None,
        meeting=meeting,
        members=members,
        goals=goals,
        attendance={a.user_id: a for a in Attendance.objects.filter(meeting=meeting)},
        reviews={r.goal_id: r for r in GoalReview.objects.filter(meeting=meeting)},
    )
    if form.is_valid():
        try:
            services.meeting_log_save(
                meeting=meeting,
                by=request.user,
                attendance=form.attendance(),
                reviews=form.reviews(),
                summary=form.cleaned_data["summary"],
                private_notes=form.cleaned_data["private_notes"],
                flags=form.flags(),
                now=timezone.now(),
            )
        except services.MeetingError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("Meeting log saved."))
            return redirect(meeting)
    return render(request, "meetings/meeting_log.html", {"meeting": meeting, "form": form})


@require_POST
def attendance_post_update(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = permissions.get_meeting_for_user(request.user, meeting_id)
    form = forms.AsyncUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.attendance_post_update(
                meeting=meeting,
                user=request.user,
                text=form.cleaned_data["text"],
                now=timezone.now(),
            )
        except services.MeetingError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("Your update is posted for the group."))
    else:
        messages.error(request, _("Write a few words for the group first."))
    return redirect(meeting)


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def meeting_ics(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = permissions.get_meeting_for_user(request.user, meeting_id)
    body = calendar.render([meeting], name=meeting.group.name, now=timezone.now())
    return _ics_response(body, f"meeting-{meeting.pk}.ics")


@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("action") == "reset":
            services.calendar_feed_reset(user=request.user)
            messages.success(
                request, _("Your calendar address is new; the old one no longer works.")
            )
        else:
            services.calendar_feed_for(request.user)
        return redirect("meetings:calendar_settings")
    feed = CalendarFeed.objects.filter(user=request.user).first()
    url = (
        request.build_absolute_uri(reverse("meetings:calendar_feed", args=[feed.token]))
        if feed is not None
        else None
    )
    return render(request, "meetings/calendar_settings.html", {"feed_url": url})


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token)
    if not feed.user.is_active:
        raise Http404
    meetings = selectors.meetings_for_feed(user=feed.user, now=timezone.now())
    body = calendar.render(meetings, name=_("My peer groups"), now=timezone.now())
    return _ics_response(body, "peergroups.ics")
