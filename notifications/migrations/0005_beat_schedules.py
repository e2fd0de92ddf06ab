"""The reminder schedules, as django-celery-beat rows so staff can see and pause them in the admin.

Sweeps run on the quarter hour (so a prompt due at 09:00 local is created at 09:00); the sender
runs every minute. A sweep message not picked up within ten minutes expires: the next one is due
five minutes later anyway, and a backlog of identical sweeps helps nobody.
"""

from django.db import migrations
from django.utils import timezone

SWEEPS = [
    ("Sweep: meeting reminders", "meetings.tasks.send_meeting_reminders"),
    ("Sweep: scheduling prompts for facilitators", "meetings.tasks.send_scheduling_prompts"),
    ("Sweep: weekly office digest", "meetings.tasks.send_office_digest"),
    ("Sweep: goal-review prompts", "goals.tasks.send_goal_review_prompts"),
    ("Sweep: next-goals prompts", "goals.tasks.send_next_goals_prompts"),
    ("Sweep: survey invitations and reminders", "surveys.tasks.send_survey_invitations"),
]
SENDER = ("Email: send pending notifications", "notifications.tasks.send_pending_emails")
SWEEP_EXPIRES = 600
SENDER_EXPIRES = 50


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    quarter_hour, _created = CrontabSchedule.objects.get_or_create(
        minute="*/15",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    every_minute, _created = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    for name, task in SWEEPS:
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={"task": task, "crontab": quarter_hour, "expire_seconds": SWEEP_EXPIRES},
        )
    PeriodicTask.objects.get_or_create(
        name=SENDER[0],
        defaults={"task": SENDER[1], "interval": every_minute, "expire_seconds": SENDER_EXPIRES},
    )
    # Tell a running beat to reload its schedule.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _task in [*SWEEPS, SENDER]]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_email_sending_preferences_sweeps"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
